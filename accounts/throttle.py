"""Failed logins and new registrations counted in Django's cache, to slow password guessing and
account farming without a new dependency.

Failed logins are counted per account (the login as typed, folded with username_key, so
"Ross86" and "ROSS86 " are one account) and per address, in fixed windows of LOGIN_WINDOW that
start at the first failure. After WARN_AFTER failures the login page warns how many tries are
left; at the limit every login for that account or from that address is refused, even with the
right password, until the window ends. A successful login clears the account's count.

The address is REMOTE_ADDR, never X-Forwarded-For (which any visitor can forge). Behind a
reverse proxy REMOTE_ADDR is the proxy's own address, and every visitor would share one count:
have the proxy pass the visitor's address with the PROXY protocol (gunicorn's
--proxy-protocol and --proxy-allow-from, with --forwarded-allow-ips for the scheme).

With REDIS_URL set every app server shares the counts; with the local-memory cache each
process counts alone. While Redis is unreachable logins fail closed (every login is refused for
a moment: guessing must not get unlimited tries), while registrations go on uncounted.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accounts.models import username_key
from config.cache import CacheUnavailable, strict

LOGIN_WINDOW = 15 * 60
REGISTRATION_WINDOW = 60 * 60
WARN_AFTER = 3


def client_address(request: HttpRequest | None) -> str:
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


def _key(kind: str, value: str) -> str:
    # Hashed: cache keys must be short and plain ASCII, and logins are neither.
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"throttle:{kind}:{digest}"


def _count(key: str) -> int:
    return cache.get(key, 0)


def _login_count(key: str) -> int:
    """The count, raising CacheUnavailable if it cannot be read: logins fail closed."""
    return strict().get(key, 0)


def _add_one(key: str, window: int) -> None:
    # The window's end is stored beside the count, to tell visitors how long to wait.
    cache.add(f"{key}:ends", time.time() + window, window)
    cache.add(key, 0, window)
    try:
        cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, window)
    except CacheUnavailable:  # lost: logins are refused until the counts can be read again
        pass


def _minutes_left(key: str) -> int:
    ends = cache.get(f"{key}:ends") or time.time()
    return max(1, math.ceil((ends - time.time()) / 60))


def _login_keys(login: str, address: str) -> list[tuple[str, int]]:
    """(cache key, limit) for the account, when a login was typed, and for the address."""
    keys = [(_key("login-address", address), settings.BOARD_LOGIN_FAILURES_PER_ADDRESS)]
    if login.strip():
        account = _key("login-account", username_key(login))
        keys.insert(0, (account, settings.BOARD_LOGIN_FAILURES_PER_ACCOUNT))
    return keys


def login_refusal(login: str, address: str) -> str | None:
    """Why no login for `login` from `address` is tried now, or None."""
    for key, limit in _login_keys(login, address):
        try:
            count = _login_count(key)
        except CacheUnavailable:
            return "Logging in is paused for a moment. Please try again in a minute."
        if count >= limit:
            return (
                "Too many failed logins for this account or from your address. "
                f"Try again in {_minutes_left(key)} minutes."
            )
    return None


def record_login_failure(login: str, address: str) -> str | None:
    """Counts a failed login; returns a warning once the limit is near (or reached)."""
    tries_left = None
    for key, limit in _login_keys(login, address):
        _add_one(key, LOGIN_WINDOW)
        left = limit - _count(key)
        if _count(key) >= WARN_AFTER:
            tries_left = left if tries_left is None else min(tries_left, left)
    if tries_left is None:
        return None
    if tries_left <= 0:
        return login_refusal(login, address)
    return (
        "Too many failed logins for this account or from your address: "
        f"{tries_left} more and logging in pauses for {LOGIN_WINDOW // 60} minutes."
    )


def clear_login_failures(login: str) -> None:
    key = _key("login-account", username_key(login))
    cache.delete_many([key, f"{key}:ends"])


def registration_refusal(address: str) -> str | None:
    key = _key("registrations", address)
    if _count(key) >= settings.BOARD_REGISTRATIONS_PER_ADDRESS_PER_HOUR:
        return (
            f"Too many new accounts from your address. Try again in {_minutes_left(key)} minutes."
        )
    return None


def record_registration(address: str) -> None:
    _add_one(_key("registrations", address), REGISTRATION_WINDOW)
