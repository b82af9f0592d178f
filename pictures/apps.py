from django.apps import AppConfig


class PicturesConfig(AppConfig):
    name = "pictures"
    verbose_name = "Pictures: avatars and attachments"

    def ready(self):
        from pictures import personal_data  # noqa: F401  (its part of "download my data" and erasure)
