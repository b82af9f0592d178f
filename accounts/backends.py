from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from accounts.models import User, username_key


class UsernameOrEmailBackend(ModelBackend):
    """Logs members in with their username (as typed, any case) or their email address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        login = username.strip()
        matches = list(
            User.objects.filter(Q(username_key=username_key(login)) | Q(email__iexact=login))[:2]
        )
        # An email shared by two accounts logs neither in: the username is unambiguous.
        user = matches[0] if len(matches) == 1 else None
        if user is None:
            User().set_password(password)  # same time as a real check: no user enumeration
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user):
        """Banned members are refused at login, and a ban logs out a member already in: Django
        asks this for every request's session user too. The fields are on the row: no query."""
        return super().user_can_authenticate(user) and not user.is_under_ban
