from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = gettext_lazy("Private messages")

    def ready(self):
        from messaging import personal_data  # noqa: F401  (its part of "download my data" and erasure)
