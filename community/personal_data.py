"""community's part of a member's data (accounts.personal_data): reputation they gave and
received, their poll ballots, the posts they thanked, their notices and which kinds they have
mailed; and what erasing them does.

Erasure deletes what served only the member: their notices, their mail choices and their
Who's Online entry. Reputation, ballots and thanks stay, as parts of other members' totals
and of the posts' counts, under "Former member #N"; the names stored beside a post's thanks
(Post.thanked_by) take the new name. Others' @mentions of the member stay as the text their
authors wrote, no longer a link to the erased profile.
"""

import html
import re

from django.db import transaction

from accounts.models import User
from accounts.personal_data import register, stamp
from community.models import Notice, NoticeMail, PollBallot, Presence, Reputation, Thanks
from forum.models import Post


def reputation_data(row: Reputation, other: str) -> dict:
    return {
        "post": row.post_id,
        other: getattr(row, other).username,
        "amount": row.amount,
        "comment": row.comment,
        "at": stamp(row.created_at),
    }


def export_community(member: User) -> dict:
    ballots = (
        PollBallot.objects.filter(member=member)
        .select_related("poll")
        .prefetch_related("options")
        .order_by("pk")
    )
    notices = Notice.objects.filter(recipient=member).select_related("actor").order_by("pk")
    return {
        "reputation": member.reputation,
        "reputation_given": [
            reputation_data(row, "receiver")
            for row in Reputation.objects.filter(giver=member).select_related("receiver")
        ],
        "reputation_received": [
            reputation_data(row, "giver")
            for row in Reputation.objects.filter(receiver=member).select_related("giver")
        ],
        "poll_votes": [
            {
                "poll": ballot.poll.question,
                "thread": ballot.poll.thread_id,
                "chose": [option.text for option in ballot.options.all()],
                "at": stamp(ballot.created_at),
            }
            for ballot in ballots
        ],
        "thanks_given": [
            {"post": row.post_id, "at": stamp(row.created_at)}
            for row in Thanks.objects.filter(member=member).order_by("pk")
        ],
        "notices": [
            {
                "kind": notice.kind,
                "from": notice.actor.username if notice.actor else None,
                "post": notice.post_id,
                "thread": notice.thread_id,
                "url": notice.url,
                "at": stamp(notice.created_at),
                "read": notice.is_read,
            }
            for notice in notices
        ],
        "notices_by_mail": sorted(
            NoticeMail.objects.filter(member=member).values_list("kind", flat=True)
        ),
    }


def erase_community(member: User, old_username: str) -> None:
    Notice.objects.filter(recipient=member).delete()
    NoticeMail.objects.filter(member=member).delete()
    Presence.objects.filter(member=member).delete()
    member.unread_notice_count = 0
    User.objects.filter(pk=member.pk).update(unread_notice_count=0)
    from accounts.actions import former_name

    rename_thanks(member, former_name(member))
    unlink_mentions(member)
    from community.online import forget_member

    transaction.on_commit(lambda: forget_member(member.pk))


def unlink_mentions(member: User) -> int:
    """Others' posts keep "@Name" as written, as plain text instead of a link to the erased
    member's profile (community.mentions made it when they were written). Returns how many
    posts changed."""
    link = re.compile(
        r'<a class="mention" href="' + re.escape(html.escape(member.get_absolute_url()))
        + r'">(@[^<]*)</a>'
    )  # fmt: skip
    changed = []
    posts = Post.objects.filter(body_html__contains=f'href="{member.get_absolute_url()}"')
    for post in posts.only("pk", "body_html"):
        body_html = link.sub(r"\1", post.body_html)
        if body_html != post.body_html:
            post.body_html = body_html
            changed.append(post)
    Post.objects.bulk_update(changed, ["body_html"], batch_size=500)
    return len(changed)


def rename_thanks(member: User, new_name: str) -> None:
    """The names listed under posts the member thanked become `new_name`."""
    thanked = Post.objects.filter(pk__in=Thanks.objects.filter(member=member).values("post_id"))
    changed = []
    for post in thanked.only("pk", "thanked_by"):
        post.thanked_by = [
            [pk, new_name if pk == member.pk else name] for pk, name in post.thanked_by
        ]
        changed.append(post)
    Post.objects.bulk_update(changed, ["thanked_by"], batch_size=500)


register("community", export=export_community, erase=erase_community)
