"""Whole pages for visitors, and data every reader shares, kept in the shared cache and never
stale after a write.

Writes say what they made stale, once they have committed: stale(thread=..., forum=...,
member=..., lists=True), from the actions that wrote (forum/actions.py and the other apps'
actions). The management commands that write, and any admin POST that succeeded
(AdminWritesMiddleware: the admin is rare and may change anything), stale the whole board
(note_write()). Each *scope* (the board, a forum, a thread, a member, the board-wide lists,
any write at all) has a token in the cache: the value of a board-wide clock (a counter every
stale() increments) when it last went stale. A cached page or shared() value records the token
of every scope it was built from: those its view declares from its arguments
(cached_for_visitors(scopes=...)), those of the shared() values it used, and those it found
while rendering (depends_on(), e.g. the authors of a thread page's posts, whose post count,
title, avatar and signature show in every postbit). It is served only while each of those
tokens is unchanged, so a reply in thread T makes T's pages, its forum's list pages, the index,
search results, the member list and the author's profile and postbits stale, and leaves thread
U's pages (where the author does not post) cached. A reply to a thread already on page 1 of its
forum's default listing reorders that page only: it stales forum_top_scope, not forum_scope,
and the forum's other pages stay cached.

The clock is read before anything is rendered, and a page or value is stored only if every
token it records is no newer than that clock: a write that committed while the page rendered
(and may or may not be in it) bumped a scope past the clock, and the page is not kept. What
the clock orders is the cache's own counter, not the app servers' clocks.

Requests that write nothing a visitor sees (refused forms, logins, read marks, follows, private
messages) stale nothing. shared(name, compute) without scopes depends on "any write", as every
shared value did before scopes.

Only visitors' pages are cached: a GET with no session or messages cookie and only known query
parameters, answered with a 200 that set no cookie and used no CSRF token, under a key that
holds the address and the active language. Members' pages carry their own read marks, time
zone and tools, so they are always rendered (from shared() data).

It is on only with a cache every app server shares (REDIS_URL): with per-process local memory
one worker would never hear of another's writes. Thread views still count on a cache hit.
What no request writes, such as the view counts flushed from the cache, who is online or a ban
running out, shows within BOARD_PAGE_CACHE_SECONDS.

What is stored here is computed from the primary database, never from a read replica that
might not have replayed the latest write yet (config/replicas.py).
"""

import hashlib
import time
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

from config.cache import CacheUnavailable
from config.replicas import from_primary

CLOCK_KEY = "stale:clock"
BOARD = "board"  # every page and value depends on it: the admin and the commands stale it
ANY = "any"  # stale after any write: what shared() without scopes depends on
LISTS = "lists"  # what any post changes board-wide: index, search, member list, subforums


def scope_key(scope: str) -> str:
    return f"stale:{scope}"


def forum_scope(forum_id) -> str:
    return f"forum:{forum_id}"


def forum_top_scope(forum_id) -> str:
    """Page 1 of the forum's threads in the default order (last post first): what a reply to a
    thread already on that page changes in the forum's listing (forum_scope is the rest)."""
    return f"forum-top:{forum_id}"


def thread_scope(thread_id) -> str:
    return f"thread:{thread_id}"


def member_scope(member_id) -> str:
    return f"member:{member_id}"


def ids(one, many) -> list:
    """The primary keys of `one` and `many` (model instances or ids; None left out)."""
    found = [] if one is None else [one]
    return [getattr(item, "pk", item) for item in [*found, *many] if item is not None]


