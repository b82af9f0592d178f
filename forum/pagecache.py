"""Whole pages for visitors, served from the shared cache and never stale after a write.

Every cached page is stored with the board's *generation*: a random token in the cache that
every write replaces, through PageCacheMiddleware for every POST (and PUT, PATCH, DELETE) the
board answers, and through note_write() in the management commands that write. A page is
served only if it was stored under the current generation, so after a reply, an edit, a
moderation action or an admin change, the next visitor gets a freshly rendered page. The
generation is read before the page is rendered: a page rendered from data older than a write
is stored under the generation that write replaced, and is never served.

The same generation keeps data every reader shares (shared()), such as the index's forums.

Only visitors' pages are cached: a GET with no session or messages cookie and only known query
parameters, answered with a 200 that set no cookie and used no CSRF token. Members' pages
carry their own read marks, time zone and tools, so they are always rendered.

It is on only with a cache every app server shares (REDIS_URL): with per-process local memory
one worker would never hear of another's writes. Thread views still count on a cache hit.
What no request writes, such as the view counts flushed from the cache or a ban running out,
shows within BOARD_PAGE_CACHE_SECONDS.

What is stored here is computed from the primary database, never from a read replica that
might not have replayed the latest write yet (config/replicas.py).
"""

import hashlib
import secrets
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation

from config.replicas import from_primary

GENERATION_KEY = "pages:generation"
MISSING = object()  # what kept() gives for a key with nothing under the current generation
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def note_write() -> None:
    """Makes every cached page stale. Call it once the write has committed."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)


def current_generation(found: dict) -> str:
    """The generation from a get_many() that asked for it, started if the cache lost it."""
    generation = found.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, secrets.token_hex(8), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


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
    # The visitor's language (the board's, or the footer switch's cookie) picks the copy.
    address = f"{translation.get_language()} {request.scheme}://{request.get_host()}{request.get_full_path()}"
    return "pages:" + hashlib.blake2b(address.encode(), digest_size=16).hexdigest()


def is_storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def kept(key: str):
    """The current generation, and what `key` holds under it or MISSING. One round trip."""
    found = cache.get_many([GENERATION_KEY, key])
    generation = current_generation(found)
    stored = found.get(key)
    if stored is not None and stored[0] == generation:
        return generation, stored[1]
    return generation, MISSING


def keep(key: str, generation: str, value) -> None:
    """Stores `value` under `key` for as long as `generation` is current (and at most
    BOARD_PAGE_CACHE_SECONDS). Read it back with kept()."""
    cache.set(key, (generation, value), settings.BOARD_PAGE_CACHE_SECONDS)


def shared(name: str, compute):
    """What `compute()` returns, kept under the current generation while pages are cached:
    data every reader sees alike, such as the board index's forums, fresh after any write."""
    if not is_enabled():
        return compute()
    key = f"shared:{name}"
    generation, value = kept(key)
    if value is MISSING:
        # From the primary: a replica may not have replayed the write that set the generation.
        with from_primary():
            value = compute()
        keep(key, generation, value)
    return value


def forget_shared(name: str) -> None:
    """Drops one shared() value, for a change that is not a write every page must see."""
    cache.delete(f"shared:{name}")


def cached_for_visitors(params: tuple[str, ...] = ("page",), on_hit=None):
    """Serves the view's page to visitors from the cache (see the module's docstring).

    `params` are the query parameters the page reads; any other parameter means the page is
    rendered and not stored. `on_hit(request, **kwargs)` runs when the cache answers, for
    what the view counts (a thread's views).
    """

    def decorate(view):
        @wraps(view)
        def view_or_cached_page(request, *args, **kwargs):
            if not is_enabled() or not is_visitor_request(request, params):
                return view(request, *args, **kwargs)
            key = page_key(request)
            generation, page = kept(key)
            if page is not MISSING:
                if on_hit is not None:
                    on_hit(request, *args, **kwargs)
                content_type, content = page
                return HttpResponse(content, content_type=content_type)
            # Rendered from the primary, as shared() computes: stored under `generation`, the
            # page must hold every write made before it (config/replicas.py).
            with from_primary():
                response = view(request, *args, **kwargs)
            if is_storable(request, response):
                keep(key, generation, (response["Content-Type"], response.content))
            return response

        return view_or_cached_page

    return decorate


class PageCacheMiddleware:
    """Every request that may write makes the cached pages stale, once it has been answered
    (its transaction has committed by then), whatever its outcome."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            if request.method not in SAFE_METHODS and is_enabled():
                note_write()
