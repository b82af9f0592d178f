"""Plain-text thread archives, as vBulletin's printable and archive views left them.

A post starts at a header line: a username, a date MM-DD-YYYY and a time HH:MM AM/PM, with or
without a comma after the date (``Ross86 12-11-2007 10:23 PM``, ``Ross86 12-11-2007, 10:23 PM``).
The date and time are read from the end of the line, so usernames may hold spaces, digits and
punctuation. A blank line follows the header, then the body. The first post's first body line is
the thread's title. Blank lines around a body belong to no post; blank lines inside it are kept.

A line that merely looks like a header (a member quoting one) starts a post only when it can be
one, that is when all of these hold; otherwise it stays in the body it stands in:

1. it is the file's first non-blank line, or the line before it is blank;
2. the line after it is blank (or it is the last line);
3. its time is not earlier than the previous post's: the views printed posts oldest first, so an
   earlier stamp is a quote ("Originally Posted by Ross86 12-11-2007 10:23 PM");
4. the line is at most 100 characters long, its username at most 50 (a member's longest).

A line in a header's place (1 and 2) whose date or time does not exist, such as 13-45-2007, is an
error rather than text. Files are UTF-8 (a leading byte-order mark is ignored); NUL bytes mean
the file is not text.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from accounts.validators import EARLIEST_YEAR, LATEST_YEAR, LINE_BREAKS, fold_lines, is_sane_date

HEADER = re.compile(
    r"^(?P<username>\S.*?)\s+(?P<date>(?P<month>\d\d)-(?P<day>\d\d)-(?P<year>\d{4})),?\s+"
    r"(?P<time>(?P<hour>\d\d?):(?P<minute>\d\d)\s*(?P<half>[AaPp])[Mm])\s*$"
)
TIMESTAMP_FORMAT = "%m-%d-%Y %I:%M %p"
MAX_USERNAME_LENGTH = 50  # accounts.User.username
MAX_HEADER_LENGTH = 100
MAX_TITLE_LENGTH = 100  # forum.Thread.title
REMOVED_TEXT = "This post was removed by a moderator."


class ArchiveError(ValueError):
    """A problem in an archive, with the line it was found on (1-based)."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass
class ArchivedPost:
    username: str
    posted_at: datetime  # naive: wall-clock time in the archive's zone
    body: str
    line: int = 0  # where the header stands
    # "Last edited by X; date" on saved HTML pages (forum/archive_html.py); text has none.
    edited_by: str | None = None
    edited_at: datetime | None = None  # naive, like posted_at


@dataclass
class ArchivedThread:
    title: str
    posts: list[ArchivedPost] = field(default_factory=list)
    # The number of posts[0] in the thread: saved HTML pages may start past post #1.
    first_number: int = 1


def read_archive(data: bytes) -> ArchivedThread:
    """Decodes an archive file's bytes and parses them; raises ArchiveError if it is not text."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ArchiveError(line, f"not UTF-8 text (byte 0x{data[error.start]:02x})") from None
    return parse_archive(text)


def parse_archive(text: str) -> ArchivedThread:
    """Reads an archive into its title and posts; raises ArchiveError on malformed input."""
    nul = text.find("\x00")
    if nul >= 0:
        raise ArchiveError(text.count("\n", 0, nul) + 1, "a NUL byte: this is not a text file")
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((index for index, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise ArchiveError(1, "the file is empty")

    headers: list[tuple[int, str, datetime]] = []
    for index in range(start, len(lines)):
        if index > start and lines[index - 1].strip():
            continue
        if index + 1 < len(lines) and lines[index + 1].strip():
            continue
        header = parse_header(lines[index], index + 1)
        if header is None or (headers and header[1] < headers[-1][2]):
            continue
        headers.append((index, *header))
    if not headers or headers[0][0] != start:
        raise ArchiveError(
            start + 1, "expected a post header (USERNAME MM-DD-YYYY HH:MM AM/PM, then a blank line)"
        )

    posts = []
    for position, (index, username, posted_at) in enumerate(headers):
        end = headers[position + 1][0] if position + 1 < len(headers) else len(lines)
        body = "\n".join(strip_blank_lines(lines[index + 1 : end]))
        if not body:
            raise ArchiveError(index + 1, f"the post by {username} has an empty body")
        posts.append(ArchivedPost(username, posted_at, body, index + 1))

    title, _newline, rest = posts[0].body.partition("\n")
    title = title.strip()
    title_line = next(i for i in range(start + 1, len(lines)) if lines[i].strip()) + 1
    if LINE_BREAKS.search(title):
        raise ArchiveError(title_line, "the title holds a line break (such as U+2028)")
    if len(title) > MAX_TITLE_LENGTH:
        raise ArchiveError(title_line, f"the title is over {MAX_TITLE_LENGTH} characters")
    posts[0].body = "\n".join(strip_blank_lines(rest.split("\n")))
    if not posts[0].body:
        raise ArchiveError(posts[0].line, "the first post has a title but an empty body")
    return ArchivedThread(title=title, posts=posts)


def parse_header(line: str, number: int) -> tuple[str, datetime] | None:
    # The length check spares the regex the long lines of a body.
    match = HEADER.match(line) if len(line) <= MAX_HEADER_LENGTH else None
    if match is None or len(match["username"]) > MAX_USERNAME_LENGTH:
        return None
    hour = int(match["hour"])
    try:
        if not 1 <= hour <= 12:
            raise ValueError
        posted_at = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            hour % 12 + (12 if match["half"] in "Pp" else 0),
            int(match["minute"]),
        )
    except ValueError:
        raise ArchiveError(number, f"bad date or time: {match['date']} {match['time']}") from None
    if not is_sane_date(posted_at):
        # Time zone arithmetic near the ends of the calendar overflows, and no board posted then.
        raise ArchiveError(
            number,
            f"date out of range: {match['date']} (years {EARLIEST_YEAR} to {LATEST_YEAR})",
        )
    return match["username"], posted_at


def strip_blank_lines(lines: list[str]) -> list[str]:
    """Drops the blank lines around a body; those inside it are the member's own."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def format_archive(title: str, posts: Iterable[ArchivedPost]) -> str:
    """Writes a thread in the archive format: each post is its header, a blank line, its body
    and a blank line."""
    blocks = []
    title = fold_lines(title)  # a line break would end the title line early
    for position, post in enumerate(posts):
        body = f"{title}\n{post.body}" if position == 0 else post.body
        blocks.append(f"{post.username} {post.posted_at.strftime(TIMESTAMP_FORMAT)}\n\n{body}\n\n")
    return "".join(blocks)


def archive_of(thread, posts) -> str:
    """A thread's posts (with authors) as an archive, stamped in the current time zone.

    Removed posts keep their place, author and time, with REMOVED_TEXT for a body.
    """
    return format_archive(
        thread.title,
        (
            ArchivedPost(
                post.author.username,
                timezone.localtime(post.created_at).replace(tzinfo=None),
                REMOVED_TEXT if post.is_removed else post.body,
            )
            for post in posts
        ),
    )
