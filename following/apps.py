from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class FollowingConfig(AppConfig):
    name = "following"
    verbose_name = pgettext_lazy("admin app", "Following")

    def ready(self):
        from following import personal_data  # noqa: F401  (its part of "download my data" and erasure)
