"""Plain-text thread archives, as vBulletin's printable and archive views left them.

A post starts at a header line: a username, a date MM-DD-YYYY (optionally followed by a comma)
and a time HH:MM AM/PM, taken from the end of the line so usernames may hold spaces. A blank
line follows the header, then the body. The first post's first body line is the thread title.

A line that merely looks like a header (a member quoting one) splits a post only when it can be
one: it stands at the top of the file or right after a blank line, a blank line follows it, and
its time is not earlier than the previous post's. Anything else stays in the body.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

HEADER = re.compile(
    r"^(?P<username>\S.*?)\s+(?P<date>\d{2}-\d{2}-\d{4}),?\s+(?P<time>\d{1,2}:\d{2}\s*[AaPp][Mm])\s*$"
)
TIMESTAMP_FORMAT = "%m-%d-%Y %I:%M %p"


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
    line: int  # where the header stands


@dataclass
class ArchivedThread:
    title: str
    posts: list[ArchivedPost] = field(default_factory=list)


def parse_header(line: str, number: int) -> tuple[str, datetime] | None:
    match = HEADER.match(line)
    if match is None:
        return None
    clock = match["time"].upper().replace(" ", "")
    try:
        posted_at = datetime.strptime(
            f"{match['date']} {clock[:-2]} {clock[-2:]}", TIMESTAMP_FORMAT
        )
    except ValueError:
        raise ArchiveError(number, f"bad date or time {match['date']} {match['time']!r}") from None
    return match["username"].strip(), posted_at


def parse_archive(text: str) -> ArchivedThread:
    """Reads an archive into its title and posts; raises ArchiveError on malformed input."""
    if "\x00" in text:
        raise ArchiveError(1, "the file holds NUL bytes: it is not a text archive")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headers: list[tuple[int, str, datetime]] = []
    for index, line in enumerate(lines):
        can_start = index == 0 or not lines[index - 1].strip()
        blank_after = index + 1 >= len(lines) or not lines[index + 1].strip()
        if not (can_start and blank_after):
            continue
        try:
            parsed = parse_header(line, index + 1)
        except ArchiveError:
            if headers or index == first_content_line(lines):
                raise
            continue
        if parsed is None:
            continue
        if headers and parsed[1] < headers[-1][2]:
            continue  # earlier than the post before it: a quoted date, not a new post
        headers.append((index, *parsed))
    start = first_content_line(lines)
    if not headers or headers[0][0] != start:
        raise ArchiveError(start + 1, "expected a post header: USERNAME MM-DD-YYYY HH:MM AM/PM")

    posts = []
    for position, (index, username, posted_at) in enumerate(headers):
        end = headers[position + 1][0] if position + 1 < len(headers) else len(lines)
        body = "\n".join(strip_blank_lines(lines[index + 1 : end]))
        if not body.strip():
            raise ArchiveError(index + 1, f"the post by {username} has an empty body")
        posts.append(ArchivedPost(username, posted_at, body, index + 1))

    title, _, rest = posts[0].body.partition("\n")
    if not rest.strip():
        raise ArchiveError(posts[0].line, "the first post has a title but no body")
    posts[0].body = "\n".join(strip_blank_lines(rest.split("\n")))
    return ArchivedThread(title=title.strip(), posts=posts)


def strip_blank_lines(lines: list[str]) -> list[str]:
    """Drops the blank lines around a body; those inside it are the member's own."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def first_content_line(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if line.strip():
            return index
    return 0


def format_archive(title: str, posts: list[ArchivedPost]) -> str:
    """Writes a thread back in the archive format (one blank line between posts)."""
    blocks = []
    for position, post in enumerate(posts):
        stamp = post.posted_at.strftime(TIMESTAMP_FORMAT)
        body = f"{title}\n{post.body}" if position == 0 else post.body
        blocks.append(f"{post.username} {stamp}\n\n{body}\n")
    return "\n".join(blocks)
