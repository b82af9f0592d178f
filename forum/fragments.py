"""Parts of a page that many readers see alike, rendered once and kept in the cache.

A postbit (a post's header, author box, message and signature) or a thread's row in a forum
list looks the same to every reader in the same time zone. Each is kept under a hash of
everything it can show: every loaded field of the objects it is rendered from, what else the
caller says it depends on, the reader's time zone and language, and the text of the board's
templates, template tags and translations (a fragment may include other templates). Any change
to any of them makes a new key, so a kept fragment is never stale, on any cache, shared or per
process; old ones expire. What differs from reader to reader (the tools under a post) stays
in the page's template and is rendered each time.
"""

import hashlib
from functools import cache as once

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

FRAGMENT_SECONDS = 24 * 3600  # rendering one again costs a fraction of a millisecond


RENDERING_SOURCES = [
    (settings.FILES_DIR / "templates", "*.html"),
    (settings.BASE_DIR / "forum" / "templatetags", "*.py"),
    (settings.BASE_DIR / "community" / "templatetags", "*.py"),
    (settings.BASE_DIR / "pictures" / "templatetags", "*.py"),
    # in_reader_language(), which puts a post's quote headers in the reader's language.
    (settings.BASE_DIR / "forum", "markup.py"),
    # The translations the fragments are rendered with (keys also hold the reader's language).
    (settings.FILES_DIR / "locale", "*.mo"),
]


@once
def rendering_version() -> str:
    """A digest of the board's templates and template tags, read once per process: a
    deployment that changes any of them changes every key."""
    digest = hashlib.blake2b(digest_size=16)
    for folder, pattern in RENDERING_SOURCES:
        for path in sorted(folder.rglob(pattern)):
            digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def field_values(obj) -> tuple:
    """The values of a model instance's loaded fields (none for None), for a key."""
    if obj is None:
        return ()
    loaded = obj.__dict__
    return tuple(loaded[f.attname] for f in obj._meta.concrete_fields if f.attname in loaded)


def render_fragments(items, template_name: str, *, context, shown) -> list:
    """The template rendered for each item, from the cache (one round trip) or rendered and
    kept. `context(item)` is the template's context; `shown(item)` the model instances and
    values the result depends on, beyond the reader's zone and the template."""
    zone = timezone.get_current_timezone_name()
    language = get_language()  # the fragment's words follow it
    version = rendering_version()
    keys = []
    for item in items:
        depends_on = tuple(
            field_values(part) if hasattr(part, "_meta") else part for part in shown(item)
        )
        wanted = repr((template_name, depends_on, zone, language, version))
        digest = hashlib.blake2b(wanted.encode(), digest_size=20)
        keys.append(f"fragment:{digest.hexdigest()}")
    found = cache.get_many(keys)
    rendered = {}
    fragments = []
    for key, item in zip(keys, items, strict=True):
        html = found.get(key)
        if html is None:
            html = rendered[key] = render_to_string(template_name, context(item))
        fragments.append(mark_safe(html))  # noqa: S308 - the templates escape what members wrote
    if rendered:
        cache.set_many(rendered, FRAGMENT_SECONDS)
    return fragments


def render_postbits(posts, *, moderates: bool) -> None:
    """Sets `postbit_html` on each post. Moderators see removed posts' text and reason.

    The posts come with their author and editor loaded (PostQuerySet.page_of)."""
    fragments = render_fragments(
        posts,
        "forum/thread_detail.html#postbit",
        context=lambda post: {
            "post": post,
            "moderates": moderates,
            "shows_reputation": settings.BOARD_REPUTATION,
            "shows_thanks": settings.BOARD_THANKS,
        },
        # The author's row holds their reputation and the post's its thanks: a new bean or
        # thank makes a new key.
        shown=lambda post: (
            post,
            post.author,
            post.edited_by,
            moderates,
            settings.BOARD_REPUTATION,
            settings.BOARD_THANKS,
        ),
    )
    for post, html in zip(posts, fragments, strict=True):
        post.postbit_html = html


def with_row_digests(threads: list) -> list:
    """Notes on each thread of a forum list (`row_digest`) a digest of the loaded fields its
    row shows: the thread's, its starter's, its last post's and that post's author's. Done
    when the list is loaded, so that a list shared by every reader (pagecache.shared) is not
    read field by field again for each reader's keys (about 3 ms a page of 20 rows)."""
    for thread in threads:
        last_post = thread.last_post
        author = last_post.author if last_post else None
        shown = (thread, thread.starter, last_post, author)
        wanted = repr(tuple(field_values(part) for part in shown))
        thread.row_digest = hashlib.blake2b(wanted.encode(), digest_size=20).hexdigest()
    return threads


def render_thread_rows(threads) -> None:
    """Sets `row_html` on each thread of a forum list (with_row_digests), with its views and
    the reader's unread mark already set (Thread.pending_views, with_read_state): the only
    changes to a loaded thread that its row shows, besides those its digest holds."""
    fragments = render_fragments(
        threads,
        "forum/forum_detail.html#thread_row",
        context=lambda thread: {"thread": thread},
        shown=lambda thread: (
            thread.row_digest,
            thread.view_count,
            thread.first_unread_number is not None,  # the row shows only whether it is
        ),
    )
    for thread, html in zip(threads, fragments, strict=True):
        thread.row_html = html
