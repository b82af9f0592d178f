"""Who's online, without a database write per request.

Each process notes who it served in memory (OnlineMiddleware) and writes what it noted at most
once per BOARD_ONLINE_FLUSH_SECONDS, in one upsert of Presence rows, then moves the most-ever
record. The index reads the recent rows in one query (kept with the shared data while pages are
cached, forgotten at each flush) and adds what this process noted since its last flush.
"""

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, Subquery
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import OnlineRecord, Presence
from forum.pagecache import LISTS, forget_shared, shared

SHARED_NAME = "whos-online"
SKIPPED_PREFIXES = ("/static/", "/admin/", "/metrics", "/healthz", "/readyz", "/favicon")


@dataclass
class Seen:
    member_id: int | None
    username: str
    seen_at: datetime
    path: str
    thread_pk: int | None


_noted: dict[str, Seen] = {}
_lock = threading.Lock()
_last_flush = time.monotonic()


def visitor_key(request) -> str:
    if request.user.is_authenticated:
        return f"m:{request.user.pk}"
    address = request.META.get("REMOTE_ADDR", "")
    agent = request.META.get("HTTP_USER_AGENT", "")[:200]
    return "g:" + hashlib.blake2b(f"{address}|{agent}".encode(), digest_size=16).hexdigest()


def note(request) -> None:
    """Remembers, in this process, that the request's visitor is here now."""
    match = request.resolver_match
    thread_pk = None
    if match is not None and match.view_name == "forum:thread_detail":
        thread_pk = match.kwargs.get("pk")
    user = request.user
    seen = Seen(
        member_id=user.pk if user.is_authenticated else None,
        username=user.username if user.is_authenticated else "",
        seen_at=timezone.now(),
        path=request.path[:200],
        thread_pk=thread_pk,
    )
    with _lock:
        _noted[visitor_key(request)] = seen


def forget_noted() -> None:
    """Drops what this process noted and has not written (for tests)."""
    with _lock:
        _noted.clear()


def forget_member(member_id: int) -> None:
    """Drops what this process noted of a member (erased: their old name must not show), and
    the shared summary that may still hold them."""
    with _lock:
        _noted.pop(f"m:{member_id}", None)
    forget_shared(SHARED_NAME)


def flush() -> int:
    """Writes what this process noted (one upsert), drops day-old rows, moves the record and
    forgets the shared summary; returns how many were written."""
    global _last_flush
    with _lock:
        noted = dict(_noted)
        _noted.clear()
        _last_flush = time.monotonic()
    if not noted:
        return 0
    Presence.objects.bulk_create(
        [
            Presence(
                key=key,
                member_id=seen.member_id,
                seen_at=seen.seen_at,
                path=seen.path,
                thread_pk=seen.thread_pk,
            )
            for key, seen in noted.items()
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["member", "seen_at", "path", "thread_pk"],
    )
    now = timezone.now()
    Presence.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    online = recent().count()
    moved = OnlineRecord.objects.filter(count__lt=online).update(count=online, at=now)
    if not moved and not OnlineRecord.objects.exists():
        OnlineRecord.objects.create(count=online, at=now)
    forget_shared(SHARED_NAME)
    return len(noted)


def recent():
    since = timezone.now() - timedelta(minutes=settings.BOARD_ONLINE_MINUTES)
    return Presence.objects.filter(seen_at__gte=since)


def recent_shown():
    """The recent visitors the board names: guests, and members whose account is open (a
    closed or erased account is no longer anyone's to show)."""
    return recent().filter(Q(member__isnull=True) | Q(member__is_active=True))


def stored_summary() -> dict:
    """One query: the recent rows with their members' names, each carrying the record."""
    record = OnlineRecord.objects.order_by("pk")
    rows = list(
        recent_shown()
        .annotate(
            record_count=Subquery(record.values("count")[:1]),
            record_at=Subquery(record.values("at")[:1]),
        )
        .values("key", "member_id", "member__username", "record_count", "record_at")
    )
    return {
        "visitors": {row["key"]: (row["member_id"], row["member__username"]) for row in rows},
        "record": (rows[0]["record_count"], rows[0]["record_at"]) if rows else (None, None),
    }


def summary(*, ahead=None) -> dict:
    """Currently Active Users, as the index shows them: members (sorted by name), guests,
    and the most ever online. `ahead`: pagecache.read_ahead() that asked for SHARED_NAME."""
    stored = shared(SHARED_NAME, stored_summary, [LISTS], ahead=ahead)
    visitors = dict(stored["visitors"])
    with _lock:
        for key, seen in _noted.items():
            visitors[key] = (seen.member_id, seen.username)
    members = sorted(
        ((pk, name) for pk, name in visitors.values() if pk is not None),
        key=lambda item: item[1].casefold(),
    )
    record_count, record_at = stored["record"]
    total = len(visitors)
    if record_count is None or total > record_count:
        record_count, record_at = total, timezone.now()
    return {
        "total": total,
        "members": [{"pk": pk, "username": name} for pk, name in members],
        "guest_count": total - len(members),
        "record_count": record_count,
        "record_at": record_at,
    }


def whos_here() -> list[dict]:
    """Everyone seen lately, members by name then guests, with where they were: one query,
    plus what this process noted since its last flush."""
    rows = {
        row["key"]: row
        for row in recent_shown().values(
            "key", "member_id", "member__username", "path", "thread_pk"
        )
    }
    with _lock:
        for key, seen in _noted.items():
            rows[key] = {
                "key": key,
                "member_id": seen.member_id,
                "member__username": seen.username,
                "path": seen.path,
                "thread_pk": seen.thread_pk,
            }
    here = sorted(
        rows.values(),
        key=lambda row: (row["member_id"] is None, (row["member__username"] or "").casefold()),
    )
    for row in here:
        row["place"] = place(row["path"])
    return here


def place(path: str) -> str:
    """What a path shows, in words."""
    try:
        match = resolve(path)
    except Resolver404:
        return _("Somewhere on the board")
    words = {
        "forum:index": _("Viewing the forum index"),
        "forum:forum_detail": _("Viewing a forum"),
        "forum:search": _("Searching the forums"),
        "forum:thread_reply": _("Replying to a thread"),
        "forum:thread_create": _("Starting a thread"),
        "members:member_list": _("Viewing the member list"),
        "members:member_detail": _("Viewing a profile"),
        "community:whos_online": _("Viewing Who's Online"),
        "community:notice_list": _("Reading notifications"),
    }
    if match.view_name == "forum:thread_detail":
        return _("Viewing a thread")
    return words.get(match.view_name, _("Somewhere on the board"))


class OnlineMiddleware:
    """Notes every page a visitor opens in memory (before the view, so a page counts its own
    reader) and writes the notes when they are due, after the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        due = time.monotonic() - _last_flush >= settings.BOARD_ONLINE_FLUSH_SECONDS
        if due and getattr(request, "noted_online", False):
            flush()
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            settings.BOARD_WHOS_ONLINE
            and request.method == "GET"
            and not request.path.startswith(SKIPPED_PREFIXES)
        ):
            note(request)
            request.noted_online = True
