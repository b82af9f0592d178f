"""The board's WSGI app with the page cache's work counted, for bench/mixed_load.py --count.

Each worker adds to one Redis hash (COUNTS_KEY, under the cache's client, outside the board's
keys): per kind of request (GET or POST, and the page: index, forum, thread, reply, other),
requests and their milliseconds; per page-cache or shared() read, hits and misses by kind of
key; per build, whether it was stored, refused (a scope it read went stale while it was
built: the race guard) or not storable; and which kind of scope refused it. Nothing of this
is in the board: it patches forum.pagecache in the worker, as a profiler would.
"""

import os
import threading
import time
from contextvars import ContextVar

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

django_application = get_wsgi_application()  # sets Django up before the board's modules load

from django.core.cache import cache  # noqa: E402

from forum import pagecache  # noqa: E402

COUNTS_KEY = "bench-counts"
_request_kind: ContextVar[str] = ContextVar("bench_request_kind", default="-")
_pending: dict[str, float] = {}
_lock = threading.Lock()
_flushed = [time.monotonic()]


def add(name: str, amount: float = 1) -> None:
    with _lock:
        _pending[name] = _pending.get(name, 0) + amount


def flush() -> None:
    """Adds this worker's counts to the hash, at most five times a second."""
    if time.monotonic() - _flushed[0] < 0.2:
        return
    with _lock:
        _flushed[0] = time.monotonic()
        pending = dict(_pending)
        _pending.clear()
    if pending:
        client = cache._cache.get_client(None, write=True)
        pipe = client.pipeline(transaction=False)
        for name, amount in pending.items():
            pipe.hincrbyfloat(COUNTS_KEY, name, amount)
        pipe.execute()


def kind_of(environ) -> str:
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "")
    if path == "/":
        page = "index"
    elif path.startswith("/forums/"):
        page = "forum"
    elif path.startswith("/threads/") and path.endswith("/reply/"):
        page = "reply"
    elif path.startswith("/threads/"):
        page = "thread"
    else:
        page = "other"
    return f"{method} {page}"


def key_kind(key: str) -> str:
    if key.startswith("page:"):
        return "page"
    name = key.removeprefix("kept:")
    if name.startswith("thread:"):
        return "shared thread" + (" page" if ":page:" in name else "")
    return "shared " + name.split(":")[0].split("-")[0]


original_read = pagecache.read
original_built = pagecache.built
original_note = pagecache.Reading.note
_building: ContextVar[str] = ContextVar("bench_building", default="")


def counted_read(key, scopes):
    found, stored = original_read(key, scopes)
    kind = key_kind(key)
    add(f"{_request_kind.get()} | {kind} | {'hit' if stored is not None else 'miss'}")
    if stored is None:
        _building.set(kind)
    return found, stored


def counted_built(found, scopes, build, on_stored):
    kind = _building.get()
    stored = []

    def store(tokens, value):
        stored.append(1)
        return on_stored(tokens, value)

    started = time.perf_counter()
    value = original_built(found, scopes, build, store)
    elapsed = (time.perf_counter() - started) * 1000
    add(f"{_request_kind.get()} | {kind} | build ms", elapsed)
    add(f"{_request_kind.get()} | {kind} | {'stored' if stored else 'not stored'}")
    return value


def counted_note(self, tokens):
    was = self.fresh
    original_note(self, tokens)
    if was and not self.fresh:
        for scope, token in tokens.items():
            if token is None or token > self.clock:
                add(f"refused by | {scope.split(':')[0]}")
                break
        else:
            add("refused by | changed token")


pagecache.read = counted_read
pagecache.built = counted_built
pagecache.Reading.note = counted_note


def application(environ, start_response):
    kind = kind_of(environ)
    token = _request_kind.set(kind)
    started, cpu = time.perf_counter(), time.thread_time()
    try:
        return django_application(environ, start_response)
    finally:
        add(f"{kind} | requests")
        add(f"{kind} | ms", (time.perf_counter() - started) * 1000)
        add(f"{kind} | cpu ms", (time.thread_time() - cpu) * 1000)
        _request_kind.reset(token)
        flush()
