from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from forum.links import link

register = template.Library()

# vBulletin's beans: one per ten points, at most ten green (or five red) shown.
POINTS_PER_BEAN = 10
MOST_GOOD_BEANS = 10
MOST_BAD_BEANS = 5
THANKERS_SHOWN = 30


@register.simple_tag
def reputation_beans(member):
    """The member's reputation as beans, with the number for screen readers and tooltips."""
    points = member.reputation
    if points >= 0:
        count, kind = min(MOST_GOOD_BEANS, 1 + points // POINTS_PER_BEAN), "good"
    else:
        count, kind = min(MOST_BAD_BEANS, 1 + (-points - 1) // POINTS_PER_BEAN), "bad"
    return format_html(
        '<span class="rep-beans rep-{}" title="{}"><span aria-hidden="true">{}</span> {}</span>',
        kind,
        _("Reputation: %(points)d") % {"points": points},
        "\u25cf" * count,
        points,
    )


@register.simple_tag
def thanked_by(post):
    """ "Thanks from A, B and C" for a post, from the names kept on its row (no query)."""
    shown = post.thanked_by[:THANKERS_SHOWN]
    links = ((link("members:member_detail", pk), name) for pk, name in shown)
    names = format_html_join(", ", '<a href="{}">{}</a>', links)
    more = len(post.thanked_by) - len(shown)
    tail = _(" and %(count)d more") % {"count": more} if more > 0 else ""
    thanked = ngettext(
        "{count} member thanked {author} for this post: {names}{more}",
        "{count} members thanked {author} for this post: {names}{more}",
        post.thanks_count,
    )
    return format_html(thanked, count=post.thanks_count, author=post.author, names=names, more=tail)
