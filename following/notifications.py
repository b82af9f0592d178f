"""Mail to followers when a thread they follow gets a reply.

Sent after the reply commits, from a background thread, so a slow or broken mail server never
slows or breaks posting; a failure is logged. One mail per follower per thread until they visit
the thread again (vBulletin's "instant notification" without the flood).
"""

import logging
import threading

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import close_old_connections, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from following.models import Subscription, ThreadRead
from forum.models import Post

log = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "following.unsubscribe"


def unsubscribe_token(subscription: Subscription) -> str:
    return signing.dumps([subscription.pk, subscription.user_id], salt=UNSUBSCRIBE_SALT)


def subscription_from_token(token: str) -> Subscription | None:
    try:
        pk, user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Subscription.objects.select_related("thread", "forum", "user")
        .filter(pk=pk, user_id=user_id)
        .first()
    )


def notify_after_commit(post: Post) -> None:
    """Schedules the reply's notifications for when (and if) its transaction commits."""
    post_id = post.pk
    if settings.BOARD_MAIL_IN_BACKGROUND:
        transaction.on_commit(
            lambda: threading.Thread(
                target=notify_in_background, args=(post_id,), daemon=True
            ).start()
        )
    else:
        transaction.on_commit(lambda: notify_subscribers(post_id))


def notify_in_background(post_id: int) -> None:
    try:
        notify_subscribers(post_id)
    except Exception:
        log.exception("Reply notifications for post %s failed", post_id)
    finally:
        close_old_connections()


def followers_to_mail(post: Post):
    """Subscriptions owed a mail about `post`: not its author, not inactive or banned members,
    and only those who visited the thread since the last mail."""
    thread = post.thread
    visited_at = Subquery(
        ThreadRead.objects.filter(user=OuterRef("user"), thread=thread).values("read_at")[:1]
    )
    return (
        Subscription.objects.filter(Q(thread=thread) | Q(forum=thread.forum_id))
        .exclude(user=post.author_id)
        .filter(user__is_active=True)
        .annotate(visited_at=visited_at)
        .filter(Q(notified_at__isnull=True) | Q(visited_at__gte=F("notified_at")))
        .select_related("user")
        .order_by("user_id", "thread_id")
    )


def notify_subscribers(post_id: int) -> int:
    """Sends the mails; returns how many went out."""
    post = Post.objects.select_related("thread__forum", "author").filter(pk=post_id).first()
    # A held post or thread is mailed about when it is approved, never before.
    if post is None or post.is_removed or post.is_held:
        return 0
    if post.thread.is_removed or post.thread.is_held:
        return 0
    sent, mailed_users = 0, set()
    for subscription in followers_to_mail(post):
        member = subscription.user
        if member.pk in mailed_users or not member.email or not member.may_post:
            continue
        mailed_users.add(member.pk)
        try:
            reply_mail(post, subscription).send()
        except Exception:
            log.exception("Could not mail %s about post %s", member.pk, post.pk)
            continue
        Subscription.objects.filter(pk=subscription.pk).update(notified_at=timezone.now())
        sent += 1
    return sent


def reply_mail(post: Post, subscription: Subscription) -> EmailMessage:
    thread = post.thread
    site_url = settings.BOARD_SITE_URL.rstrip("/")
    unsubscribe_url = site_url + reverse(
        "following:unsubscribe", args=[unsubscribe_token(subscription)]
    )
    first_unread_url = site_url + reverse("following:thread_first_unread", args=[thread.pk])
    body = (
        f"Hello {subscription.user},\n\n"
        f'{post.author} replied to the thread "{thread.title}" in {thread.forum.name}.\n\n'
        f"Read it here:\n{first_unread_url}\n\n"
        "We will not mail you about this thread again until you have visited it.\n\n"
        f"Stop following it with one click:\n{unsubscribe_url}\n"
    )
    return EmailMessage(
        subject=f"Reply to thread: {thread.title}",
        body=body,
        to=[subscription.user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
