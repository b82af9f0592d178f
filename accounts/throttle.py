"""Counts that slow password guessing, account farming and mail bombing, kept in the database.

Failed logins are counted per account and per address, in fixed windows of LOGIN_WINDOW that
start at the first failure. The account is the member the typed login names, whichever way it
was typed (username in any case or width, or email address), so a lock taken by failures typed
as the username also holds against the email address; a login naming no member is counted
under what was typed, folded, so unknown and known names behave alike. After WARN_AFTER
failures the login page warns how many tries are left; at the limit every password check for
that account or from that address is refused, even with the right password, until the window
ends. A successful login clears the account's count.

The counting happens where passwords are checked: accounts.backends (so the board's login, the
admin's login and anything else calling authenticate()) and the password change forms.

Mail that anyone can make the board send (password reset, confirmation links, the note to an
address someone tried to register with) is counted per address and per target address.

The counts are rows of ThrottleCount, written with one atomic upsert each: every gunicorn
worker and every app server shares them, with or without Redis. When the database cannot be
read the request fails (503), so the limits fail closed.

The address is REMOTE_ADDR, never X-Forwarded-For (which any visitor can forge). Behind a
reverse proxy REMOTE_ADDR is the proxy's own address, and every visitor would share one count:
have the proxy pass the visitor's address with the PROXY protocol (gunicorn's
--proxy-protocol and --proxy-allow-from, with --forwarded-allow-ips for the scheme).
"""

import datetime
import hashlib
import math
import random
import time

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import ThrottleCount, User, username_key

LOGIN_WINDOW = 15 * 60
REGISTRATION_WINDOW = 60 * 60
MAIL_WINDOW = 60 * 60
WARN_AFTER = 3


def client_address(request: HttpRequest | None) -> str:
    """The visitor's address; empty when there is no request (then only accounts count)."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _now() -> datetime.datetime:
    # time.time(), so that tests can move the clock with one monkeypatch.
    return datetime.datetime.fromtimestamp(time.time(), tz=datetime.UTC)


def _key(kind: str, value: str) -> str:
    # Hashed: keys must be short, and logins and addresses are not.
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{kind}:{digest}"


def _add_one(key: str, window: int) -> None:
    """One more in the key's window, or 1 in a new window if the last one has ended: a single
    upsert, so concurrent requests in any process never lose a count."""
    now = _now()
    table = connection.ops.quote_name(ThrottleCount._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} ("key", "count", window_ends_at) VALUES (%s, 1, %s)
            ON CONFLICT ("key") DO UPDATE SET
              count = CASE WHEN {table}.window_ends_at <= %s THEN 1
                           ELSE {table}.count + 1 END,
              window_ends_at = CASE WHEN {table}.window_ends_at <= %s
                                    THEN excluded.window_ends_at
                                    ELSE {table}.window_ends_at END""",
            [key, adapt(now + datetime.timedelta(seconds=window)), adapt(now), adapt(now)],
        )
    if random.random() < 0.01:  # ended windows are dead weight; a rare sweep keeps them few
        ThrottleCount.objects.filter(window_ends_at__lt=now).delete()


def _over_limit(limits: dict[str, int]) -> ThrottleCount | None:
    """The row, among these keys, whose count has reached its limit in a window still open."""
    rows = ThrottleCount.objects.filter(key__in=limits, window_ends_at__gt=_now())
    return max(
        (row for row in rows if row.count >= limits[row.key]),
        key=lambda row: row.window_ends_at,
        default=None,
    )


def _minutes_left(row: ThrottleCount) -> int:
    return max(1, math.ceil((row.window_ends_at - _now()).total_seconds() / 60))


def find_member(login: str) -> User | None:
    """The one member a typed login names: username (folded) or email address, any case."""
    login = login.strip()
    if not login:
        return None
    matches = list(
        User.objects.filter(Q(username_key=username_key(login)) | Q(email__iexact=login))[:2]
    )
    # An email shared by two accounts names neither: the username is unambiguous.
    return matches[0] if len(matches) == 1 else None


