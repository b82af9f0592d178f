from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Private messages"

    def ready(self):
        from messaging import personal_data  # noqa: F401  (its part of "download my data" and erasure)
