"""BBCode -> safe HTML for posts, rendered once when a post is written.

The member's source is HTML-escaped as a whole before any BBCode is looked at, so the parser
only ever adds markup it wrote itself; nh3 then re-parses the result against a strict
allow-list as a second, independent line of defence.
"""

import html
import re
import unicodedata
from dataclasses import dataclass

import nh3
from django.utils.translation import gettext, gettext_noop

MAX_QUOTE_DEPTH = 10
# Deeper nesting than this is never legitimate and would only make the browser (and nh3) work.
MAX_DEPTH = 24

# Code -> (image in static/smilies/, what it shows). Images, not emoji: without an emoji font
# (common on Linux) emoji are empty boxes. The names are vBulletin 3's (archive_html reads them).
# What it shows stays English in stored posts; the toolbar translates it (gettext_noop).
SMILIES = {
    ":mad:": ("mad", gettext_noop("mad")),
    ":rolleyes:": ("rolleyes", gettext_noop("rolls eyes")),
    ":cool:": ("cool", gettext_noop("cool")),
    ":confused:": ("confused", gettext_noop("confused")),
    ":eek:": ("eek", gettext_noop("eek")),
    ":)": ("smile", gettext_noop("smile")),
    ":(": ("frown", gettext_noop("frown")),
    ";)": ("wink", gettext_noop("wink")),
    ":D": ("biggrin", gettext_noop("big grin")),
    ":p": ("tongue", gettext_noop("tongue")),
    ":P": ("tongue", gettext_noop("tongue")),
    ":o": ("redface", gettext_noop("embarrassed")),
}
# Stored in every post's HTML, so the address never changes: the unhashed name, which
# whitenoise serves beside the hashed one.
SMILIE_PATH = "/static/smilies/{}.svg"
_SMILIE_SRC_RE = re.compile(r"/static/smilies/[a-z]{1,20}\.svg")
# vBulletin's <font size=1..7>, kept as fixed keywords so no member-typed value reaches CSS.
FONT_SIZES = {
    "1": "x-small",
    "2": "small",
    "3": "medium",
    "4": "large",
    "5": "x-large",
    "6": "xx-large",
    "7": "xxx-large",
}

INLINE_TAGS = {"b", "i", "u", "s", "color", "size", "url"}
SIMPLE_TAGS = {"b": "strong", "i": "em", "u": "u", "s": "del"}

_TAG_RE = re.compile(
    r"\[(/?)(b|i|u|s|quote|url|img|code|list|\*|color|size)(?:=([^\[\]\n]{1,500}))?\]", re.I
)
# The quote tags alone, with the same argument rule as _TAG_RE, for taking quotes out of a source.
_QUOTE_TAG_RE = re.compile(r"\[(/?)quote(?:=[^\[\]\n]{1,500})?\]", re.I)
_RAW_CLOSE_RE = {name: re.compile(rf"\[/{name}\]", re.I) for name in ("code", "img", "url")}
# Runs on escaped text: "&" only ever starts an entity, and only "&amp;" can belong to a URL.
_BARE_URL_RE = re.compile(r"(?<![\w/.@])(?:https?://|www\.)(?:[^\s\[\]&]|&amp;){1,2000}", re.I)
# ";)" must not match the end of an entity such as "&quot;)" produced by escaping '")'. The
# look-behinds come after the ";" so every branch starts with ":" or ";" and the regex engine
# skips quickly to those characters (a look-behind first is tried at every position: 9x slower).
_SMILIE_RE = re.compile(
    r":(?:mad|rolleyes|cool|confused|eek):|:\)|:\(|;(?<!&quot;)(?<!&amp;)(?<!&lt;)(?<!&gt;)(?<!&#x27;)\)"
    r"|:[DpPo](?!\w)"
)
_HTTP_URL_RE = re.compile(r"https?://[\w-]+(?:\.[\w-]+)*(?::\d{1,5})?(?:[/?#].*)?", re.I)
_MAILTO_RE = re.compile(r"mailto:[^@]+@[\w-]+(?:\.[\w-]+)+(?:\?.*)?", re.I)
_COLOR_RE = re.compile(r"#[0-9a-f]{3}|#[0-9a-f]{6}|[a-z]{3,20}", re.I)
_QUOTE_ARG_RE = re.compile(r"(.*?);\s*(\d{1,18})")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# vBulletin's [ATTACH]n[/ATTACH]: the post's nth attachment in place. Left as text here;
# pictures/rendering.py puts the attachment in once the post's files are stored.
ATTACH_RE = re.compile(r"\[attach(?:=[a-z]{1,10})?\]\s*(\d{1,4})\s*\[/attach\]", re.IGNORECASE)
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
# Line breaks next to block elements would add blank lines the author never saw in vBulletin.
# Every one of those edges has a block tag in it, and most posts have none: looking for one first
# saves running the slow look-behinds over the whole post.
_BLOCK_TAG_RE = re.compile(r"</?(?:blockquote|ul|ol|li|pre|div)\b")
_BLOCK_EDGE_BR_RE = re.compile(
    r"<br>(?=<(?:blockquote|ul|ol|li|pre)[ >]|</(?:li|ul|ol)>|</div></blockquote>)"
    r"|(?<=</blockquote>)<br>|(?<=</pre>)<br>|(?<=</ul>)<br>|(?<=</ol>)<br>"
    r"|(?<=<ul>)<br>|(?<=<ol>)<br>|(?<=</li>)<br>|(?<=<div class=\"bbquote-body\">)<br>"
)

