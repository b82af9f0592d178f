"""Each post's postbit (its header, author box, message and signature) rendered once and kept
in the cache, for every reader who sees it the same way.

The key is a hash of everything the postbit can show: every loaded field of the post, of its
author and of its editor, the reader's time zone, whether the reader moderates the forum
(moderators see removed posts), and the template's own text. Any change to any of them makes a
new key, so a cached postbit is never stale, on any cache, shared or per process; old ones
expire. What differs from reader to reader (the tools under a post) is rendered each time.
"""

import hashlib
from functools import cache as once

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

POSTBIT_TEMPLATE = "forum/thread_detail.html#postbit_content"
POSTBIT_SECONDS = 24 * 3600  # rendering one again costs about 0.3 ms


@once
def template_version() -> str:
    """A digest of the postbit template's text: a deployment that changes it changes every key."""
    source = get_template("forum/thread_detail.html").template.source
    return hashlib.blake2b(source.encode(), digest_size=16).hexdigest()


def field_values(obj) -> tuple:
    """The values of an instance's loaded fields, for a key."""
    if obj is None:
        return ()
    loaded = obj.__dict__
    return tuple(loaded[f.attname] for f in obj._meta.concrete_fields if f.attname in loaded)


def postbit_key(post, zone: str, moderates: bool) -> str:
    shown = (
        field_values(post),
        field_values(post.author),
        field_values(post.edited_by),
        zone,
        moderates,
        template_version(),
    )
    return "postbit:" + hashlib.blake2b(repr(shown).encode(), digest_size=20).hexdigest()


def render_postbits(posts, *, moderates: bool) -> None:
    """Sets `postbit_html` on each post, from the cache (one round trip) or rendered and kept.

    The posts come with their author and editor loaded (PostQuerySet.page_of).
    """
    zone = timezone.get_current_timezone_name()
    keys = [postbit_key(post, zone, moderates) for post in posts]
    found = cache.get_many(keys)
    rendered = {}
    for key, post in zip(keys, posts, strict=True):
        html = found.get(key)
        if html is None:
            html = rendered[key] = render_to_string(
                POSTBIT_TEMPLATE, {"post": post, "moderates": moderates}
            )
        post.postbit_html = mark_safe(html)  # noqa: S308 - the template escapes what members wrote
    if rendered:
        cache.set_many(rendered, POSTBIT_SECONDS)
