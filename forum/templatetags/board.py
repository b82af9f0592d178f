from functools import cache, lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format_modules
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.formats.en import formats as formats_en
from forum.links import link as board_link
from forum.markup import SMILIE_PATH, SMILIES, in_reader_language

register = template.Library()


def board_format(name: str) -> str:
    """One of vBulletin's stamps in the active language, from config/formats/<language>/
    (Django's get_format knows only its own names)."""
    for module in get_format_modules():
        if hasattr(module, name):
            return getattr(module, name)
    return getattr(formats_en, name)


@register.filter
def board_time(value) -> str:
    """A time as the 2007 board printed it, in the reader's zone and language: the archive's
    own stamp, 12-11-2007 10:22 PM (11.12.2007, 22:22 in German)."""
    if not value:
        return ""
    return board_time_in(value, timezone.get_current_timezone_name(), get_language())


@lru_cache(maxsize=4096)
def board_time_in(value, zone: str, language: str) -> str:
    # Formatting a time costs about 0.1 ms and the same times come back on every request
    # (an index's last posts, a search's results): each is formatted once per zone and
    # language, `zone` and `language` being the active ones.
    return format_date(localtime(value), board_format("BOARD_TIME_FORMAT"))


@register.filter
def iso_time(value) -> str:
    """`|date:'c'` for a <time datetime=...> (the reader's zone), without the date filter's
    format lookup: a third of its cost."""
    if not value:
        return ""
    return localtime(value).isoformat()


@register.filter
def post_html(body_html: str) -> SafeString:
    """A post's, message's or signature's stored HTML (sanitised when it was written: see
    forum/markup.py) with the board's words in it in the reader's language."""
    return mark_safe(in_reader_language(body_html or ""))  # noqa: S308 - sanitised when stored


@register.filter
def join_date(value) -> str:
    """'Dec 2007' ('Dez 2007'), as vBulletin's postbit shows the join date."""
    if not value:
        return ""
    return format_date(localtime(value), board_format("JOIN_DATE_FORMAT"))


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """The address of page `number` of the list on screen, keeping its other parameters (a
    member list's sort, a search's words): page 1 is the address without `page`."""
    request = context["request"]
    if not request.GET.keys() - {"page"}:  # the usual case: copying the query costs ~20 µs
        return f"?page={number}" if number > 1 else request.path
    query = request.GET.copy()
    query.pop("page", None)
    if number > 1:
        query["page"] = number
    return f"?{query.urlencode()}" if query else request.path


@register.simple_tag
def smilie_choices() -> list[tuple[str, str, str]]:
    """(code, image address, what it shows) for each smilie, for the message box's toolbar:
    one code per image (":p", not ":P" as well)."""
    seen, choices = set(), []
    for code, (name, label) in SMILIES.items():
        if name not in seen:
            seen.add(name)
            choices.append((code, SMILIE_PATH.format(name), _(label)))
    return choices


@register.simple_tag
def link(name: str, *args) -> str:
    """{% url %} for the links repeated down a page (forum/links.py)."""
    return board_link(name, *args)


@register.simple_tag
def asset(path: str) -> str:
    """{% static %} for the files every page links (base.html), looked up once per process: the
    manifest's lookup cost about 0.1 ms a file, seven times a page."""
    return static_once(path, settings.STATIC_URL)


@cache
def static_once(path: str, static_url: str) -> str:
    return static(path)


@register.tag
def once_per_language(parser, token):
    """{% once_per_language [value ...] %}...{% endonce_per_language %}: the block rendered
    once per process for each language (and each of the few `value`s given, such as a colour
    mode), then repeated from memory: for the parts of every page that show only words, links
    and settings (the toolbar's smilies, the header's links). Never around anything that
    depends on the reader, the request (its path, the CSRF token) or the time: it would show
    one reader's to all."""
    nodelist = parser.parse(("endonce_per_language",))
    parser.delete_first_token()
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    return OncePerLanguageNode(nodelist, values)


ONCE_RENDERED: dict[tuple, SafeString] = {}
ONCE_LIMIT = 1000  # a guard: the values given are meant to be few


class OncePerLanguageNode(template.Node):
    def __init__(self, nodelist, values):
        self.nodelist, self.values = nodelist, values

    def render(self, context) -> SafeString:
        key = (
            self,
            get_language(),
            get_script_prefix(),
            *(value.resolve(context) for value in self.values),
        )
        html = ONCE_RENDERED.get(key)
        if html is None:
            if len(ONCE_RENDERED) >= ONCE_LIMIT:
                ONCE_RENDERED.clear()
            html = ONCE_RENDERED[key] = mark_safe(self.nodelist.render(context))  # noqa: S308
        return html


def forget_rendered(**kwargs) -> None:
    """A changed setting (tests' override_settings) may change what the blocks show."""
    ONCE_RENDERED.clear()
    board_time_in.cache_clear()
    static_once.cache_clear()


setting_changed.connect(forget_rendered)