_CLEANER = nh3.Cleaner(
    tags={"br", "strong", "em", "u", "del", "blockquote", "div", "a", "img", "pre", "code"}
    | {"ul", "ol", "li", "span"},
    attributes={
        "a": {"href", "title"},
        "img": {"src", "alt", "title", "width", "height"},
        "span": {"style", "title", "aria-label"},
    },
    tag_attribute_values={"img": {"loading": {"lazy"}}, "span": {"role": {"img"}}},
    allowed_classes={
        "blockquote": {"bbquote"},
        "div": {"bbquote-by", "bbquote-body"},
        "a": {"bbquote-link"},
        "pre": {"bbcode"},
        "span": {"smilie"},
        "img": {"smilie"},
    },
    link_rel="nofollow ugc noopener",
    url_schemes={"http", "https", "mailto"},
    # The only relative addresses we write: the "view quoted post" arrow and smilies.
    url_relative=lambda url: (
        url if re.fullmatch(r"/posts/\d+/", url) or _SMILIE_SRC_RE.fullmatch(url) else None
    ),
    filter_style_properties={"color", "font-size"},
)


def render_bbcode(source: str) -> str:
    """Return sanitised HTML for a post's BBCode source (the caller marks it safe)."""
    text = html.escape(_normalise(source))
    if not text:
        return ""
    markup = _Parser(text).render()
    if _BLOCK_TAG_RE.search(markup):
        markup = _BLOCK_EDGE_BR_RE.sub("", markup)
    return _CLEANER.clean(markup)


_ANY_TAG_RE = re.compile(r"<(?!img )[^>]*>")
# A quote box's header ("Originally Posted by ...") is the board's words, not the member's.
_QUOTE_HEADER_RE = re.compile(r'<div class="bbquote-by">.*?</div>')


def shows_something(source: str) -> bool:
    """Whether the post's rendered HTML shows a reader anything: a letter, a mark, a smilie or
    an image, not only empty tags ([b][/b]) and spaces."""
    rendered = render_bbcode(source)
    if "<img " in rendered:
        return True
    text = html.unescape(_ANY_TAG_RE.sub("", _QUOTE_HEADER_RE.sub("", rendered)))
    return any(unicodedata.category(ch)[0] not in "ZC" for ch in text)


