from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.utils.translation import gettext_lazy


def note_login_address(sender, request, user, **kwargs) -> None:
    """Every login's address, for moderators (AddressRecord). Django's own login event: the
    login view is Django's, and this keeps the address out of the login form's checks."""
    from accounts.models import AddressRecord
    from accounts.throttle import client_address

    AddressRecord.note(user, client_address(request), AddressRecord.LOGIN)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = gettext_lazy("Members")

    def ready(self):
        from accounts import personal_data, sessions  # noqa: F401  (registers accounts' part)

        user_logged_in.connect(note_login_address, dispatch_uid="accounts.note_login_address")
        user_logged_in.connect(sessions.record_login, dispatch_uid="accounts.record_login")
        user_logged_out.connect(sessions.record_logout, dispatch_uid="accounts.record_logout")
