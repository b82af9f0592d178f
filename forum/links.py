"""Links to the board's pages, without walking the URL resolver for each one.

Django's reverse() matches the URL name against every pattern on each call, about 40 µs; a
forum page of 20 threads asks for some 90 links. Here each URL name is reversed once per
script prefix, with placeholder arguments, and later links fill the placeholders in. Only
integers and ASCII slugs are filled in this way, since they need no quoting; anything else
goes through reverse() as before.
"""

import re
from functools import cache

from django.urls import get_script_prefix, reverse

PLACEHOLDERS = ("8080808081", "8080808082", "8080808083")  # valid for int, slug and str
PLAIN = re.compile(r"[-a-zA-Z0-9_]+\Z")


@cache
def url_shape(prefix: str, name: str, arity: int) -> list[str]:
    """The reversed URL split around its placeholders: text, argument index, text, ..."""
    shape = re.split("(" + "|".join(PLACEHOLDERS) + ")", reverse(name, args=PLACEHOLDERS[:arity]))
    return [PLACEHOLDERS.index(part) if part in PLACEHOLDERS else part for part in shape]


def link(name: str, *args) -> str:
    """reverse(name, args=args), for the names and arguments the board's pages link to."""
    if len(args) > len(PLACEHOLDERS) or not all(
        type(arg) is int or (type(arg) is str and PLAIN.match(arg)) for arg in args
    ):
        return reverse(name, args=args)
    shape = url_shape(get_script_prefix(), name, len(args))
    return "".join(part if type(part) is str else str(args[part]) for part in shape)
