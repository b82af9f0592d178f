import re
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from forum import markup
from forum.markup import SMILIES, render_bbcode, render_plain_snippet, shows_something

ALLOWED_TAGS = {"br", "strong", "em", "u", "del", "blockquote", "div", "a", "img", "pre", "code"}
ALLOWED_TAGS |= {"ul", "ol", "li", "span"}
VOID_TAGS = {"br", "img"}
ALLOWED_CLASSES = {"bbquote", "bbquote-by", "bbquote-body", "bbquote-link", "bbcode", "smilie"}
ALLOWED_ATTRIBUTES = {"href", "rel", "title", "class", "src", "alt", "loading", "style", "role"}
ALLOWED_ATTRIBUTES |= {"aria-label", "width", "height"}
SAFE_STYLE_RE = re.compile(
    r"color:(#[0-9a-f]{3}|#[0-9a-f]{6}|[a-z]{3,20})"
    r"|font-size:(x-small|small|medium|large|x-large|xx-large|xxx-large)"
)
SAFE_URL_RE = re.compile(r"(https?://|mailto:)[^\s\"'<>`]+|/posts/\d+/|/static/smilies/[a-z]+\.svg")

SMILE = (
    '<img class="smilie" src="/static/smilies/smile.svg" alt=":)" title="smile" width="20"'
    ' height="20">'
)
REL = 'rel="nofollow ugc noopener"'