def render_plain_snippet(source: str, length: int = 200) -> str:
    """Plain text without BBCode, whitespace collapsed, cut at a word (not HTML-escaped)."""
    text = re.sub(r"\[img\][^\[]*\[/img\]", " ", _normalise(source), flags=re.I)
    text = " ".join(_TAG_RE.sub(" ", text).split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut + "…"


def without_quotes(source: str) -> str:
    """The source with every [quote]...[/quote] block taken out, nested ones with it; an opener
    never closed and a closer never opened stay as the text they are.

    One pass with a stack of where each open quote began, so the work is linear in the source
    however the quotes nest (a regex for the innermost quote, run until nothing changes, took
    quadratic time and more on thousands of unclosed openers)."""
    pieces: list[str] = []
    open_at: list[int] = []  # for each open quote, its index in pieces
    pos = 0
    for match in _QUOTE_TAG_RE.finditer(source):
        pieces.append(source[pos : match.start()])
        pos = match.end()
        if not match.group(1):
            open_at.append(len(pieces))
            pieces.append(match.group(0))
        elif open_at:
            # Each piece is appended once and dropped at most once: linear overall.
            del pieces[open_at.pop() :]
        else:
            pieces.append(match.group(0))
    pieces.append(source[pos:])
    return "".join(pieces)


def safe_url(raw: str) -> str | None:
    """Return the URL if it is a plain http(s)/mailto link, else None."""
    raw = raw.strip()
    if not raw or len(raw) > 2048:
        return None
    # Whitespace, control, invisible and quote characters are how scheme filters get fooled.
    if any(ch in "\"'<>`\\" or unicodedata.category(ch)[0] in "CZ" for ch in raw):
        return None
    if raw[:4].lower() == "www.":
        raw = "http://" + raw
    if _HTTP_URL_RE.fullmatch(raw) or _MAILTO_RE.fullmatch(raw):
        return raw
    return None


def _normalise(source: str) -> str:
    # nh3 cannot take lone surrogates and NUL/control bytes have no business in a post.
    source = _SURROGATE_RE.sub("\ufffd", source or "")
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", source).strip()


def _smilies(text: str) -> str:
    def image(match: re.Match[str]) -> str:
        name, label = SMILIES[match.group(0)]
        src = SMILIE_PATH.format(name)
        # The code as alt text, as vBulletin did: copying the post copies ":)".
        code = match.group(0)
        return (
            f'<img class="smilie" src="{src}" alt="{code}" title="{label}" width="20" height="20">'
        )

    return _SMILIE_RE.sub(image, text)


def _link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url)}">{label}</a>'


def _strip_trailing_punctuation(url: str) -> str:
    """Drop sentence punctuation after a URL, keeping ")" when it closes a "(" inside it."""
    opens, closes = url.count("("), url.count(")")
    end = len(url)
    while end:
        ch = url[end - 1]
        if ch == ")" and closes > opens:
            closes -= 1
        elif ch not in ".,:;!?":
            break
        end -= 1
    return url[:end]


def _may_hold_url(text: str) -> bool:
    """False only where _BARE_URL_RE cannot match: every match holds "://" or a "www." that
    lower() keeps (no letter but "W" case-folds to "w"). Two substring tests are far quicker
    than the regex's look-behind at every position."""
    return "://" in text or "www." in text.lower()


def _render_text(text: str, autolink: bool = True) -> str:
    """Escaped text -> HTML with bare links, smilies and <br> for every newline."""
    pieces, pos = [], 0
    for match in _BARE_URL_RE.finditer(text) if autolink and _may_hold_url(text) else ():
        url = _strip_trailing_punctuation(html.unescape(match.group(0)))
        shown = html.escape(url)  # escaping is per character, so this is a prefix of the match
        href = safe_url(url)
        pieces.append(_smilies(text[pos : match.start()]))
        pieces.append(_link(href, shown) if href else shown)
        # The stripped punctuation goes back to the text, where "...:)" can still be a smilie.
        pos = match.start() + len(shown)
    pieces.append(_smilies(text[pos:]))
    return "".join(pieces).replace("\n", "<br>")


@dataclass
class _Frame:
    name: str
    open_html: str
    close_html: str
    index: int  # position of open_html in the output, replaced by `literal` if never closed
    literal: str


