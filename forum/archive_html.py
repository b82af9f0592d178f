"""vBulletin 3.x thread pages saved as HTML: showthread (default and legacy postbit) and
printthread pages, as a browser or the Wayback Machine saved them.

read_page turns one file's bytes into a Page (the thread's id and title and its posts, each with
its old id, number, author, time, title line, edit note, the author's postbit details and the
message converted back to BBCode); merge_pages joins the pages of one thread, in post order and
each post once, into an ArchivedThread for forum/archive_import.py.

The parser is libxml2's HTML parser through lxml (tag soup mended as browsers do, linear in the
input, no network, no entity expansion beyond HTML's own), about twice as quick here as the
standard library's html.parser, which spent most of a page's time tokenising. It feeds a tree
whose depth is capped, so a hostile page costs at most its size times that cap. Everything
taken from a page ends up as BBCode source, which the
board escapes and sanitises when it renders it like any member's post.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from lxml import etree

from forum.archive import (
    MAX_TITLE_LENGTH,
    MAX_USERNAME_LENGTH,
    ArchivedPost,
    ArchivedThread,
    ArchiveError,
)

MAX_PAGE_BYTES = 16 * 1024 * 1024
# vBulletin's pages nest about 30 deep, quotes in quotes a few more; deeper elements are kept
# as children of the deepest one so that no hostile page makes the walk below quadratic.
MAX_DEPTH = 160
SKIPPED_TAGS = {"script", "style", "noscript", "textarea", "select", "iframe", "object"}
WAYBACK_IDS = {"wm-ipp-base", "wm-ipp", "wm-ipp-print", "donato", "wm-capinfo"}
# vBulletin 3's default smilies, by image file, and the codes the board renders.
SMILIE_CODES = {
    "smile": ":)",
    "frown": ":(",
    "confused": ":confused:",
    "mad": ":mad:",
    "tongue": ":p",
    "wink": ";)",
    "biggrin": ":D",
    "redface": ":o",
    "rolleyes": ":rolleyes:",
    "cool": ":cool:",
    "eek": ":eek:",
}
# Titles vBulletin gave by post count: the board works out its own rank, so these are not kept.
EARNED_TITLES = {"junior member", "member", "senior member", "registered user", "guest"}

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<mname>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = r"(?P<hour>\d{1,2}):(?P<minute>\d\d)(?::\d\d)?(?:\s*(?P<half>[ap])\.?\s*m\b\.?)?"
_SEP = r"(?:,\s*|\s+)(?:at\s+)?"
_DATE_PATTERNS = [
    re.compile(p + _SEP + _TIME, re.I)
    for p in (
        r"\b(?P<rel>today|yesterday)",
        r"\b(?P<y>\d{4})-(?P<a>\d\d?)-(?P<b>\d\d?)",
        r"\b(?P<a>\d\d?)[-/.](?P<b>\d\d?)[-/.](?P<y>\d{4}|\d\d)\b",
        r"\b(?P<d>\d\d?)(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<y>\d{4})",
        r"\b" + _MONTH + r"\s+(?P<d>\d\d?)(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})",
    )
]
_ZONE_RE = re.compile(
    r"All times are GMT(?:\s*(?P<sign>[+-])\s*(?P<hours>\d\d?)(?:(?P<mark>[.:])(?P<frac>\d+))?)?"
)
_TIME_NOW_RE = re.compile(r"The time now is\s*(.{1,80}?)\s*\.?\s*$", re.I | re.S)
_WAYBACK_URL_RE = re.compile(r"^(?:https?:)?(?://web\.archive\.org)?/web/(\d{1,14})[a-z_]*/", re.I)
_WOMBAT_RE = re.compile(r'__wm\.wombat\("[^"]*",\s*"(\d{14})"')
_ARCHIVED_ON_RE = re.compile(r"FILE ARCHIVED ON (\d\d:\d\d:\d\d \w{3} \d\d?, \d{4})")
_THREAD_ID_RE = re.compile(
    r"(?:showthread|printthread|newreply|subscription)\.php\?(?:[^#]*&)?t=(\d{1,10})\b"
)
_POST_ID_RE = re.compile(r"(?:showthread|showpost)\.php\?(?:[^#]*&)?p=(\d{1,10})\b")
_PAGE_OF_RE = re.compile(r"\bPage (\d{1,6}) of (\d{1,6})\b")
# The page links' own "pp=" outnumber the one "show all posts on one page" link.
_PER_PAGE_RE = re.compile(r"printthread\.php\?(?:[^#]*&)?pp=(\d{1,4})\b")
_POST_COUNT_RE = re.compile(r"showpost\.php\?(?:[^#]*&)?p=(\d{1,10})&postcount=(\d{1,9})\b")
LARGEST_ID = 2**31 - 1  # the legacy id columns' range
_EDIT_RE = re.compile(r"Last edited by (?P<name>.+?); (?P<when>.+?)\.?(?:\s+Reason:.*)?$", re.S)
_CHARSET_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([\w:.-]{1,40})""", re.I)
_SPACES_RE = re.compile(r"[ \t\n\r\f]+")


