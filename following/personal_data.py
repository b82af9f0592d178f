"""following's part of a member's data (accounts.personal_data): what they follow, what they
have read, and which reply mails were sent to them. Erasure deletes all of it: it serves
only the member, who is gone."""

from accounts.models import User
from accounts.personal_data import register, stamp
from following.models import ForumRead, Notification, Subscription, ThreadRead


def export_following(member: User) -> dict:
    return {
        "subscriptions": [
            {
                "thread": row.thread_id,
                "forum": row.forum_id,
                "since": stamp(row.created_at),
                "last_mailed_at": stamp(row.notified_at),
            }
            for row in Subscription.objects.filter(user=member).order_by("pk")
        ],
        "thread_read_marks": [
            {
                "thread": row.thread_id,
                "last_read_post": row.last_read_number,
                "at": stamp(row.read_at),
            }
            for row in ThreadRead.objects.filter(user=member).order_by("pk")
        ],
        "forum_read_marks": [
            {"forum": row.forum_id, "marked_at": stamp(row.marked_at)}
            for row in ForumRead.objects.filter(user=member).order_by("pk")
        ],
        "reply_mails": [
            {"post": row.post_id, "sent_at": stamp(row.sent_at)}
            for row in Notification.objects.filter(user=member).order_by("pk")
        ],
    }


def erase_following(member: User, old_username: str) -> None:
    Subscription.objects.filter(user=member).delete()
    ThreadRead.objects.filter(user=member).delete()
    ForumRead.objects.filter(user=member).delete()
    Notification.objects.filter(user=member).delete()


register("following", export=export_following, erase=erase_following)
