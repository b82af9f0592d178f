from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import throttle
from accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    """Logs members in with their username (as typed, any case) or their email address.

    Every password check through authenticate() (the board's login, the admin's, any other)
    is throttled here: failures count per account and per address (accounts.throttle), and
    past the limit even the right password is refused.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        member = throttle.find_member(username)
        address = throttle.client_address(request)
        if throttle.login_refusal(username, address, member=member):
            # authenticate() stops at PermissionDenied: no other backend is asked.
            raise PermissionDenied
        if member is None:
            User().set_password(password)  # same time as a real check: no user enumeration
        elif member.check_password(password):
            if not self.user_can_authenticate(member):
                return None  # the right password of a banned or inactive member: no failure
            throttle.clear_login_failures(member)
            return member
        throttle.record_login_failure(username, address, member=member)
        return None

    def user_can_authenticate(self, user):
        """Banned members are refused at login, and a ban logs out a member already in: Django
        asks this for every request's session user too. The fields are on the row: no query."""
        return super().user_can_authenticate(user) and not user.is_under_ban