class Node:
    """An element of the page: its tag, attributes and children (Nodes and strings)."""

    __slots__ = ("tag", "attrs", "children", "parent")

    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None"):
        self.tag, self.attrs, self.children, self.parent = tag, attrs, [], parent

    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def elements(self) -> list["Node"]:
        return [child for child in self.children if isinstance(child, Node)]

    def walk(self):
        """Every element below this one, in document order (iteratively: pages nest deeply)."""
        stack = list(reversed(self.elements()))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.elements()))

    def text(self) -> str:
        pieces = []
        stack = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                pieces.append(item)
            else:
                stack.extend(reversed(item.children))
        return " ".join(_SPACES_RE.sub(" ", "".join(pieces)).replace("\xa0", " ").split())

    def contains(self, other: "Node") -> bool:
        while other is not None:
            if other is self:
                return True
            other = other.parent
        return False

    def following_siblings(self) -> list["Node"]:
        siblings = self.parent.elements() if self.parent else []
        return siblings[siblings.index(self) + 1 :]

    def preceding_siblings(self) -> list["Node"]:
        siblings = self.parent.elements() if self.parent else []
        return siblings[: siblings.index(self)]


class _TreeBuilder:
    """The target of lxml's HTML parser: builds the Node tree and the indexes the readers
    below use (elements by id, anchors by name, every link)."""

    def __init__(self):
        self.root = Node("#root", {}, None)
        self.stack = [self.root]
        self.by_id: dict[str, Node] = {}
        self.anchors: dict[str, Node] = {}  # <a name="...">
        self.hrefs: list[str] = []
        self.skipping = 0  # inside <script> and the like
        self.in_toolbar = False
        self.scripts: list[str] = []
        self.comments: list[str] = []
        self.title = ""
        self.in_title = False
        self.depth = 0  # open elements, including those past MAX_DEPTH kept flat
        self.boxes: list[Node] = []  # every <div> and <td>, in document order

    def start(self, tag, attrib):
        self.depth += 1
        if self.in_toolbar:
            return
        if tag in SKIPPED_TAGS:
            self.skipping += 1
            return
        if tag == "title":
            self.in_title = True
            return
        attributes = dict(attrib)
        for name in ("href", "src"):
            if name in attributes:
                value = attributes[name].strip()
                attributes[name] = _WAYBACK_URL_RE.sub("", value) if "/web/" in value else value
        top = self.stack[-1]
        node = Node(tag, attributes, top)
        top.children.append(node)
        if (element_id := attributes.get("id")) and element_id not in self.by_id:
            self.by_id[element_id] = node
        if tag == "div" or tag == "td":
            self.boxes.append(node)
        elif tag == "a":
            if attributes.get("name"):
                self.anchors.setdefault(attributes["name"], node)
            if attributes.get("href"):
                self.hrefs.append(attributes["href"])
        if len(self.stack) < MAX_DEPTH:
            self.stack.append(node)

    def end(self, tag):
        self.depth -= 1
        if self.in_toolbar:
            return
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "title":
            self.in_title = False
        elif len(self.stack) > 1 and self.depth < MAX_DEPTH - 1:
            # libxml2 balances the tags; past MAX_DEPTH nothing was pushed, so nothing pops.
            self.stack.pop()

    def data(self, data):
        if self.in_toolbar:
            return
        if self.skipping:
            if "__wm." in data:
                self.scripts.append(data)
            return
        if self.in_title:
            self.title += data
            return
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)

    def comment(self, text):
        if "BEGIN WAYBACK TOOLBAR INSERT" in text:
            self.in_toolbar = True
        elif "END WAYBACK TOOLBAR INSERT" in text:
            self.in_toolbar = False
        elif "ARCHIVED ON" in text:
            self.comments.append(text)

    def close(self):
        return self.root


