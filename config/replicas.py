"""Read replicas: which reads may go to a streaming replica, and which replica is fit to serve.

With DATABASE_REPLICA_URLS set, the replicas are extra entries of DATABASES ("replica1", ...)
and ReplicaRouter decides, query by query:

- Every write, and every read inside a transaction (actions lock rows first), goes to the
  primary ("default").
- A read goes to a replica only while a request marked it so: ReplicaMiddleware marks a GET or
  HEAD whose URL name is in BOARD_REPLICA_VIEWS (pages that may be slightly stale: the index,
  forums, threads, search, feeds, member lists, profiles). Everything else (the admin, forms,
  management commands, the task worker) reads from the primary.
- A member who wrote reads from the primary for BOARD_REPLICA_STICKY_SECONDS: every POST (PUT,
  PATCH, DELETE) the board answers sets a signed cookie saying when, so they see their own reply
  at once whatever the replicas' lag.
- What the page cache stores (whole visitors' pages, and the shared() data members' pages are
  built from) is computed from the primary (forum/pagecache.py wraps it in from_primary()). The
  cache keeps a page under the tokens of the scopes writes staled; a page rendered from a
  replica that has not replayed a write yet would be stored under the new token and served
  stale until the next write to its scopes. Rendering from the primary closes that gap with
  no clock, and costs the primary one render per page per write, since the cache serves every
  other visitor. The
  replicas take what the cache cannot serve: members' own renderings, search, feeds and lists.
- A replica is used only while it answers and its replay lag is at most
  BOARD_REPLICA_MAX_LAG_SECONDS, checked with one small query at most every
  BOARD_REPLICA_CHECK_SECONDS per process. A replica that fails in the middle of a page is
  marked down and the page is rendered again from the primary, so a dead replica never shows
  as an error.
"""

import contextvars
import logging
import random
import threading
import time
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
STICKY_COOKIE = "board_wrote"
STICKY_SALT = "config.replicas.sticky"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Tables whose rows must never be read stale: sessions (a logout everywhere), login throttles,
# the task queue, two-factor devices. Their reads go to the primary whatever the request.
PRIMARY_ONLY_APPS = {"sessions", "django_tasks_db", "otp_totp", "otp_static", "django_otp"}
PRIMARY_ONLY_MODELS = {"accounts.throttlecount", "accounts.membersession"}

# A replica's lag in seconds: 0 while it has replayed everything it received (an idle primary
# sends nothing, so the last replay time alone would look like lag), and 0 for a server that
# is not in recovery (the test suite's mirror of the primary).
LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
    END
"""

# "replica" while the current request may read from a replica; the alias it chose once chosen.
_reads: contextvars.ContextVar[str] = contextvars.ContextVar("board_reads", default=PRIMARY)


def replica_aliases() -> list[str]:
    return list(settings.BOARD_REPLICA_ALIASES)


class ReplicaHealth:
    """Per process: each replica's last verdict (fit or not) and when it was reached."""

    def __init__(self):
        self.lock = threading.Lock()
        self.verdicts: dict[str, tuple[float, bool]] = {}

    def is_fit(self, alias: str) -> bool:
        now = time.monotonic()
        checked = self.verdicts.get(alias)
        if checked is not None and now - checked[0] < settings.BOARD_REPLICA_CHECK_SECONDS:
            return checked[1]
        fit = self.check(alias)
        with self.lock:
            self.verdicts[alias] = (time.monotonic(), fit)
        return fit

    def check(self, alias: str) -> bool:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute(LAG_SQL)
                lag = float(cursor.fetchone()[0])
        except DatabaseError as error:
            self.mark_down(alias, error)
            return False
        if lag > settings.BOARD_REPLICA_MAX_LAG_SECONDS:
            logger.warning("Replica %s lags %.1f s: reading from the primary.", alias, lag)
            return False
        return True

    def mark_down(self, alias: str, error: Exception) -> None:
        logger.warning("Replica %s is unreachable (%s): reading from the primary.", alias, error)
        with self.lock:
            self.verdicts[alias] = (time.monotonic(), False)
        with suppress(DatabaseError):
            connections[alias].close()

    def forget(self) -> None:
        with self.lock:
            self.verdicts.clear()


health = ReplicaHealth()


def choose_replica() -> str:
    """A fit replica for this request (the same one for all its reads), else the primary."""
    chosen = _reads.get()
    if chosen != "replica":
        return chosen
    aliases = replica_aliases()
    random.shuffle(aliases)
    alias = next((a for a in aliases if health.is_fit(a)), PRIMARY)
    _reads.set(alias)
    return alias


@contextmanager
def from_primary():
    """Every read inside reads from the primary (what the page cache stores)."""
    token = _reads.set(PRIMARY)
    try:
        yield
    finally:
        _reads.reset(token)


@contextmanager
def from_replica():
    """Reads inside may go to a fit replica (what ReplicaMiddleware marks a request with)."""
    token = _reads.set("replica" if replica_aliases() else PRIMARY)
    try:
        yield
    finally:
        _reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reads.get() == PRIMARY or is_primary_only(model):
            return PRIMARY
        # Inside a transaction on the primary (an action locking rows) reads stay with it.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return choose_replica()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def is_primary_only(model) -> bool:
    meta = model._meta
    return meta.app_label in PRIMARY_ONLY_APPS or meta.label_lower in PRIMARY_ONLY_MODELS


def wrote_recently(request) -> bool:
    try:
        request.get_signed_cookie(
            STICKY_COOKIE, salt=STICKY_SALT, max_age=settings.BOARD_REPLICA_STICKY_SECONDS
        )
    except (KeyError, signing.BadSignature):
        return False
    return True


def may_read_stale(request, view_name: str) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and view_name in settings.BOARD_REPLICA_VIEWS
        and not wrote_recently(request)
    )


class ReplicaMiddleware:
    """Marks the requests that may read from a replica, renders a page again from the primary
    when its replica failed mid-page, and notes a member's writes in the sticky cookie.

    Last in MIDDLEWARE: the session and the member are loaded before it, from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        token = _reads.set(PRIMARY)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if request.method in UNSAFE_METHODS:
            response.set_signed_cookie(
                STICKY_COOKIE,
                "1",
                salt=STICKY_SALT,
                max_age=settings.BOARD_REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if replica_aliases() and may_read_stale(request, request.resolver_match.view_name):
            _reads.set("replica")
            request.replica_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request, exception):
        alias = _reads.get()
        if not isinstance(exception, DatabaseError) or alias in (PRIMARY, "replica"):
            return None
        health.mark_down(alias, exception)
        view_func, args, kwargs = request.replica_view
        with from_primary():
            return view_func(request, *args, **kwargs)