def _account_key(login: str, member: User | None) -> str:
    if member is not None:
        return _key("login-account", f"member:{member.pk}")
    return _key("login-account", f"typed:{username_key(login)}")


def _login_limits(login: str, member: User | None, address: str) -> dict[str, int]:
    limits = {}
    if address:
        limits[_key("login-address", address)] = settings.BOARD_LOGIN_FAILURES_PER_ADDRESS
    if login.strip() or member is not None:
        limits[_account_key(login, member)] = settings.BOARD_LOGIN_FAILURES_PER_ACCOUNT
    return limits


def login_refusal(login: str, address: str, *, member: User | None = None) -> str | None:
    """Why no password is checked now for this login from this address, or None."""
    member = member or find_member(login)
    row = _over_limit(_login_limits(login, member, address))
    if row is None:
        return None
    return try_again(
        _("Too many failed logins for this account or from your address."), _minutes_left(row)
    )


def record_login_failure(login: str, address: str, *, member: User | None = None) -> None:
    for key in _login_limits(login, member, address):
        _add_one(key, LOGIN_WINDOW)


def login_warning(login: str, address: str) -> str | None:
    """After a failure: the refusal if the limit is reached, a warning once it is near."""
    member = find_member(login)
    limits = _login_limits(login, member, address)
    counts = dict(
        ThrottleCount.objects.filter(key__in=limits, window_ends_at__gt=_now()).values_list(
            "key", "count"
        )
    )
    near = [limits[key] - count for key, count in counts.items() if count >= WARN_AFTER]
    if not near:
        return None
    if min(near) <= 0:
        return login_refusal(login, address, member=member)
    return _(
        "Too many failed logins for this account or from your address: "
        "%(left)d more and logging in pauses for %(minutes)d minutes."
    ) % {"left": min(near), "minutes": LOGIN_WINDOW // 60}


def clear_login_failures(member: User) -> None:
    ThrottleCount.objects.filter(key=_account_key("", member)).delete()


def registration_refusal(address: str) -> str | None:
    key = _key("registrations", address)
    row = _over_limit({key: settings.BOARD_REGISTRATIONS_PER_ADDRESS_PER_HOUR})
    if row is None:
        return None
    return try_again(_("Too many new accounts from your address."), _minutes_left(row))


def record_registration(address: str) -> None:
    _add_one(_key("registrations", address), REGISTRATION_WINDOW)


def _mail_limits(address: str, target: str) -> tuple[str, str, dict[str, int]]:
    by_address = _key("mail-address", address)
    by_target = _key("mail-target", target.strip().casefold())
    return (
        by_address,
        by_target,
        {
            by_address: settings.BOARD_MAILS_PER_ADDRESS_PER_HOUR,
            by_target: settings.BOARD_MAILS_PER_TARGET_PER_HOUR,
        },
    )


def mail_refusal(address: str, target: str) -> str | None:
    """Why no more mail to `target` is sent on a request from `address` now, or None.

    Counted for every target typed, registered or not, so the refusal says nothing about
    whether an account uses the address."""
    by_address, _target, limits = _mail_limits(address, target)
    row = _over_limit(limits)
    if row is None:
        return None
    if row.key == by_address:
        too_many = _("Too many mails were asked for from your address in the last hour.")
    else:
        too_many = _("Too many mails were asked for to that email address in the last hour.")
    return try_again(too_many, _minutes_left(row))


def try_again(refusal: str, minutes: int) -> str:
    return _("%(refusal)s Try again in %(minutes)d minutes.") % {
        "refusal": refusal,
        "minutes": minutes,
    }


def record_mail(address: str, target: str) -> None:
    for key in _mail_limits(address, target)[2]:
        _add_one(key, MAIL_WINDOW)


def allow_mail(address: str, target: str) -> bool:
    """For mail sent as a side effect, where a refusal is not shown: counts it if it may go."""
    if mail_refusal(address, target):
        return False
    record_mail(address, target)
    return True
