"""The bell's notices about a post (replies in followed threads, quotes, @mentions), written by
a background task once the post is seen by everyone, and the mail for each notice a member
chose to receive by mail.

The post's transaction enqueues `notify_about_post` (forum.actions, beside the reply mail);
the task adds each notice and its count in one transaction. A member is told only about a
thread they may see: Thread.objects.visible_to(member), which per-forum permissions extend.
"""

import logging
import re

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.validators import fold_lines
from community.actions import notify
from community.mentions import mentioned_members
from community.models import Notice
from config.tasks import retried_on_failure
from following.models import Subscription
from forum.models import Post, Thread

log = logging.getLogger(__name__)
_QUOTED_POST_RE = re.compile(r"\[quote=[^\[\]\n;]{0,100};\s*(\d{1,18})\]", re.I)
QUOTES_MAX = 10


def may_see(member: User, thread: Thread) -> bool:
    return member.is_active and Thread.objects.visible_to(member).filter(pk=thread.pk).exists()


@task()
def notify_about_post(post_id: int) -> int:
    return notices_for_post(post_id)


@transaction.atomic
def notices_for_post(post_id: int) -> int:
    """Adds the notices a post owes; returns how many. A member gets one notice per post: a
    mention before a quote before a reply."""
    post = Post.objects.select_related("thread", "author").filter(pk=post_id).first()
    if post is None or post.is_removed or post.is_held:
        return 0
    if post.thread.is_removed or post.thread.is_held:
        return 0
    told = {post.author_id}
    count = 0
    owed = (
        (Notice.MENTION, mentioned_members(post.body)),
        (Notice.QUOTE, quoted_authors(post)),
        (Notice.REPLY, followers(post)),
    )
    # The bell counters are on the members' rows: lock them in id order first, as recount does,
    # so that two transactions counting the same members never wait on each other in a circle.
    User.objects.lock_in_order({member.pk for _, members in owed for member in members})
    for kind, members in owed:
        for member in members:
            if member.pk in told or not may_see(member, post.thread):
                continue
            told.add(member.pk)
            count += (
                notify(
                    recipient=member, kind=kind, actor=post.author, post=post, thread=post.thread
                )
                is not None
            )
    return count


def quoted_authors(post: Post) -> list[User]:
    ids = {int(found) for found in _QUOTED_POST_RE.findall(post.body)[:QUOTES_MAX]}
    if not ids:
        return []
    quoted = Post.objects.filter(pk__in=ids, thread=post.thread).values("author_id")
    return list(User.objects.filter(pk__in=quoted))


def followers(post: Post) -> list[User]:
    """Members following the post's thread (those following its forum get the mail only)."""
    if post.number == 1:
        return []
    ids = Subscription.objects.filter(thread=post.thread).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


@task()
def mail_notice(notice_id: int, attempt: int = 1) -> str:
    """Mails one notice, at most once (its mailed_at is set before sending), and only while
    its thread is one the member may see: access can be lost between the notice and the mail
    (the thread moved or removed, the member's group changed)."""
    recipient = Notice.objects.filter(pk=notice_id).values_list("recipient", flat=True).first()
    member = User.objects.filter(pk=recipient).first() if recipient else None
    if member is None or not Notice.objects.for_member(member).filter(pk=notice_id).exists():
        return "not sent: gone, or about a thread the member may no longer see"
    claimed = Notice.objects.filter(pk=notice_id, mailed_at=None).update(mailed_at=timezone.now())
    if not claimed:
        return "not sent: already sent or gone"
    notice = Notice.objects.select_related("recipient", "actor", "thread", "post").get(pk=notice_id)
    member = notice.recipient
    if not (member.is_active and member.email):
        return "not sent: the member may no longer receive it"
    with retried_on_failure(mail_notice, notice_id, attempt=attempt):
        try:
            with translation.override(member.mail_language):
                notice_mail(notice).send()
        except Exception:
            Notice.objects.filter(pk=notice_id).update(mailed_at=None)
            log.exception("Could not mail notice %s", notice_id)
            raise
    return "sent"


def notice_mail(notice: Notice) -> EmailMessage:
    site_url = settings.BOARD_SITE_URL.rstrip("/")
    sentence = fold_lines(notice.sentence())
    body = _(
        "Hello %(member)s,\n\n%(sentence)s.\n\n%(link)s\n\n"
        "Choose which notifications reach you by mail:\n%(settings)s\n"
    ) % {
        "member": notice.recipient,
        "sentence": sentence,
        "link": site_url + notice.target(),
        "settings": f"{site_url}/notifications/settings/",
    }
    return EmailMessage(subject=sentence[:150], body=body, to=[notice.recipient.email])