def parse_html(text: str) -> _TreeBuilder:
    """Parses a page with libxml2's HTML parser (lxml), which mends tag soup as browsers do,
    in linear time, and never reaches the network."""
    builder = _TreeBuilder()
    parser = etree.HTMLParser(
        target=builder, encoding="utf-8", no_network=True, huge_tree=False, remove_pis=True
    )
    # libxml2 reads NUL as the end of the text, and lone surrogates cannot be encoded.
    parser.feed(text.encode("utf-8", errors="replace"))
    parser.close()
    return builder


def decode_page(data: bytes) -> str:
    """A saved page's text: UTF-8 when it says so or has a byte-order mark, else as its <meta>
    declares; pages that declare ISO-8859-1 are read as windows-1252, as browsers read them."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    declared = _CHARSET_RE.search(data[:8192])
    name = declared[1].decode("ascii").lower() if declared else ""
    if name in {"utf-8", "utf8"} or not name:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass  # a page saved without its declaration, or re-encoded by the browser
    if name in {"utf-8", "utf8", "", "iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"}:
        name = "windows-1252"
    try:
        return data.decode(name, errors="replace")
    except LookupError:
        return data.decode("windows-1252", errors="replace")


@dataclass
class Profile:
    """What a post's postbit says about its author."""

    joined: date | None = None
    location: str = ""
    user_title: str = ""
    is_guest: bool = False


@dataclass
class PagePost:
    legacy_id: int | None
    number: int | None
    username: str
    posted_at: datetime  # aware
    title: str
    body: str
    profile: Profile
    edited_by: str | None = None
    edited_at: datetime | None = None  # aware


@dataclass
class Page:
    name: str
    thread_id: int | None
    title: str
    posts: list[PagePost]
    kind: str  # "showthread" or "printthread"
    skipped: list[str] = field(default_factory=list)


class _Dates:
    """Reads a page's dates: in its zone, with "Today" and "Yesterday" against its capture."""

    def __init__(self, zone: tzinfo, captured_at: datetime | None, day_first: bool):
        self.zone, self.captured_at, self.day_first = zone, captured_at, day_first

    def read(self, text: str, what: str) -> datetime:
        found = self.find(text, what)
        if found is None:
            raise ArchiveError(0, f"{what}: no date and time in {text[:80]!r}")
        return found

    def find(self, text: str, what: str) -> datetime | None:
        """The first date and time in `text`, None if it has none; ArchiveError if it is not
        a real one."""
        for pattern in _DATE_PATTERNS:
            if match := pattern.search(text):
                return self.aware(match, what)
        return None

    def aware(self, match: re.Match, what: str) -> datetime:
        parts = match.groupdict()
        if parts.get("rel"):
            if self.captured_at is None:
                raise ArchiveError(
                    0,
                    f'{what} is dated "{match[0]}" and the page does not say when it was saved: '
                    "give --captured-at",
                )
            try:
                day = self.captured_at.astimezone(self.zone).date()
                if parts["rel"].lower() == "yesterday":
                    day -= timedelta(days=1)
            except OverflowError:
                raise ArchiveError(0, f"{what}: the capture time is out of range") from None
            year, month, day_number = day.year, day.month, day.day
        else:
            year = int(parts["y"])
            if len(parts["y"]) == 2:  # vBulletin's "y": 07 is 2007, 99 is 1999
                year += 2000 if year < 70 else 1900
            if parts.get("mname"):
                month, day_number = _MONTHS[parts["mname"].lower()], int(parts["d"])
            elif "-" in match[0][:5] and len(match[0].split("-")[0].strip()) == 4:
                month, day_number = int(parts["a"]), int(parts["b"])  # ISO
            elif self.day_first:
                day_number, month = int(parts["a"]), int(parts["b"])
            else:
                month, day_number = int(parts["a"]), int(parts["b"])
        hour, minute = int(parts["hour"]), int(parts["minute"])
        if parts.get("half"):
            if not 1 <= hour <= 12:
                raise ArchiveError(0, f"{what}: bad time {match[0]!r}")
            hour = hour % 12 + (12 if parts["half"].lower() == "p" else 0)
        # Far from the years boards ran, and clear of datetime's limits in any zone.
        if not 1900 <= year <= 2999:
            raise ArchiveError(0, f"{what}: the year {year} is out of range")
        try:
            return datetime(year, month, day_number, hour, minute, tzinfo=self.zone)
        except (ValueError, OverflowError):
            raise ArchiveError(0, f"{what}: bad date or time {match[0]!r}") from None


