"""community's part of a member's data (accounts.personal_data): what they gave (reputation
with its comments, thanks, poll votes) and their notification choices; erasure drops their
notices, mail choices and their presence on Who's Online. Reputation and thanks they gave stay,
under the former name, as their posts do."""

from accounts.models import User
from accounts.personal_data import register, stamp
from community import online
from community.models import Notice, NoticeMail, PollBallot, Presence, Reputation, Thanks
from forum.models import Post


def export_community(member: User) -> dict:
    return {
        "reputation_given": [
            {
                "post": row.post_id,
                "amount": row.amount,
                "comment": row.comment,
                "at": stamp(row.created_at),
            }
            for row in Reputation.objects.filter(giver=member).order_by("pk")
        ],  # fmt: skip
        "thanks_given": [
            {"post": row.post_id} for row in Thanks.objects.filter(member=member).order_by("pk")
        ],
        "poll_votes": [
            {"poll": ballot.poll_id, "options": [option.text for option in ballot.options.all()]}
            for ballot in PollBallot.objects.filter(member=member).prefetch_related("options")
        ],
        "notification_mail": sorted(
            NoticeMail.objects.filter(member=member).values_list("kind", flat=True)
        ),
    }


def erase_community(member: User, old_username: str) -> None:
    Notice.objects.filter(recipient=member).delete()
    NoticeMail.objects.filter(member=member).delete()
    Presence.objects.filter(member=member).delete()
    online.forget_member(member.pk)
    User.objects.filter(pk=member.pk).update(unread_notice_count=0)
    member.unread_notice_count = 0  # erasure saves the row it holds afterwards
    rename_thanks(member, f"Former member #{member.pk}")


def rename_thanks(member: User, new_name: str) -> None:
    """Posts list their thankers by name (Post.thanked_by, [pk, name] pairs): the name goes."""
    posts = Post.objects.filter(pk__in=Thanks.objects.filter(member=member).values("post_id"))
    changed = []
    for post in posts.only("pk", "thanked_by"):
        post.thanked_by = [
            [pk, new_name if pk == member.pk else name] for pk, name in post.thanked_by
        ]
        changed.append(post)
    Post.objects.bulk_update(changed, ["thanked_by"], batch_size=500)


register("community", export=export_community, erase=erase_community)
