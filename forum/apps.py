from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self):
        from forum import personal_data  # noqa: F401  (its part of "download my data" and erasure)
