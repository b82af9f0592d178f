from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PicturesConfig(AppConfig):
    name = "pictures"
    verbose_name = gettext_lazy("Pictures: avatars and attachments")

    def ready(self):
        from pictures import personal_data  # noqa: F401  (its part of "download my data" and erasure)
