"""Reading and writing plain-text archives: the format, the header rule and malformed input."""

import re
from datetime import datetime

import pytest

from forum.archive import ArchiveError, format_archive, parse_archive, read_archive
from forum.management.commands.build_fixtures import SAMPLE_ARCHIVE

SAMPLE = SAMPLE_ARCHIVE.read_text(encoding="utf-8")


def archive(*blocks: str) -> str:
    return "\n\n".join(blocks) + "\n"


def test_the_sample_reads_as_ten_posts_under_its_title():
    thread = parse_archive(SAMPLE)
    assert thread.title == "Cardio = Back pain..."
    assert [post.username for post in thread.posts][:3] == ["iron_worker", "Ross86", "MONSTAFACE"]
    assert thread.posts[0].posted_at == datetime(2007, 12, 11, 22, 22)
    assert thread.posts[2].posted_at == datetime(2007, 12, 12, 4, 35)
    assert thread.posts[0].body.startswith("Well, I started my cutting cycle")
    assert [post.line for post in thread.posts][:3] == [1, 10, 14]


def test_blank_lines_between_posts_are_dropped_and_those_inside_a_body_kept():
    thread = parse_archive(SAMPLE)
    assert thread.posts[0].body.endswith(
        "input on this.\n\nI'd really like to keep using the treadmill as I have one available "
        "at my apartment so its handy for now."
    )
    assert thread.posts[6].body.endswith("get back at it tomorrow.")
    assert thread.posts[9].body.endswith("how old are the shoes that you're wearing?")


def test_the_archive_views_comma_after_the_date_is_read_too():
    thread = parse_archive(
        archive("Ross86 12-11-2007, 10:22 PM", "Title\nBody", "Eddie0206 12-12-2007, 9:05 am", "Hi")
    )
    assert [(p.username, p.posted_at) for p in thread.posts] == [
        ("Ross86", datetime(2007, 12, 11, 22, 22)),
        ("Eddie0206", datetime(2007, 12, 12, 9, 5)),
    ]


def test_twelve_am_is_just_after_midnight_and_twelve_pm_is_noon():
    thread = parse_archive(
        archive("Ross86 12-11-2007 12:05 AM", "Title\nBody", "Eddie0206 12-11-2007 12:30 PM", "Hi")
    )
    assert [post.posted_at.hour for post in thread.posts] == [0, 12]


def test_usernames_may_hold_spaces_digits_and_punctuation():
    thread = parse_archive(
        archive(
            "Big Dave 2.0 (mod) 12-11-2007 10:22 PM",
            "Title\nBody",
            "J.R. O'Neil-Smith 12-11-2007, 10:30 PM",
            "Reply",
        )
    )
    assert [post.username for post in thread.posts] == ["Big Dave 2.0 (mod)", "J.R. O'Neil-Smith"]


def test_a_quoted_header_with_an_earlier_time_stays_in_the_body():
    text = archive(
        "iron_worker 12-11-2007 10:22 PM",
        "Title\nFirst",
        "Ross86 12-12-2007 09:00 AM",
        "Quote:",
        "iron_worker 12-11-2007 10:22 PM",
        "First",
        "I agree.",
    )
    thread = parse_archive(text)
    assert len(thread.posts) == 2
    assert thread.posts[1].body == (
        "Quote:\n\niron_worker 12-11-2007 10:22 PM\n\nFirst\n\nI agree."
    )


def test_a_header_like_line_inside_a_paragraph_never_splits_a_post():
    text = archive(
        "iron_worker 12-11-2007 10:22 PM",
        "Title\nMeet me at\nthe gym 12-25-2007 10:00 AM\nsharp.",
        "Ross86 12-12-2007 09:00 AM\nno blank line after me, so I am text",
        "Ross86 12-12-2007 09:01 AM",
        "Reply",
    )
    thread = parse_archive(text)
    assert [post.username for post in thread.posts] == ["iron_worker", "Ross86"]
    assert "the gym 12-25-2007 10:00 AM" in thread.posts[0].body
    assert "no blank line after me" in thread.posts[0].body


