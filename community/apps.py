from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = gettext_lazy("community")

    def ready(self):
        from community import personal_data  # noqa: F401  (its part of "download my data" and erasure)
