"""@mentions: `@Name`, `@"Name with spaces"` and vBulletin's `[MENTION]Name[/MENTION]`.

A mention of a member who exists becomes a link to their profile when the post is rendered
(forum.actions, beside the BBCode), and notifies them once the post is seen by everyone
(community.notices), only if they may see the thread. At most BOARD_MAX_MENTIONS members per
post are linked and notified, so a post cannot page the whole board.
"""

import html
import re

from django.conf import settings

from accounts.models import User, username_key
from forum.markup import without_quotes

NAME_MAX = 40
# How many candidate names one post may make us look up, whatever it holds.
CANDIDATES_MAX = 20

_SOURCE_RE = re.compile(
    rf"\[mention\]([^\[\]\n]{{1,{NAME_MAX}}})\[/mention\]"
    rf"|(?<![\w.@])@\"([^\"\n]{{1,{NAME_MAX}}})\""
    rf"|(?<![\w.@&])@([\w.\-]{{1,{NAME_MAX}}})",
    re.I,
)
# The same forms as they stand in rendered, escaped HTML text.
_HTML_RE = re.compile(
    rf"\[mention\]([^\[\]<\n]{{1,{NAME_MAX * 6}}}?)\[/mention\]"
    rf"|(?<![\w.@])@&quot;([^<\n]{{1,{NAME_MAX * 6}}}?)&quot;"
    rf"|(?<![\w.@&;])@([\w.\-]{{1,{NAME_MAX}}})",
    re.I,
)
_TAG_RE = re.compile(r"(<[^>]*>)")
_SKIP_TAGS = {"a", "pre", "code"}


def mentioned_names(source: str) -> list[str]:
    """The names a source mentions, in order, without repeats; quoted text left out."""
    names, seen = [], set()
    for match in _SOURCE_RE.finditer(without_quotes(source)):
        name = next(group for group in match.groups() if group).strip().rstrip(".-")
        key = username_key(name)
        if key and key not in seen:
            seen.add(key)
            names.append(name)
            if len(names) == CANDIDATES_MAX:
                break
    return names


def mentioned_members(source: str) -> list[User]:
    """The active members a source mentions, at most BOARD_MAX_MENTIONS, in order. One query,
    none when the source mentions nobody."""
    names = mentioned_names(source)
    if not names:
        return []
    keys = [username_key(name) for name in names]
    found = {m.username_key: m for m in User.objects.filter(username_key__in=keys, is_active=True)}
    members = [found[key] for key in dict.fromkeys(keys) if key in found]
    return members[: settings.BOARD_MAX_MENTIONS]


def link_mentions(body_html: str, members: list[User]) -> str:
    """`body_html` with the mentions of `members` made links to their profiles; text inside
    links and code boxes is left alone. The names come from the database, escaped."""
    if not members:
        return body_html
    by_key = {member.username_key: member for member in members}

    def linked(match: re.Match[str]) -> str:
        name = html.unescape(next(group for group in match.groups() if group)).strip()
        after = ""
        if match.group(3):  # "@Name." ends a sentence: the stop is not part of the name
            after = name[len(name.rstrip(".-")) :]
            name = name.rstrip(".-")
        member = by_key.get(username_key(name))
        if member is None:
            return match.group(0)
        url = html.escape(member.get_absolute_url())
        return f'<a class="mention" href="{url}">@{html.escape(member.username)}</a>{after}'

    parts, skipping = [], []
    for part in _TAG_RE.split(body_html):
        if part.startswith("<"):
            name = part[1:].lstrip("/").split(" ", 1)[0].split(">", 1)[0].lower()
            if name in _SKIP_TAGS:
                if part.startswith("</"):
                    if skipping:
                        skipping.pop()
                elif not part.endswith("/>"):
                    skipping.append(name)
            parts.append(part)
        elif skipping or "@" not in part and "[" not in part:
            parts.append(part)
        else:
            parts.append(_HTML_RE.sub(linked, part))
    return "".join(parts)
