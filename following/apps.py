from django.apps import AppConfig


class FollowingConfig(AppConfig):
    name = "following"
    verbose_name = "Following"

    def ready(self):
        from following import personal_data  # noqa: F401  (its part of "download my data" and erasure)