class _Parser:
    """One pass over escaped text with a stack of open tags; the output is always balanced."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.stack: list[_Frame] = []
        self.unclosed_raw: set[str] = set()

    def render(self) -> str:
        pos = 0
        while match := _TAG_RE.search(self.text, pos):
            self.text_piece(self.text[pos : match.start()])
            pos = match.end()
            closing, name, arg = match.group(1), match.group(2).lower(), match.group(3)
            if closing:
                if arg is not None or not self.close(name):
                    self.text_piece(match.group(0))
            elif name in ("code", "img") or (name == "url" and arg is None):
                pos = self.raw(name, arg, match)
            elif not self.open(name, arg, match.group(0)):
                self.text_piece(match.group(0))
        self.text_piece(self.text[pos:])
        # Unclosed tags go back to being the text the member typed.
        for frame in self.stack:
            self.out[frame.index] = frame.literal
        return "".join(self.out)

    def in_link(self) -> bool:
        return any(frame.name == "url" for frame in self.stack)

    def text_piece(self, text: str) -> None:
        if text:
            self.out.append(_render_text(text, autolink=not self.in_link()))

    def push(self, name: str, open_html: str, close_html: str, literal: str) -> None:
        self.stack.append(_Frame(name, open_html, close_html, len(self.out), literal))
        self.out.append(open_html)

    def open(self, name: str, arg: str | None, tag: str) -> bool:
        # Links cannot nest, and blocks inside a link would be split apart by the browser.
        if len(self.stack) >= MAX_DEPTH or (
            self.in_link() and name in {"url", "quote", "list", "*"}
        ):
            return False
        literal = _render_text(tag, autolink=not self.in_link())
        if name == "*":
            target = self.find({"*", "list"}, cross_blocks=False)
            if target is None:
                return False
            # A new item ends the previous one and whatever was left open inside it.
            if self.stack[target].name == "*":
                self.close_through(target, reopen=False)
            elif target < len(self.stack) - 1:
                self.close_through(target + 1, reopen=False)
            self.push("*", "<li>", "</li>", literal)
        elif name == "quote":
            if sum(frame.name == "quote" for frame in self.stack) >= MAX_QUOTE_DEPTH:
                return False
            self.push("quote", _quote_open(arg), "</div></blockquote>", literal)
        elif name == "list":
            kind = "ul" if arg is None else "ol"
            self.push("list", f"<{kind}>", f"</{kind}>", literal)
        else:
            open_html, close_html = _inline_html(name, arg)
            self.push(name, open_html, close_html, literal)
        return True

    def close(self, name: str) -> bool:
        target = self.find({name}, cross_blocks=name not in INLINE_TAGS)
        if target is None:
            return False
        self.close_through(target)
        return True

    def find(self, names: set[str], cross_blocks: bool) -> int | None:
        for index in range(len(self.stack) - 1, -1, -1):
            name = self.stack[index].name
            if name in names:
                return index
            if not cross_blocks and name not in INLINE_TAGS:
                return None
        return None

    def close_through(self, index: int, reopen: bool = True) -> None:
        """Close the frame at index and all above it, reopening inline ones (as HTML does)."""
        reopened = []
        while len(self.stack) > index:
            frame = self.stack.pop()
            self.out.append(frame.close_html)
            if reopen and len(self.stack) > index and frame.name in INLINE_TAGS:
                reopened.append(frame)
        for frame in reversed(reopened):
            self.push(frame.name, frame.open_html, frame.close_html, literal="")

    def raw(self, name: str, arg: str | None, match: re.Match[str]) -> int:
        """[code], [img] and [url]...[/url] take their content verbatim, up to the closing tag."""
        end = None
        if (
            arg is None
            and name not in self.unclosed_raw
            and not (name == "code" and self.in_link())
        ):
            end = _RAW_CLOSE_RE[name].search(self.text, match.end())
            # A closing tag missing from here is missing further on too: keeps "[code]" * n linear.
            if end is None:
                self.unclosed_raw.add(name)
        if end is None:
            self.text_piece(match.group(0))
            return match.end()
        content = self.text[match.end() : end.start()]
        url = safe_url(html.unescape(content))
        if name == "code":
            body = content.removeprefix("\n").removesuffix("\n")
            self.out.append(f'<pre class="bbcode"><code>{body}</code></pre>')
        elif name == "img" and url and url.lower().startswith("http"):
            self.out.append(f'<img src="{html.escape(url)}" alt="" loading="lazy">')
        elif name == "url" and url and not self.in_link():
            self.out.append(_link(url, content))
        else:
            self.out.append(_render_text(content, autolink=False))
        return end.end()


def _quote_open(arg: str | None) -> str:
    # Stored in English, whoever reads it: in_reader_language() translates these words when the
    # post is shown, so the stored HTML (and every post written before) serves every language.
    heading = "Quote:"
    if arg:
        name, post_id = arg.strip(), None
        if match := _QUOTE_ARG_RE.fullmatch(name):
            name, post_id = match.group(1).strip(), match.group(2)
        name = name.removeprefix("&quot;").removesuffix("&quot;").strip()
        if name:
            heading = f"Originally Posted by <strong>{name}</strong>"
            if post_id:
                heading += (
                    f' <a href="/posts/{int(post_id)}/" class="bbquote-link"'
                    ' title="View post">↑</a>'
                )
    return (
        f'<blockquote class="bbquote"><div class="bbquote-by">{heading}</div>'
        '<div class="bbquote-body">'
    )


def _inline_html(name: str, arg: str | None) -> tuple[str, str]:
    """Open/close HTML for an inline tag; an invalid argument keeps the content, drops the tag."""
    if name in SIMPLE_TAGS:
        return f"<{SIMPLE_TAGS[name]}>", f"</{SIMPLE_TAGS[name]}>"
    value = (arg or "").strip()
    if name == "color" and _COLOR_RE.fullmatch(value):
        return f'<span style="color:{value.lower()}">', "</span>"
    if name == "size" and value in FONT_SIZES:
        return f'<span style="font-size:{FONT_SIZES[value]}">', "</span>"
    if name == "url" and (url := safe_url(html.unescape(value).strip("\"'"))):
        return f'<a href="{html.escape(url)}">', "</a>"
    return "", ""


# The board's words in stored post HTML, as _quote_open and _smilies write them (a member's text
# is escaped, so it can never contain these tags): the quote headers, the smilies' titles and
# the heading of the attached files' list (pictures/rendering.py).
_BOARD_WORDS_RE = re.compile(
    r'(?<=<div class="bbquote-by">)'
    r"(?:Quote:(?=</div>)|Originally Posted by (<strong>[^<]*</strong>))"
    r'|(?<= class="bbquote-link" )title="View post"'
    r'|(?<=<img class="smilie" src="/static/smilies/)([a-z]+\.svg" alt="[^"]*" title=")([^"]*)"'
    r'|(?<=<p class="mb-1 small">)Attached files:(?=</p><ul class="attachment-files">)'
)


def _in_reader_language(match: re.Match) -> str:
    text = match.group()
    if text == "Quote:":
        return html.escape(gettext("Quote:"))
    if text == "Attached files:":
        return html.escape(gettext("Attached files:"))
    if match.group(1):
        # The name is already escaped member text, inside the markup we wrote.
        return gettext("Originally Posted by %(name)s") % {"name": match.group(1)}
    if match.group(2):
        return f'{match.group(2)}{html.escape(gettext(match.group(3)))}"'
    title = html.escape(gettext("View post"))
    return f'title="{title}"'


_BOARD_WORD_MARKS = ("bbquote-by", 'class="smilie"', "attachment-files")


def in_reader_language(body_html: str) -> str:
    """Stored post HTML (render_bbcode's) with the board's words in it, the quote headers
    ("Originally Posted by", "Quote:", "View post"), the smilies' titles and "Attached files:",
    in the active language. Pages that show post HTML call it (the |post_html filter), so the
    stored HTML stays one English copy for every reader and needs no migration when languages
    change."""
    if not any(mark in body_html for mark in _BOARD_WORD_MARKS):
        return body_html
    return _BOARD_WORDS_RE.sub(_in_reader_language, body_html)


# Links and images a post shows to other sites: quote headers link inside the board ("/posts/").
_OUTSIDE_LINK_RE = re.compile(r'<a href="(?!/)|<img src="(?!/)')


def count_outside_links(body_html: str) -> int:
    """How many links and images to other sites a rendered post holds, however they were
    written ([url], [img], a bare address, [email])."""
    return len(_OUTSIDE_LINK_RE.findall(body_html))