def stale(
    *,
    board: bool = False,
    lists: bool = False,
    thread=None,
    forum=None,
    forum_top=None,
    member=None,
    threads=(),
    forums=(),
    members=(),
) -> None:
    """Makes stale every cached page and shared value built from these scopes. Call it once
    the write has committed: transaction.on_commit(lambda: pagecache.stale(...))."""
    if not is_enabled():
        return
    scopes = [ANY]
    scopes += [BOARD] if board else []
    scopes += [LISTS] if lists else []
    scopes += [thread_scope(pk) for pk in ids(thread, threads)]
    scopes += [forum_scope(pk) for pk in ids(forum, forums)]
    scopes += [forum_top_scope(pk) for pk in ids(forum_top, ())]
    scopes += [member_scope(pk) for pk in ids(member, members)]
    try:
        try:
            now = cache.incr(CLOCK_KEY)
        except ValueError:  # never started, or lost: restart above any value it may have had
            cache.add(CLOCK_KEY, time.time_ns() // 1000, timeout=None)
            now = cache.incr(CLOCK_KEY)
    except CacheUnavailable:
        return  # the lost write makes the first process back drop every key (config/cache.py)
    cache.set_many({scope_key(scope): now for scope in scopes}, timeout=None)


def on_commit_stale(**scopes) -> None:
    """stale(**scopes) once the current transaction commits (at once outside one)."""
    from django.db import transaction

    transaction.on_commit(lambda: stale(**scopes))


def note_write() -> None:
    """Makes every cached page and shared value stale (the management commands that write)."""
    stale(board=True, lists=True)


class Reading:
    """What a page or a shared value being built depends on: the clock when it started, and
    the token of each scope it read. `fresh` is False once a scope went stale after the start."""

    def __init__(self, clock: int):
        self.clock = clock
        self.tokens: dict[str, int] = {}
        self.fresh = True

    def note(self, tokens: dict[str, int | None]) -> None:
        for scope, token in tokens.items():
            if token is None or token > self.clock or self.tokens.get(scope, token) != token:
                self.fresh = False
            self.tokens[scope] = token


_reading: ContextVar[Reading | None] = ContextVar("pagecache_reading", default=None)


def clock_of(found: dict) -> int | None:
    """The clock from a get_many() that asked for it, started if the cache lost it (None
    while Redis is unreachable)."""
    clock = found.get(CLOCK_KEY)
    if clock is None:
        cache.add(CLOCK_KEY, time.time_ns() // 1000, timeout=None)
        clock = cache.get(CLOCK_KEY)
    return clock


def tokens_of(scopes, found: dict, clock: int) -> dict[str, int]:
    """Each scope's token from `found`; a scope never staled (or lost) starts at `clock`,
    which no page stored before it can have recorded (their clocks were lower)."""
    tokens = {}
    for scope in scopes:
        token = found.get(scope_key(scope))
        if token is None:
            cache.add(scope_key(scope), clock, timeout=None)
            token = cache.get(scope_key(scope))
        tokens[scope] = token
    return tokens


def is_current(recorded: dict[str, int], found: dict) -> bool:
    """Whether every token `recorded` is still the scope's token; reads those `found` lacks
    (one more round trip)."""
    if not isinstance(recorded, dict):
        return False  # stored in another form (an older deployment's)
    missing = [scope_key(scope) for scope in recorded if scope_key(scope) not in found]
    if missing:
        found = {**found, **cache.get_many(missing)}
    return all(found.get(scope_key(scope)) == token for scope, token in recorded.items())


def depends_on(*scopes: str) -> None:
    """Adds scopes the page or shared value being built turned out to read (one round trip,
    only while one is being built for the cache)."""
    reading = _reading.get()
    if reading is None or not reading.fresh or not scopes:
        return  # nothing is being built for the cache, or it will not be kept
    wanted = [scope for scope in dict.fromkeys(scopes) if scope not in reading.tokens]
    if wanted:
        found = cache.get_many([scope_key(scope) for scope in wanted])
        reading.note(tokens_of(wanted, found, reading.clock))


def built(found: dict, scopes, build, on_stored):
    """Builds a value with build() under a new Reading of `scopes`, passes what it depends on
    to the enclosing one, and stores it with on_stored(tokens, value) if nothing it read went
    stale while it was built."""
    clock = clock_of(found)
    reading = Reading(-1 if clock is None else clock)
    if clock is None:
        reading.fresh = False  # Redis is unreachable: build it, keep nothing
    else:
        reading.note(tokens_of(scopes, found, clock))
    outer = _reading.get()
    token = _reading.set(reading)
    try:
        with from_primary():  # a replica may not have replayed the write that bumped a token
            value = build()
    finally:
        _reading.reset(token)
    if outer is not None:
        outer.note(reading.tokens)
        outer.fresh = outer.fresh and reading.fresh  # what it did not read, the outer missed
    if reading.fresh:
        on_stored(reading.tokens, value)
    return value


def is_enabled() -> bool:
    return settings.BOARD_PAGE_CACHE_SECONDS > 0


def is_visitor_request(request, params: tuple[str, ...]) -> bool:
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and set(request.GET) <= set(params)
    )


def page_key(request) -> str:
    """The page's key: its address and the active language (a page's words follow it)."""
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    wanted = f"{get_language()} {address}"
    return "page:" + hashlib.blake2b(wanted.encode(), digest_size=16).hexdigest()


def is_storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


# The scopes each page or value recorded, as this process last read or stored it: asked for in
# the same round trip as the page, so that a hit on a thread page (whose posters' scopes its
# view cannot name in advance) costs one round trip, not two. A guess only: is_current() still
# checks every recorded token and reads any the guess missed.
recorded_scopes: dict[str, tuple[str, ...]] = {}
RECORDED_SCOPES_KEPT = 20_000  # a few MB at most; emptied whole when full


def fetch(wanted: dict[str, list]) -> dict:
    """One round trip: the clock, what each key of `wanted` holds, and the tokens of its scopes
    (and the board's, and those the key recorded when this process last read it)."""
    scopes = [BOARD]
    for key, declared in wanted.items():
        scopes += [*declared, *recorded_scopes.get(key, ())]
    scope_keys = (scope_key(scope) for scope in dict.fromkeys(scopes))
    return cache.get_many([*wanted, CLOCK_KEY, *scope_keys])


def current(key: str, found: dict) -> object | None:
    """What `found` holds under `key` if every token it recorded is current (else None)."""
    stored = found.get(key)
    if stored is None or not isinstance(stored[0], dict):
        return None
    remember_scopes(key, stored[0])
    return stored if is_current(stored[0], found) else None


def remember_scopes(key: str, tokens: dict) -> None:
    if len(recorded_scopes) >= RECORDED_SCOPES_KEPT:
        recorded_scopes.clear()
    recorded_scopes[key] = tuple(tokens)


def read(key: str, scopes) -> tuple[dict, object | None]:
    """One round trip: fetch() for `key`, and what it holds if current (else None)."""
    found = fetch({key: scopes})
    return found, current(key, found)


class ReadAhead:
    """Several shared() values asked for in one round trip (read_ahead())."""

    def __init__(self, found: dict, keys):
        self.found, self.keys = found, frozenset(keys)


def read_ahead(wanted: dict[str, list | None]) -> ReadAhead | None:
    """Asks for the shared() values named in `wanted` (name: scopes, as shared() takes them)
    in one round trip; pass what it returns to shared(..., ahead=) for each. A page that needs
    several values, one of them under a name it can only guess before reading another (the
    thread and its page of posts), asks for all at once; a name it did not guess is read
    when shared() asks for it."""
    if not is_enabled():
        return None
    keys = {
        shared_key(name): [ANY] if scopes is None else list(scopes)
        for name, scopes in wanted.items()
    }
    return ReadAhead(fetch(keys), keys)


def shared(name: str, compute, scopes=None, *, depends=None, ahead: ReadAhead | None = None):
    """What `compute()` returns, kept while pages are cached until one of `scopes` goes stale
    (without scopes: until any write): data every reader sees alike, such as the board
    index's forums. `depends(value)` names the scopes found in the value (the members whose
    postbits a page of posts shows). Pages built from it depend on its scopes too. `ahead`:
    what read_ahead() fetched, used if it asked for this name (no round trip of its own)."""
    if not is_enabled():
        return compute()
    scopes = [ANY] if scopes is None else list(scopes)
    key = shared_key(name)
    if ahead is not None and key in ahead.keys:
        found = ahead.found
        stored = current(key, found)
    else:
        found, stored = read(key, scopes)
    if stored is not None:
        outer = _reading.get()
        if outer is not None:
            outer.note(stored[0])
        return stored[1]

    def build():
        value = compute()
        if depends is not None:
            depends_on(*depends(value))
        return value

    def store(tokens, value):
        cache.set(key, (tokens, value), settings.BOARD_PAGE_CACHE_SECONDS)
        remember_scopes(key, tokens)

    return built(found, [BOARD, *scopes], build, store)


def shared_key(name: str) -> str:
    # Not "shared:", under which the board kept (generation, value) pairs before scopes: a
    # deployment finds none of those in its way.
    return f"kept:{name}"


def forget_shared(name: str) -> None:
    """Drops one shared() value, for a change that is not a write every page must see."""
    cache.delete(shared_key(name))


def cached_for_visitors(params: tuple[str, ...] = ("page",), on_hit=None, scopes=None):
    """Serves the view's page to visitors from the cache (see the module's docstring).

    `params` are the query parameters the page reads; any other parameter means the page is
    rendered and not stored. `on_hit(request, **kwargs)` runs when the cache answers, for
    what the view counts (a thread's views). `scopes(**kwargs)` names the scopes the page
    depends on from the view's arguments (read in the same round trip as the page); the
    view adds others with depends_on() and through the shared() values it uses. Without it
    the page depends on any write.
    """

    def decorate(view):
        @wraps(view)
        def view_or_cached_page(request, *args, **kwargs):
            if not is_enabled() or not is_visitor_request(request, params):
                return view(request, *args, **kwargs)
            key = page_key(request)
            declared = [ANY] if scopes is None else list(scopes(**kwargs))
            found, stored = read(key, declared)
            if stored is not None:
                if on_hit is not None:
                    on_hit(request, *args, **kwargs)
                content_type, content = stored[1]
                return HttpResponse(content, content_type=content_type)

            def render():
                return view(request, *args, **kwargs)

            def store(tokens, response):
                if is_storable(request, response):
                    page = (response["Content-Type"], response.content)
                    cache.set(key, (tokens, page), settings.BOARD_PAGE_CACHE_SECONDS)
                    remember_scopes(key, tokens)

            return built(found, [BOARD, *declared], render, store)

        return view_or_cached_page

    return decorate


class AdminWritesMiddleware:
    """The admin changes anything (forums, members, posts, settings rows) and is rare: a POST
    to it that succeeded (a save, deletion or action redirects; a refused form or login
    answers 200) makes the whole board stale once answered (its transaction has committed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        if (
            request.method == "POST"
            and match is not None
            and "admin" in match.namespaces
            and 300 <= response.status_code < 400
        ):
            note_write()
        return response
