from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "community"

    def ready(self):
        from community import personal_data  # noqa: F401  (its part of "download my data" and erasure)