def test_a_line_too_long_for_a_username_is_text():
    name = "x" * 51
    thread = parse_archive(
        archive("Ross86 12-11-2007 10:22 PM", "Title\nBody", f"{name} 12-12-2007 09:00 AM", "More")
    )
    assert len(thread.posts) == 1
    assert thread.posts[0].body.endswith(f"{name} 12-12-2007 09:00 AM\n\nMore")


def test_windows_line_endings_and_a_byte_order_mark_are_read():
    text = "\ufeff" + archive("Ross86 12-11-2007 10:22 PM", "Title\nBody\n\nMore").replace(
        "\n", "\r\n"
    )
    thread = read_archive(text.encode())
    assert thread.posts[0].username == "Ross86"
    assert thread.posts[0].body == "Body\n\nMore"


def test_format_gives_back_the_sample_with_runs_of_blank_lines_between_posts_as_one():
    thread = parse_archive(SAMPLE)
    written = format_archive(thread.title, thread.posts)
    assert written.split("\n") == re.sub(r"\n{3,}", "\n\n", SAMPLE).split("\n")
    again = parse_archive(written)
    assert again.title == thread.title
    assert [(p.username, p.posted_at, p.body) for p in again.posts] == [
        (p.username, p.posted_at, p.body) for p in thread.posts
    ]


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"", 1, "the file is empty"),
        (b"\n\nJust text\n\nRoss86 12-11-2007 10:22 PM\n\nT\nB\n", 3, "expected a post header"),
        (b"Ross86 12-11-2007 10:22 PM\nTitle right under\nBody\n", 1, "expected a post header"),
        (b"Ross86 13-45-2007 10:22 PM\n\nTitle\nBody\n", 1, "bad date or time: 13-45-2007"),
        (
            b"Ross86 12-11-2007 10:22 PM\n\nTitle\nBody\n\nEddie 12-11-2007 13:61 PM\n\nHi\n",
            6,
            "bad date or time",
        ),
        (
            b"Ross86 12-11-2007 10:22 PM\n\nTitle\nBody\n\nEddie 12-11-2007 10:30 PM\n\n\n",
            6,
            "the post by Eddie has an empty body",
        ),
        (
            b"Ross86 12-11-2007 10:22 PM\n\nEddie 12-11-2007 10:30 PM\n\nHi\n",
            1,
            "the post by Ross86 has an empty body",
        ),
        (b"Ross86 12-11-2007 10:22 PM\n\nOnly a title\n", 1, "a title but an empty body"),
        (b"Ross86 12-11-2007 10:22 PM\n\n" + b"T" * 101 + b"\nBody\n", 3, "title is over 100"),
        (b"Ross86 12-11-2007 10:22 PM\n\nTitle\nBo\x00dy\n", 4, "a NUL byte"),
        (b"Ross86 12-11-2007 10:22 PM\n\nTitle\n\xff\xfe\n", 4, "not UTF-8 text (byte 0xff)"),
        ("Ross86 12-11-2007 10:22 PM\n\nT\u2028itle\nB\n".encode(), 3, "title holds a line break"),
        (b"Ross86 12-11-2007 10:22 PM\n\nT\x0bitle\nB\n", 3, "title holds a line break"),
        (b"Ross86 12-31-9999 11:59 PM\n\nT\nB\n", 1, "date out of range: 12-31-9999"),
        (b"Ross86 01-01-0001 12:00 AM\n\nT\nB\n", 1, "date out of range: 01-01-0001"),
        (b"Ross86 12-31-1969 11:59 PM\n\nT\nB\n", 1, "(years 1970 to 2100)"),
        (b"Ross86 12-11-2007 10:22 PM\n\nT\nB\n\nEd 01-01-2101 10:22 PM\n\nC\n", 6, "2101"),
    ],
)
def test_malformed_archives_fail_with_the_line_and_the_reason(data, line, reason):
    with pytest.raises(ArchiveError) as caught:
        read_archive(data)
    assert caught.value.line == line
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"line {line}: ")
