"""A member's logged-in browsers, for their sessions page ("end the others").

Django's session backends cannot list a member's sessions: the database backends store the
member's id inside the encoded data, and cache or signed-cookie sessions cannot be searched at
all. So the board keeps its own list: a MemberSession row made at login (Django's
user_logged_in), naming the session's key, the browser and the address, and removed at logout.
Ending a session deletes it from the configured backend by its key (SessionStore(key).delete(),
which the db, cached_db, cache and file backends all support; the board uses db, or cached_db
with Redis) and deletes the row. The signed_cookies backend keeps sessions in the browser and
cannot end them: there the page says so, and changing the password is the way (Django logs out
every session whose password hash is stale).

Last seen: the middleware notes the time in the session itself and writes the row at most every
SEEN_EVERY seconds, so an ordinary request costs no query.
"""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import MemberSession, User
from accounts.throttle import client_address

SEEN_EVERY = 5 * 60
SEEN_KEY = "account_seen_at"
ROW_KEY = "account_session"  # the MemberSession's id and the session key it was stored under


def can_end_sessions() -> bool:
    return settings.SESSION_ENGINE != "django.contrib.sessions.backends.signed_cookies"


def session_store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def address_of(request: HttpRequest) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def record_login(sender, request, user, **kwargs) -> None:
    """user_logged_in: one row for this browser (the session key is the new one: login()
    cycles it before sending the signal)."""
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    key = request.session.session_key
    row, _created = MemberSession.objects.update_or_create(
        session_key=key,
        defaults={
            "member": user,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "address": address_of(request),
            "last_seen_at": timezone.now(),
        },
    )
    request.session[ROW_KEY] = [row.pk, key]
    request.session[SEEN_KEY] = time.time()


def record_logout(sender, request, user, **kwargs) -> None:
    if request is not None and user is not None and request.session.session_key:
        MemberSession.objects.filter(session_key=request.session.session_key).delete()


class LastSeenMiddleware:
    """Notes when each member's session was last used, at most every SEEN_EVERY seconds; and
    follows the session to its new key after Django cycled it (a password change)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return response
        session = request.session
        row = session.get(ROW_KEY)
        if not row:
            return response
        now = time.time()
        moved = session.session_key is not None and row[1] != session.session_key
        if moved or now - session.get(SEEN_KEY, 0) > SEEN_EVERY:
            changes = {"last_seen_at": timezone.now()}
            if moved:
                changes["session_key"] = session.session_key
                session[ROW_KEY] = [row[0], session.session_key]
            MemberSession.objects.filter(pk=row[0], member=user).update(**changes)
            session[SEEN_KEY] = now
        return response


def sessions_of(member: User):
    """The member's sessions that still exist in the backend, newest use first."""
    rows = list(MemberSession.objects.filter(member=member).order_by("-last_seen_at", "-pk"))
    if settings.SESSION_ENGINE.startswith("django.contrib.sessions.backends.") and (
        settings.SESSION_ENGINE.endswith((".db", ".cached_db"))
    ):
        alive = set(
            Session.objects.filter(
                session_key__in=[row.session_key for row in rows], expire_date__gt=timezone.now()
            ).values_list("session_key", flat=True)
        )
        return [row for row in rows if row.session_key in alive]
    return rows


def end_sessions(member: User, *, keep: str | None = None) -> int:
    """Ends every session of the member but `keep` (a session key); returns how many."""
    rows = MemberSession.objects.filter(member=member)
    if keep is not None:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        session_store(key).delete(key)
    rows.delete()
    return len(keys)


def device_name(user_agent: str) -> str:
    """A short name for a browser ("Firefox on Windows"), from its User-Agent."""
    agent = user_agent or ""
    browser = next(
        (
            name
            for token, name in [
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            ]
            if token in agent
        ),
        _("A browser"),
    )
    system = next(
        (
            name
            for token, name in [
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            ]
            if token in agent
        ),
        "",
    )
    if not system:
        return browser
    return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
