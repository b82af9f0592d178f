"""Every markup transformation takes time linear in its input, whatever a member types.

Each hostile input is grown 8x and the CPU time must grow about 8x (at most 12x), not the 64x
of a quadratic regex. Times are the best of several runs of process CPU time, on inputs big
enough to take milliseconds, and a ratio over the limit is measured once more before it fails:
the machine may be busy, but a super-linear path is slow every time.
"""

import gc
import time
from datetime import datetime

import pytest

from accounts.models import User
from forum.archive import ArchivedPost, format_archive, parse_archive
from forum.markup import render_bbcode, render_plain_snippet
from forum.models import Post
from forum.search import plain

# About 16 s of CPU: in the full suite, out of the quick loop.
pytestmark = pytest.mark.slow

GROWTH = 8
# Linear work grows 8x; the old quadratic quote stripping grew 64x. 20x leaves room for a busy
# machine's caches (13.2x was seen once under two parallel test workers) and still fails any
# quadratic slope by a factor of three.
MAX_RATIO = 20
BASE_SECONDS = 0.003  # the 1x input is grown until it takes at least this long
REPEATS = 3
BASE_MAX_LENGTH = 50_000

# name -> a function of n giving a hostile source about n units long. Each aims at a regex or
# loop in forum/markup.py (and the quote stripping in forum/models.py) that could backtrack
# or rescan: nesting, openers never closed, arguments never ended, long runs of one character.
HOSTILE = {
    "nested quotes": lambda n: "[quote]" * n + "x" + "[/quote]" * n,
    "nested named quotes": lambda n: "[quote=Ann;1]" * n + "x" + "[/QUOTE]" * n,
    "unclosed quotes": lambda n: "[quote]a" * n,
    "quote openers never ended": lambda n: "[quote=" * n + "]",
    "quote arguments of 499 characters": lambda n: ("[quote=" + "a;" * 249 + "]") * (n // 100 + 1),
    "quote closers with no opener": lambda n: "[/quote]" * n,
    "quotes closed out of order": lambda n: "[quote][b]" * n + "[/quote]" * n,
    "opening brackets": lambda n: "[" * (8 * n),
    "tag names never ended": lambda n: "[colo" * n,
    "arguments never ended": lambda n: ("[color=" + "a" * 450) * (n // 60 + 1),
    "mixed tags": lambda n: "[b][i][url=http://a.org/][quote=a;1][list][*]x[code][img]" * (n // 8),
    "unclosed raw tags": lambda n: "[code][img][url]x" * n,
    "links inside links": lambda n: "[url=http://a.org/]" + "[url]x[quote]" * n,
    "list items in inline tags": lambda n: "[list]" + "[*][b]" * n,
    "closers crossing blocks": lambda n: "[b]" * 20 + "[quote]" + "[/b]x" * n,
    "bare link prefixes": lambda n: "http://" * n + "www." * n,
    "one long link": lambda n: "http://a.org/" + "a." * (4 * n),
    "smilie look-alikes": lambda n: ";)&quot;:):D" * n,
    "line breaks next to blocks": lambda n: "[quote]\n[list]\n[*]\n[/list]\n[/quote]\n" * n,
    "mail links never ended": lambda n: ("[url=mailto:" + "a@" * 200 + "]") * (n // 50 + 1),
}


def quote_source(source: str) -> str:
    post = Post(pk=1, body=source)
    post.author = User(username="Ann")
    return post.quote_source()


def archive_round_trip(source: str) -> str:
    """Export then import: the body goes through format_archive and parse_archive."""
    post = ArchivedPost("Ann", datetime(2007, 12, 11, 22, 23), source)
    return parse_archive(format_archive("A title", [post])).posts[0].body


TRANSFORMATIONS = {
    "render": render_bbcode,
    "quote source": quote_source,
    "snippet": render_plain_snippet,
    "search text": plain,
    "archive": archive_round_trip,
}


def cpu_seconds(transform, source: str, calls: int, repeats: int = REPEATS) -> float:
    """The best of REPEATS runs of `calls` calls, in process CPU time, without the garbage
    collector (as timeit does): other processes' load and a collection would only add noise."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.process_time()
            for _ in range(calls):
                transform(source)
            best = min(best, time.process_time() - start)
    finally:
        gc.enable()
    return best


def growth_ratio(transform, make) -> tuple[float, int]:
    """t(GROWTH x input) / t(input), the input grown (up to BASE_MAX_LENGTH, past which memory
    rather than the algorithm sets the pace) and then repeated until it takes BASE_SECONDS."""
    n, calls = 100, 1
    while (
        len(make(2 * n)) <= BASE_MAX_LENGTH and cpu_seconds(transform, make(n), 1, 1) < BASE_SECONDS
    ):
        n *= 2
    while cpu_seconds(transform, make(n), calls, 1) < BASE_SECONDS:
        calls *= 2
    base = cpu_seconds(transform, make(n), calls)
    return cpu_seconds(transform, make(GROWTH * n), calls) / base, n


@pytest.mark.parametrize("transform_name", list(TRANSFORMATIONS))
@pytest.mark.parametrize("input_name", list(HOSTILE))
def test_markup_time_grows_linearly_with_hostile_input(input_name, transform_name):
    transform, make = TRANSFORMATIONS[transform_name], HOSTILE[input_name]
    ratio, n = growth_ratio(transform, make)
    if ratio >= MAX_RATIO:  # a busy machine, or a real slope: measure once more
        ratio, n = growth_ratio(transform, make)
    assert ratio < MAX_RATIO, f"{GROWTH}x the input took {ratio:.1f}x the time (n={n})"