def page_zone(text: str) -> tzinfo | None:
    """The zone of "All times are GMT -5": a fixed offset, as vBulletin printed it."""
    match = _ZONE_RE.search(text)
    if match is None:
        return None
    if not match["sign"]:
        return UTC
    minutes = int(match["hours"]) * 60
    if match["frac"]:
        # "GMT +5.5" and "GMT +5:30" both mean five and a half hours.
        fraction = match["frac"]
        minutes += int(fraction) if match["mark"] == ":" else round(float("0." + fraction) * 60)
    if minutes > 14 * 60:
        return None
    return timezone(timedelta(minutes=minutes if match["sign"] == "+" else -minutes))


def wayback_capture(builder: _TreeBuilder) -> datetime | None:
    """When the Wayback Machine saved the page (UTC), from its script, banner or links."""
    for script in builder.scripts:
        if match := _WOMBAT_RE.search(script):
            return _timestamp(match[1])
    for comment in builder.comments:
        if match := _ARCHIVED_ON_RE.search(comment):
            return datetime.strptime(match[1], "%H:%M:%S %b %d, %Y").replace(tzinfo=UTC)
    return None


def _timestamp(digits: str) -> datetime | None:
    try:
        return datetime.strptime(digits[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def read_page(
    data: bytes,
    name: str,
    *,
    time_zone: tzinfo | None = None,
    captured_at: datetime | None = None,
    default_zone: tzinfo = UTC,
) -> Page:
    """Parses one saved page. `time_zone` overrides the page's "All times are GMT ..."; without
    either, `default_zone`. `captured_at` is used when the page does not say when it was saved.
    Raises ArchiveError (line 0: a page has no useful line numbers) when it cannot be read."""
    if len(data) > MAX_PAGE_BYTES:
        raise ArchiveError(0, f"the page is over {MAX_PAGE_BYTES // 1024 // 1024} MB")
    text = decode_page(data)
    if "\x00" in text:
        raise ArchiveError(0, "a NUL byte: this is not an HTML page")
    builder = parse_html(text)
    for element_id in WAYBACK_IDS & builder.by_id.keys():
        node = builder.by_id[element_id]
        node.parent.children.remove(node)
    # The footer ("All times are GMT -5. The time now is ...") is short; the page's text is not.
    footer = ""
    for node in builder.boxes:
        if node.tag == "div" and _footer_like(node):
            footer = node.text()  # the last one: a post may quote a footer too
    zone = time_zone or page_zone(footer) or default_zone
    day_first = _day_first(builder.boxes)
    capture = wayback_capture(builder)
    if capture is None and (now := _TIME_NOW_RE.search(footer)):
        try:
            capture = _Dates(zone, None, day_first).read(now[1], "the footer")
        except ArchiveError:
            capture = None  # "The time now is 11:15 PM." alone has no date
    dates = _Dates(zone, capture or captured_at, day_first)
    thread_id = _most_common(_THREAD_ID_RE, builder.hrefs)
    if thread_id is not None and not 0 < thread_id <= LARGEST_ID:
        thread_id = None
    try:
        if any(key.startswith("post_message_") for key in builder.by_id):
            page = _showthread(builder, dates, name, thread_id)
        else:
            page = _printthread(builder, dates, name, thread_id)
    except ArchiveError as error:
        error.thread_id = thread_id  # so that the thread's other pages are not imported alone
        raise
    if not page.posts:
        raise ArchiveError(0, "not a vBulletin 3 thread page: no posts found")
    for post in page.posts:
        if len(post.username) > MAX_USERNAME_LENGTH or not post.username:
            raise ArchiveError(0, f"post {post.legacy_id or post.number}: bad username")
    return page


def _footer_like(node: Node) -> bool:
    texts = [child for child in node.children if isinstance(child, str)]
    return any("All times are GMT" in piece or "The time now is" in piece for piece in texts)


def _day_first(boxes: list[Node]) -> bool:
    """Whether the page writes dates day first (10-02-2007): only a day over 12 tells."""
    for node in boxes:
        for piece in node.children:
            if isinstance(piece, str) and (match := _DATE_PATTERNS[2].search(piece)):
                first, second = int(match["a"]), int(match["b"])
                if first > 12 >= second:
                    return True
                if second > 12:
                    return False
    return False


def _most_common(pattern: re.Pattern, values: list[str]) -> int | None:
    found = Counter(int(m[1]) for value in values if (m := pattern.search(value)))
    return found.most_common(1)[0][0] if found else None


def _showthread(builder: _TreeBuilder, dates: _Dates, name: str, thread_id: int | None) -> Page:
    posts, skipped = [], []
    ids = builder.by_id
    # vBulletin 3.0 linked each post's number without an id on the link.
    counts = {}
    for href in builder.hrefs:
        if match := _POST_COUNT_RE.search(href):
            counts.setdefault(int(match[1]), int(match[2]))
    for key, message in ids.items():
        if not key.startswith("post_message_") or not key[13:].isdigit():
            continue
        post_id = int(key[13:])
        what = f"post {post_id}"
        if not 0 < post_id <= LARGEST_ID:
            raise ArchiveError(0, f"{what}: not an id vBulletin gives")
        menu = ids.get(f"postmenu_{post_id}")
        if menu is None:
            skipped.append(f"{what}: no author (not a postbit vBulletin 3 writes)")
            continue
        author = next((n for n in menu.walk() if "bigusername" in n.classes()), None)
        username = (author or menu).text()
        profile = _profile(menu, message, is_guest=author is None)
        anchor = builder.anchors.get(f"post{post_id}")
        stamp = anchor.parent.text() if anchor is not None and anchor.parent else ""
        posted_at = dates.read(stamp, what)
        count = ids.get(f"postcount{post_id}")
        number = int(count.text()) if count is not None and count.text().isdigit() else None
        number = number or counts.get(post_id)
        edited_by, edited_at = _edit_note(message, dates, what)
        posts.append(
            PagePost(
                legacy_id=post_id,
                number=number,
                username=username,
                posted_at=posted_at,
                title=_title_line(message),
                body=to_bbcode(message),
                profile=profile,
                edited_by=edited_by,
                edited_at=edited_at,
            )
        )
    for key in ids:
        if key.startswith("post") and key[4:].isdigit() and f"post_message_{key[4:]}" not in ids:
            skipped.append(f"post {key[4:]}: deleted or hidden on the old board")
    if any(post.number is None for post in posts):
        raise ArchiveError(0, "a post without its number (#1, #2 ...): not a showthread page")
    page = Page(name, thread_id, _thread_title(builder, posts), posts, "showthread", skipped)
    return page


def _profile(menu: Node, message: Node, is_guest: bool) -> Profile:
    profile = Profile(is_guest=is_guest)
    if is_guest:
        return profile
    title = next((n for n in menu.following_siblings() if "smallfont" in n.classes()), None)
    if title is not None and title.text().lower() not in EARNED_TITLES:
        profile.user_title = title.text()[:50]
    # The user info is the largest box round the name that does not hold the message.
    scope = menu
    while scope.parent is not None and not scope.parent.contains(message):
        scope = scope.parent
    for node in scope.walk():
        if node.tag != "div" or node.elements():
            continue
        text = node.text()
        if text.startswith("Join Date:"):
            profile.joined = _month_year(text.removeprefix("Join Date:").strip())
        elif text.startswith("Location:"):
            profile.location = text.removeprefix("Location:").strip()[:100]
    return profile


def _month_year(text: str) -> date | None:
    parts = text.replace(",", " ").split()
    if len(parts) == 2 and parts[0].lower().rstrip(".") in _MONTHS and parts[1].isdigit():
        try:
            return date(int(parts[1]), _MONTHS[parts[0].lower().rstrip(".")], 1)
        except ValueError:
            return None
    return None


def _title_line(message: Node) -> str:
    """The post's title, shown in bold above its message (with its icon)."""
    for sibling in reversed(message.preceding_siblings()):
        if sibling.tag == "hr":
            continue
        if sibling.tag == "div" and "smallfont" in sibling.classes():
            strong = next((n for n in sibling.walk() if n.tag == "strong"), None)
            return strong.text() if strong is not None else ""
        break
    return ""


def _edit_note(message: Node, dates: _Dates, what: str) -> tuple[str | None, datetime | None]:
    for sibling in message.following_siblings():
        text = sibling.text()
        if match := _EDIT_RE.search(text):
            return match["name"].strip(), dates.read(match["when"], f"{what}'s edit note")
    return None, None


def _thread_title(builder: _TreeBuilder, posts: list[PagePost]) -> str:
    """The navbar's last crumb, else post #1's title line, else the page's <title>."""
    for node in builder.boxes:
        if node.tag == "td" and "navbar" in node.classes():
            strong = next((n for n in node.walk() if n.tag == "strong"), None)
            if strong is not None and strong.text():
                return strong.text()
    first = next((post for post in posts if post.number == 1), None)
    if first is not None and first.title:
        return first.title
    title = " ".join(builder.title.split())
    title = re.sub(r" - Page \d+", "", title)
    return title.rsplit(" - ", 1)[0] if " - " in title else title


def _printthread(builder: _TreeBuilder, dates: _Dates, name: str, thread_id: int | None) -> Page:
    """printthread.php: per post, a table of the name (14pt) and the date, a rule, an optional
    bold title and the message."""
    posts = []
    for node in builder.boxes:
        if node.tag != "td" or "font-size:14pt" not in node.attrs.get("style", "").replace(" ", ""):
            continue
        cells = node.following_siblings()
        if not cells or cells[0].tag != "td":
            continue
        posted_at = dates.find(cells[0].text(), f"post by {node.text()}")
        if posted_at is None:
            continue  # the page's own heading, not a post
        table = node
        while table.parent is not None and table.tag != "table":
            table = table.parent
        after = table.following_siblings()
        title, message = "", None
        for sibling in after:
            if sibling.tag == "hr":
                continue
            if sibling.tag == "div" and "smallfont" in sibling.classes() and message is None:
                title = sibling.text()
                continue
            if sibling.tag == "div":
                message = sibling
            break
        if message is None:
            raise ArchiveError(0, f"post by {node.text()} at {cells[0].text()}: no message")
        posts.append(
            PagePost(None, None, node.text(), posted_at, title, to_bbcode(message), Profile())
        )
    page_text = " ".join(
        node.text() for node in builder.boxes if node.tag == "td" and not node.elements()
    )
    page_match = _PAGE_OF_RE.search(page_text)
    page_number = int(page_match[1]) if page_match else 1
    per_page = _most_common(_PER_PAGE_RE, builder.hrefs) or 40
    for index, post in enumerate(posts, start=1):
        post.number = (page_number - 1) * per_page + index
    title = _thread_title(builder, posts)
    return Page(name, thread_id, title, posts, "printthread")


# -- message HTML back to BBCode ------------------------------------------------------------


BLOCK_TAGS = {"div", "p", "table", "tr", "pre", "blockquote", "ul", "ol", "hr", "h1", "h2", "h3"}
INLINE_BBCODE = {"b": "B", "strong": "B", "i": "I", "em": "I", "u": "U"}


class _Writer:
    def __init__(self):
        self.out: list[str] = []
        self.at_line_start = True

    def text(self, piece: str) -> None:
        piece = _SPACES_RE.sub(" ", piece).replace("\xa0", " ")
        if self.at_line_start:
            piece = piece.lstrip(" ")
        if piece:
            self.out.append(piece)
            self.at_line_start = False

    def raw(self, piece: str) -> None:
        if piece:
            self.out.append(piece)
            self.at_line_start = piece.endswith("\n")

    def newline(self) -> None:
        if self.out and self.out[-1].endswith(" "):
            self.out[-1] = self.out[-1].rstrip(" ")
        self.out.append("\n")
        self.at_line_start = True

    def block_edge(self) -> None:
        """Blocks stand on lines of their own: start one unless we are at one."""
        if not self.at_line_start:
            self.newline()


def to_bbcode(message: Node) -> str:
    writer = _Writer()
    _convert_children(message, writer)
    return "".join(writer.out).strip("\n ")


def _convert_children(node: Node, writer: _Writer) -> None:
    for child in node.children:
        if isinstance(child, str):
            writer.text(child)
        else:
            _convert(child, writer)


def _convert(node: Node, writer: _Writer) -> None:
    tag = node.tag
    if tag == "br":
        writer.newline()
    elif tag == "img":
        if code := _image(node):
            writer.raw(code)
            writer.at_line_start = False
    elif tag in INLINE_BBCODE:
        _wrap(node, writer, f"[{INLINE_BBCODE[tag]}]", f"[/{INLINE_BBCODE[tag]}]")
    elif tag == "a":
        _link(node, writer)
    elif tag == "font":
        _font(node, writer)
    elif tag == "div" and (box := _box(node)):
        writer.block_edge()
        box(writer)
        writer.block_edge()
    elif tag in {"ul", "ol"}:
        _list(node, writer)
    elif tag == "pre":
        writer.block_edge()
        writer.raw("[CODE]" + _code_text(node) + "[/CODE]")
        writer.block_edge()
    elif tag == "hr":
        writer.block_edge()
    elif tag in BLOCK_TAGS or tag in {"td", "th", "li"}:
        writer.block_edge()
        _convert_children(node, writer)
        writer.block_edge()
    else:
        _convert_children(node, writer)


def _wrap(node: Node, writer: _Writer, opening: str, closing: str) -> None:
    inner = _Writer()
    inner.at_line_start = writer.at_line_start
    _convert_children(node, inner)
    content = "".join(inner.out)
    if content.strip():
        writer.raw(opening + content + closing)
        writer.at_line_start = inner.at_line_start and closing == ""
    elif content:
        writer.text(content)


def _image(node: Node) -> str:
    src = node.attrs.get("src", "")
    stem = src.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    if "/smilies/" in f"/{src}" or "inlineimg" in node.classes() and stem in SMILIE_CODES:
        # vBulletin's own and custom smilies: custom ones keep the vBulletin habit ":lol:".
        return SMILIE_CODES.get(stem, f":{stem}:" if stem.isalnum() else "")
    if re.match(r"https?://", src, re.I):
        return f"[IMG]{src}[/IMG]"
    if re.match(r"[a-z][a-z0-9+.-]*:", src, re.I):
        return ""  # data:, javascript: and the like: nothing a member wrote
    # A relative picture (an attachment) cannot be shown from here: its address is kept as text.
    return src


def _link(node: Node, writer: _Writer) -> None:
    href = node.attrs.get("href", "")
    if not re.match(r"(?:https?://|mailto:)", href, re.I):
        _convert_children(node, writer)  # the board's own controls and relative links
        return
    shown = node.text()
    # vBulletin shortened long addresses it linked by itself ("http://www.exa...e.html").
    if shown == href or (
        "..." in shown
        and href.startswith(shown.split("...", 1)[0])
        and href.endswith(shown.split("...", 1)[1])
    ):
        writer.raw(f"[URL]{href}[/URL]")
        writer.at_line_start = False
    else:
        _wrap(node, writer, f"[URL={href}]", "[/URL]")


def _font(node: Node, writer: _Writer) -> None:
    color, size = node.attrs.get("color", "").strip(), node.attrs.get("size", "").strip()
    opening, closing = "", ""
    if re.fullmatch(r"#?[0-9A-Za-z]{3,20}", color):
        opening, closing = f"[COLOR={color}]", "[/COLOR]"
    if re.fullmatch(r"[1-7]", size):
        opening, closing = opening + f"[SIZE={size}]", "[/SIZE]" + closing
    _wrap(node, writer, opening, closing) if opening else _convert_children(node, writer)


def _list(node: Node, writer: _Writer) -> None:
    writer.block_edge()
    ordered = node.tag == "ol"
    writer.raw("[LIST=1]\n" if ordered else "[LIST]\n")
    for item in node.elements():
        if item.tag != "li":
            continue
        writer.raw("[*]")
        writer.at_line_start = True  # the item's own leading spaces go
        _convert_children(item, writer)
        writer.block_edge()
    writer.raw("[/LIST]")
    writer.block_edge()


def _code_text(node: Node) -> str:
    pieces = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            # Outside <pre> the layout's own line breaks are not the code's: <br> are.
            text = item if node.tag == "pre" else re.sub(r"[\n\r\t]", "", item)
            pieces.append(text.replace("\xa0", " "))
        elif item.tag == "br":
            pieces.append("\n")
        else:
            stack.extend(reversed(item.children))
    return "".join(pieces).strip("\n")


def _box(node: Node):
    """vBulletin's Quote, Code, PHP Code and HTML Code boxes: a small heading, then the box."""
    children = node.elements()
    if not children or "smallfont" not in children[0].classes():
        return None
    heading = children[0].text()
    rest = children[1:]
    if heading in {"Code:", "PHP Code:", "HTML Code:"} and rest:
        return lambda writer: writer.raw("[CODE]" + _code_text(rest[0]) + "[/CODE]")
    if heading != "Quote:" or not rest:
        return None
    cell = next((n for n in rest[0].walk() if n.tag == "td"), rest[0])
    parts = cell.elements()
    by = None
    if parts and parts[0].tag == "div" and parts[0].text().startswith("Originally Posted by"):
        by = parts[0]
    opening = "[QUOTE]"
    if by is not None:
        strong = next((n for n in by.walk() if n.tag == "strong"), None)
        username = strong.text() if strong is not None else ""
        link = next((n for n in by.walk() if n.tag == "a" and "href" in n.attrs), None)
        post_id = _POST_ID_RE.search(link.attrs["href"]) if link is not None else None
        opening = f"[QUOTE={username};{post_id[1]}]" if post_id else f"[QUOTE={username}]"
        content = parts[1] if len(parts) > 1 else None
    else:
        content = cell

    def write(writer: _Writer) -> None:
        inner = _Writer()
        if content is not None:
            _convert_children(content, inner)
        writer.raw(opening + "".join(inner.out).strip("\n ") + "[/QUOTE]")

    return write


# -- pages of one thread into one ArchivedThread ----------------------------------------------


@dataclass
class MergedThread:
    archived: ArchivedThread
    thread_id: int | None
    legacy_post_ids: list[int | None]
    profiles: dict[str, Profile]  # by username
    pages: list[str]
    skipped: list[str]


def merge_pages(pages: list[Page]) -> MergedThread:
    """The posts of one thread's pages, in order and each once; raises ArchiveError when two
    pages disagree. Posts past a missing page are skipped (and said so): a later import with
    the missing page adds them."""
    by_number: dict[int, PagePost] = {}
    skipped = [f"{page.name}: {reason}" for page in pages for reason in page.skipped]
    seen_ids: dict[int, int] = {}
    for page in sorted(pages, key=lambda p: p.kind != "showthread"):
        for post in page.posts:
            known = by_number.get(post.number)
            if (
                post.legacy_id is not None
                and seen_ids.setdefault(post.legacy_id, post.number) != post.number
            ):
                raise ArchiveError(
                    0,
                    f"{page.name}: post {post.legacy_id} is #{post.number} here and "
                    f"#{seen_ids[post.legacy_id]} on another page",
                )
            if known is None:
                by_number[post.number] = post
            elif (known.username, known.posted_at) != (post.username, post.posted_at) or (
                None not in (known.legacy_id, post.legacy_id) and known.legacy_id != post.legacy_id
            ):
                raise ArchiveError(
                    0,
                    f"{page.name}: post #{post.number} is by {post.username} at "
                    f"{post.posted_at:%m-%d-%Y %I:%M %p} here and by {known.username} at "
                    f"{known.posted_at:%m-%d-%Y %I:%M %p} on another page",
                )
    numbers = sorted(by_number)
    run = [numbers[0]]
    for number in numbers[1:]:
        if number != run[-1] + 1:
            break
        run.append(number)
    if len(run) < len(numbers):
        first_missing, last_missing = run[-1] + 1, numbers[len(run)] - 1
        gap = (
            f"#{first_missing}"
            if first_missing == last_missing
            else (f"#{first_missing} to #{last_missing}")
        )
        skipped.append(
            f"posts #{numbers[len(run)]} to #{numbers[-1]}, until the page with {gap} is imported"
        )
    posts = [by_number[number] for number in run]
    first = posts[0]
    title = next((page.title for page in pages if page.title), "") or first.title
    if not title:
        raise ArchiveError(0, "the thread has no title")
    if len(title) > MAX_TITLE_LENGTH:
        raise ArchiveError(0, f"the title is over {MAX_TITLE_LENGTH} characters")
    archived = ArchivedThread(
        title=title,
        posts=[
            ArchivedPost(
                post.username,
                # Stored as UTC wall-clock times: pages of one thread may be in different zones.
                post.posted_at.astimezone(UTC).replace(tzinfo=None),
                _with_title_line(post, number=number),
                line=0,
                edited_by=post.edited_by,
                edited_at=post.edited_at.astimezone(UTC).replace(tzinfo=None)
                if post.edited_at
                else None,
            )
            for number, post in zip(run, posts, strict=True)
        ],
        first_number=run[0],
    )
    for post in archived.posts:
        if not post.body:
            raise ArchiveError(0, f"the post by {post.username} has an empty message")
    profiles = {}
    for post in posts:
        if not post.profile.is_guest:
            profiles.setdefault(post.username, post.profile)
    return MergedThread(
        archived=archived,
        thread_id=next((page.thread_id for page in pages if page.thread_id), None),
        legacy_post_ids=[post.legacy_id for post in posts],
        profiles=profiles,
        pages=[page.name for page in pages],
        skipped=skipped,
    )


def _with_title_line(post: PagePost, number: int) -> str:
    """A reply's own title line leads its body, as in the printable text; the first post's is
    the thread's title."""
    if number == 1 or not post.title:
        return post.body
    return f"{post.title}\n{post.body}"


def thread_groups(pages: list[Page]) -> list[list[Page]]:
    """Pages by thread: the same old thread id, or, for pages without one, the same title."""
    groups: dict[object, list[Page]] = {}
    titles: dict[str, object] = {}
    for page in sorted(pages, key=lambda p: p.thread_id is None):
        key = page.thread_id if page.thread_id is not None else titles.get(page.title, page.title)
        titles.setdefault(page.title, key)
        groups.setdefault(key, []).append(page)
    return list(groups.values())