class InertHtmlChecker(HTMLParser):
    """Collects every way the rendered HTML could do more than show text, links and images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        if tag not in VOID_TAGS:
            self.open_tags.append(tag)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name not in ALLOWED_ATTRIBUTES:
                self.problems.append(f"attribute {name}")
            if name in ("href", "src") and not SAFE_URL_RE.fullmatch(value):
                self.problems.append(f"{name}={value!r}")
            if name == "style" and not SAFE_STYLE_RE.fullmatch(value):
                self.problems.append(f"style={value!r}")
            if name == "class" and not set(value.split()) <= ALLOWED_CLASSES:
                self.problems.append(f"class={value!r}")
            if "javascript:" in value.lower().replace(" ", ""):
                self.problems.append(f"{name}={value!r}")

    def handle_endtag(self, tag):
        if not self.open_tags or self.open_tags.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_comment(self, data):
        self.problems.append("comment")

    def handle_decl(self, decl):
        self.problems.append("declaration")

    def handle_pi(self, data):
        self.problems.append("processing instruction")

    def unknown_decl(self, data):
        self.problems.append("CDATA or unknown declaration")


def assert_inert(output: str) -> None:
    checker = InertHtmlChecker()
    checker.feed(output)
    checker.close()
    assert checker.problems == []
    assert checker.open_tags == [], "every element is closed"
    assert "<script" not in output.lower()


HOSTILE_INPUTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<style>body{display:none}</style>",
    "<!-- comment --><b>x</b>",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<a href='java&#x09;script:alert(1)'>x</a>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '[url="http://x" onmouseover="alert(1)"]t[/url]',
    "[url=javascript:alert(1)]click[/url]",
    "[url=JaVaScRiPt:alert(1)]click[/url]",
    "[url=java\tscript:alert(1)]click[/url]",
    "[url=java\nscript:alert(1)]click[/url]",
    "[url=&#106;avascript:alert(1)]click[/url]",
    "[url= javascript:alert(1)]click[/url]",
    "[url]javascript:alert(1)[/url]",
    '[url]http://x" onmouseover="alert(1)[/url]',
    "[url=http://x.com/'onmouseover='alert(1)]t[/url]",
    "[url=vbscript:msgbox(1)]v[/url]",
    "[url=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==]d[/url]",
    "[url=//evil.example/x]protocol-relative[/url]",
    "[url=file:///etc/passwd]f[/url]",
    "[url=http://x.com/?a=<b>]t[/url]",
    "[url=https://x.com/\x01]control character[/url]",
    "[url=mailto:a@b.com?body=<script>]m[/url]",
    "[url=http://a][url=http://b]nested links[/url][/url]",
    "[url=http://x.com][img]javascript:alert(1)[/img][/url]",
    "[img]javascript:alert(1)[/img]",
    "[img]data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+[/img]",
    '[img]http://x.com/a.png" onerror="alert(1)[/img]',
    "[img]vbscript:msgbox(1)[/img]",
    "[img]https://x.com/a.png[/img",
    "[color=red;position:fixed;top:0]x[/color]",
    "[color=expression(alert(1))]x[/color]",
    '[color=red" onmouseover="alert(1)]x[/color]',
    "[color=url(javascript:alert(1))]x[/color]",
    "[size=100]x[/size]",
    "[size=7;background:url(x)]x[/size]",
    "[size=-1]x[/size]",
    "[size=7]" * 1000 + "x",
    "[b][i]misnested[/b][/i]",
    "[quote][b]unclosed quote",
    "[quote]" * 10000 + "deep" + "[/quote]" * 10000,
    "[list][*]a[quote]b[*]c[/list][/quote]",
    "[/quote][/b][/url][/list]</div></blockquote>",
    '[quote=a"><script>alert(1)</script>;1]x[/quote]',
    "[quote=x;1 onmouseover=alert(1)]y[/quote]",
    "[quote=x;../../admin]y[/quote]",
    "[quote=&quot;><img src=x onerror=alert(1)>;2]y[/quote]",
    "a\x00b[b\x00]c[/b]",
    "\u202etxt.exe [url=http://x.com/\u202eexe.txt]x[/url]",
    "zero\u200bwidth [url=java\u200bscript:alert(1)]z[/url] http://x.com/\u200b",
    "lone \ud800 surrogate \udfff",
    "[code]<script>alert(1)</script>[/code]",
    "[code][url=javascript:alert(1)]x[/url][/code]",
    "http://x.com/<script>alert(1)</script>",
    'www.x.com/"onmouseover="alert(1)',
    "javascript:alert(1) data:text/html,<script>alert(1)</script>",
]


@pytest.mark.parametrize("source", HOSTILE_INPUTS)
def test_hostile_input_renders_as_inert_html(source):
    assert_inert(render_bbcode(source))


def test_html_typed_by_a_member_is_shown_as_text():
    assert render_bbcode("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_forbidden_url_schemes_render_only_the_link_text():
    for scheme in ("javascript:", "JaVaScRiPt:", "java\tscript:", "vbscript:", "data:text/html,"):
        assert render_bbcode(f"[url={scheme}alert(1)]click[/url]") == "click"


def test_attribute_breaking_quotes_in_a_url_drop_the_link():
    output = render_bbcode('[url]http://x" onmouseover="alert(1)[/url]')
    assert output == 'http://x" onmouseover="alert(1)'


def test_sample_body_keeps_its_text_and_turns_the_smilie_into_an_image():
    source = "i used to run alot. even in the winter at -23 degrees...:) and if i"
    assert render_bbcode(source) == (
        f"i used to run alot. even in the winter at -23 degrees...{SMILE} and if i"
    )


def test_blank_line_between_paragraphs_becomes_two_line_breaks():
    source = "I'd really like to keep using the treadmill.\n\nRoss86 wrote:\nline"
    assert render_bbcode(source) == (
        "I'd really like to keep using the treadmill.<br><br>Ross86 wrote:<br>line"
    )


def test_windows_line_endings_become_single_line_breaks():
    assert render_bbcode("one\r\ntwo\rthree") == "one<br>two<br>three"


def test_leading_and_trailing_whitespace_of_the_post_is_stripped():
    assert render_bbcode("\n\n  hello  \n\n") == "hello"


def test_empty_or_blank_input_renders_nothing():
    assert render_bbcode("") == ""
    assert render_bbcode(" \n\x00 ") == ""


def test_formatting_tags_render_case_insensitively():
    source = "[b]b[/b] [I]i[/I] [u]u[/U] [s]s[/s]"
    assert render_bbcode(source) == "<strong>b</strong> <em>i</em> <u>u</u> <del>s</del>"


def test_quote_with_name_and_post_id_links_to_the_quoted_post():
    assert render_bbcode("[QUOTE=Ross86;123]text[/QUOTE]") == (
        '<blockquote class="bbquote"><div class="bbquote-by">Originally Posted by '
        '<strong>Ross86</strong> <a href="/posts/123/" class="bbquote-link" title="View post" '
        f'{REL}>↑</a></div><div class="bbquote-body">text</div></blockquote>'
    )


def test_quote_with_name_only_has_no_link():
    assert render_bbcode("[quote=Ross86]text[/quote]") == (
        '<blockquote class="bbquote"><div class="bbquote-by">Originally Posted by '
        '<strong>Ross86</strong></div><div class="bbquote-body">text</div></blockquote>'
    )


def test_plain_quote_has_a_generic_heading():
    assert render_bbcode("[quote]text[/quote]") == (
        '<blockquote class="bbquote"><div class="bbquote-by">Quote:</div>'
        '<div class="bbquote-body">text</div></blockquote>'
    )


def test_quote_with_a_non_numeric_post_id_gets_no_link():
    output = render_bbcode("[quote=x;1 onmouseover=alert(1)]y[/quote]")
    assert "<a" not in output
    assert "<strong>x;1 onmouseover=alert(1)</strong>" in output


def test_quoted_name_is_escaped():
    output = render_bbcode('[quote=a"><script>;1]x[/quote]')
    assert '<strong>a"&gt;&lt;script&gt;</strong> <a href="/posts/1/"' in output


def test_nested_quotes_render_inside_each_other():
    output = render_bbcode("[quote=A;1][quote=B;2]inner[/quote]outer[/quote]")
    assert output.count('<blockquote class="bbquote">') == 2
    assert '<div class="bbquote-body">inner</div></blockquote>outer</div></blockquote>' in output
    assert output.index("<strong>A</strong>") < output.index("<strong>B</strong>")


def test_quotes_nested_deeper_than_ten_stay_literal_text():
    output = render_bbcode("[quote]" * 12 + "deep" + "[/quote]" * 12)
    assert output.count("<blockquote") == 10
    assert "[quote][quote]deep" in output
    assert_inert(output)


def test_line_breaks_next_to_a_quote_do_not_add_blank_lines():
    output = render_bbcode("before\n[quote]\ntext\n[/quote]\nafter")
    assert output.startswith('before<blockquote class="bbquote">')
    assert '<div class="bbquote-body">text</div></blockquote>after' in output


def test_url_tag_links_its_content_with_nofollow():
    assert render_bbcode("[url]http://x.com/a?b=1&c=2[/url]") == (
        f'<a href="http://x.com/a?b=1&amp;c=2" {REL}>http://x.com/a?b=1&amp;c=2</a>'
    )


def test_url_tag_with_argument_links_its_label():
    assert render_bbcode("[url=https://y.com][b]Y[/b][/url]") == (
        f'<a href="https://y.com" {REL}><strong>Y</strong></a>'
    )


def test_scheme_less_www_url_gets_http():
    assert render_bbcode("[url=www.z.com]Z[/url]") == f'<a href="http://www.z.com" {REL}>Z</a>'


def test_mailto_url_is_allowed():
    assert render_bbcode("[url]mailto:a@b.com[/url]") == (
        f'<a href="mailto:a@b.com" {REL}>mailto:a@b.com</a>'
    )


def test_quoted_url_argument_is_accepted():
    assert render_bbcode('[url="http://x.com/"]x[/url]') == f'<a href="http://x.com/" {REL}>x</a>'


def test_image_tag_renders_a_lazy_image():
    assert render_bbcode("[IMG]https://x.com/a.png[/IMG]") == (
        '<img src="https://x.com/a.png" alt="" loading="lazy">'
    )


def test_image_with_a_non_http_source_is_rendered_as_text():
    assert render_bbcode("[img]data:image/png;base64,AAAA[/img]") == "data:image/png;base64,AAAA"
    assert render_bbcode("[img]mailto:a@b.com[/img]") == "mailto:a@b.com"


def test_code_block_keeps_bbcode_smilies_urls_and_newlines_literal():
    output = render_bbcode("[code]\n[b]x[/b] :) http://x.com\n  <i>indented</i>\n[/code]\nafter")
    assert output == (
        '<pre class="bbcode"><code>[b]x[/b] :) http://x.com\n'
        "  &lt;i&gt;indented&lt;/i&gt;</code></pre>after"
    )


def test_unordered_list():
    assert render_bbcode("[list]\n[*]a\n[*]b\n[/list]") == "<ul><li>a</li><li>b</li></ul>"


def test_numbered_list():
    assert render_bbcode("[list=1][*]one[*]two[/list]") == "<ol><li>one</li><li>two</li></ol>"


def test_list_item_outside_a_list_stays_literal():
    assert render_bbcode("[*] not a list") == "[*] not a list"


def test_color_and_size_become_fixed_inline_styles():
    assert render_bbcode("[color=Red]r[/color][color=#ff0000]h[/color][size=7]big[/size]") == (
        '<span style="color:red">r</span><span style="color:#ff0000">h</span>'
        '<span style="font-size:xxx-large">big</span>'
    )


@pytest.mark.parametrize(
    "source",
    [
        "[color=red;position:fixed]x[/color]",
        "[color=expression(alert(1))]x[/color]",
        "[size=100]x[/size]",
        "[size=7;background:url(x)]x[/size]",
    ],
)
def test_invalid_color_or_size_keeps_the_text_without_style(source):
    assert render_bbcode(source) == "x"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("see http://x.com/foo.", f'see <a href="http://x.com/foo" {REL}>http://x.com/foo</a>.'),
        ("(www.y.com)", f'(<a href="http://www.y.com" {REL}>www.y.com</a>)'),
        (
            "http://en.wikipedia.org/wiki/A_(b), ok",
            f'<a href="http://en.wikipedia.org/wiki/A_(b)" {REL}>'
            "http://en.wikipedia.org/wiki/A_(b)</a>, ok",
        ),
        (
            "https://x.com/?a=1&b=2!",
            f'<a href="https://x.com/?a=1&amp;b=2" {REL}>https://x.com/?a=1&amp;b=2</a>!',
        ),
    ],
)
def test_bare_urls_are_linked_without_trailing_punctuation(source, expected):
    assert render_bbcode(source) == expected


def test_url_inside_a_url_tag_is_not_linked_twice():
    output = render_bbcode("[url=http://a.com]see http://b.com[/url]")
    assert output == f'<a href="http://a.com" {REL}>see http://b.com</a>'


def test_smilies_are_not_converted_inside_urls_or_code():
    assert (
        render_bbcode("http://x.com/:D") == f'<a href="http://x.com/:D" {REL}>http://x.com/:D</a>'
    )
    assert "smilie" not in render_bbcode("[code]:) ;) :D[/code]")


@pytest.mark.parametrize("code", list(SMILIES))
def test_each_smilie_becomes_a_shipped_image_with_its_code_as_alt_text(code):
    output = render_bbcode(f"well {code} ok")
    name, label = SMILIES[code]
    assert (
        f'<img class="smilie" src="/static/smilies/{name}.svg" alt="{code}" title="{label}"'
        in output
    )
    assert (django_settings.FILES_DIR / "static" / "smilies" / f"{name}.svg").is_file()


@pytest.mark.parametrize(
    "source",
    [
        "[b][/b]",
        "  [b] [/b] [i][/i]  ",
        "[code][/code]",
        "[list][*][/list]",
        "[url=http://a.example][/url]",
        "[quote=Ross86;2][/quote]",
        "[u]\u200b[/u]",
    ],
)
def test_markup_that_shows_nothing_is_told_apart(source):
    assert not shows_something(source)


@pytest.mark.parametrize(
    "source", [":)", "[b].[/b]", "[img]https://a.example/x.png[/img]", "[quote]x[/quote]"]
)
def test_a_single_mark_smilie_or_image_shows_something(source):
    assert shows_something(source)


@pytest.mark.parametrize(
    "source", ["at 12:30 today", "a:b", "Note:ok", 'he said "hi")', "it's)", "R&)", "x>)"]
)
def test_text_that_only_looks_like_a_smilie_is_left_alone(source):
    assert "smilie" not in render_bbcode(source)


def test_unclosed_tag_stays_literal_text():
    assert render_bbcode("[b]unclosed") == "[b]unclosed"
    assert render_bbcode("[quote]unclosed [b]bold[/b]") == "[quote]unclosed <strong>bold</strong>"


def test_unmatched_closing_tag_stays_literal_text():
    assert render_bbcode("text[/b][/quote]") == "text[/b][/quote]"


def test_misnested_tags_are_closed_and_reopened():
    assert render_bbcode("[b][i]x[/b]y[/i]") == "<strong><em>x</em></strong><em>y</em>"


def test_unknown_tags_stay_literal_text():
    assert render_bbcode("[spoiler]x[/spoiler]") == "[spoiler]x[/spoiler]"


def test_long_body_renders_completely():
    line = "Lorem ipsum dolor sit amet, http://x.com/a :) [b]bold[/b] 12:30\n"
    source = (line * 400)[:20000]
    output = render_bbcode(source)
    assert output.count("<strong>") == source.count("[/b]")
    assert_inert(output)


@pytest.mark.parametrize(
    "source",
    [
        "[" * 20000,
        "[quote]" * 5000,
        "[code]" * 5000,
        "[url]" * 5000 + "[/url]",
        "[b]" * 5000 + "[/b]" * 5000,
        "[list][*]" * 5000,
        "http://x.com/" + ")" * 20000,
        "[color=" + "a" * 20000,
        ":)" * 10000,
    ],
)
def test_pathological_input_completes(source):
    assert_inert(render_bbcode(source))


def test_plain_snippet_drops_tags_and_cuts_at_a_word():
    source = "[quote=A;1]hello [b]world[/b][/quote]\n\nsome [img]http://x/a.png[/img] text"
    assert render_plain_snippet(source) == "hello world some text"
    assert render_plain_snippet("one two three four", length=10) == "one two…"


# What the shortcuts in markup.py stand in for: the smilie regex with its look-behinds first (as
# it reads most plainly), and running the URL and block-edge regexes on every piece of text.
PLAIN_SMILIE_RE = re.compile(
    r":(?:mad|rolleyes|cool|confused|eek):|:\)|:\(|(?<!&quot)(?<!&amp)(?<!&lt)(?<!&gt)(?<!&#x27);\)"
    r"|:[DpPo](?!\w)"
)
# Pieces that make the renderer take every turn, mixed with arbitrary characters.
MARKUP_PIECES = st.sampled_from(
    ["[b]", "[/b]", "[I]", "[/i]", "[quote]", "[quote=Ann;12]", "[/quote]", "[list]", "[list=1]"]
    + ["[*]", "[/list]", "[code]", "[/code]", "[url]", "[/url]", "[url=www.a.org]", "[img]"]
    + ["[/img]", "[color=red]", "[/color]", "http://", "https://x.org/a_(b)", "www.", "WwW."]
    + [":)", ";)", ":(", ":D", ":p", ":o", ":mad:", ":eek:", "&", "&quot;", '"', "'", "<", ">"]
    + ['");)', "');)", "&;)", "<;)", ">;)"]  # escaped, each ends in ";)": never a wink
    + ["<br>", "</div>", "<li>", "\n", "\n\n", "\r\n", " ", "\u00a0", ".", ")", "@", "/", ":", ";"]
)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, database=None)
@given(st.lists(MARKUP_PIECES | st.characters(), max_size=40).map("".join))
def test_the_quick_paths_render_exactly_what_the_plain_ones_do(source):
    quick = render_bbcode(source)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(markup, "_SMILIE_RE", PLAIN_SMILIE_RE)
        patch.setattr(markup, "_may_hold_url", lambda text: True)
        patch.setattr(markup, "_BLOCK_TAG_RE", re.compile(""))  # always "found"
        assert quick == render_bbcode(source)


QUOTING = "[quote=Ross86;123]x [quote]y[/quote][/quote] :)"


def test_the_board_words_of_stored_post_html_are_shown_in_the_readers_language():
    with translation.override("de"):
        shown = markup.in_reader_language(render_bbcode(QUOTING))
    assert "Zitat von <strong>Ross86</strong>" in shown
    assert 'class="bbquote-link" title="Beitrag anzeigen"' in shown
    assert '<div class="bbquote-by">Zitat:</div>' in shown
    assert 'title="lächeln"' in shown
    assert "Originally" not in shown and "View post" not in shown


def test_stored_post_html_is_shown_unchanged_in_english():
    stored = render_bbcode(QUOTING)
    with translation.override("en"):
        assert markup.in_reader_language(stored) == stored


def test_a_member_who_writes_the_header_words_keeps_them_in_every_language():
    stored = render_bbcode('Originally Posted by <strong>Bo</strong> Quote: title="View post"')
    with translation.override("de"):
        assert markup.in_reader_language(stored) == stored


def test_the_heading_of_a_posts_attached_files_is_shown_in_the_readers_language():
    stored = '<p class="mb-1 small">Attached files:</p><ul class="attachment-files"></ul>'
    with translation.override("de"):
        assert "Angehängte Dateien:" in markup.in_reader_language(stored)
