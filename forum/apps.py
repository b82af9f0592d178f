from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = gettext_lazy("Forum")

    def ready(self):
        from forum import personal_data  # noqa: F401  (its part of "download my data" and erasure)
