"""Mail to followers when a thread they follow gets a reply: built here, sent by the task worker.

The reply's transaction writes one task (`notify_followers`); the worker turns it into one
`send_reply_mail` task per follower owed a mail, and each of those sends at most once, guarded
by its key (following.models.Notification), retrying with backoff while the mail server fails
(config/tasks.py). One mail per follower per thread until they visit the thread again
(vBulletin's "instant notification" without the flood).
"""

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.validators import fold_lines
from config.tasks import retried_on_failure
from following.models import Notification, Subscription, ThreadRead
from forum.models import READ, Post

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


@task()
def notify_followers(post_id: int) -> int:
    return notify_subscribers(post_id)


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


@transaction.atomic
def notify_subscribers(post_id: int) -> int:
    """Enqueues one mail per follower owed one and marks them notified, in one transaction;
    returns how many. The subscriptions are locked, so a concurrent reply's run waits and then
    sees them notified."""
    post = Post.objects.select_related("thread__forum", "author").filter(pk=post_id).first()
    # A held post or thread is mailed about when it is approved, never before.
    if post is None or post.is_removed or post.is_held:
        return 0
    if post.thread.is_removed or post.thread.is_held:
        return 0
    owed, mailed_users = [], set()
    for subscription in followers_to_mail(post).select_for_update(of=("self",)):
        member = subscription.user
        if member.pk in mailed_users or not member.email or not member.may_post:
            continue
        if member.ignores(post.author):  # their ignore list: no mail about that member
            continue
        if not post.thread.forum.permits(member, READ):
            continue  # a member who lost access to the forum hears no more of it
        mailed_users.add(member.pk)
        owed.append(subscription.pk)
    Subscription.objects.filter(pk__in=owed).update(notified_at=timezone.now())
    for subscription_id in owed:
        send_reply_mail.enqueue(post_id, subscription_id)
    return len(owed)


@task()
def send_reply_mail(post_id: int, subscription_id: int, attempt: int = 1) -> str:
    """Sends one follower's mail about a reply, at most once (see Notification)."""
    subscription = Subscription.objects.select_related("user").filter(pk=subscription_id).first()
    post = Post.objects.select_related("thread__forum", "author").filter(pk=post_id).first()
    if subscription is None or post is None or post.is_removed or post.thread.is_removed:
        return "not sent: the post or the subscription is gone"
    member = subscription.user
    if not (member.is_active and member.email and member.may_post):
        return "not sent: the member may no longer receive it"
    if member.ignores(post.author):
        return "not sent: the member ignores the author"
    if not post.thread.forum.permits(member, READ):
        return "not sent: the member may no longer read the forum"
    # Committed before sending: a second run of this task finds it and sends nothing.
    claim, is_new = Notification.objects.get_or_create(post=post, user=member)
    if not is_new:
        return "not sent: already sent"
    with retried_on_failure(send_reply_mail, post_id, subscription_id, attempt=attempt):
        try:
            with translation.override(member.mail_language):
                reply_mail(post, subscription).send()
        except Exception:
            # The server refused it, so it was not sent: free the key for the next attempt.
            claim.delete()
            log.exception("Could not mail %s about post %s", member.pk, post_id)
            raise
    Notification.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
    return "sent"


def reply_mail(post: Post, subscription: Subscription) -> EmailMessage:
    thread = post.thread
    site_url = settings.BOARD_SITE_URL.rstrip("/")
    unsubscribe_url = site_url + reverse(
        "following:unsubscribe", args=[unsubscribe_token(subscription)]
    )
    first_unread_url = site_url + reverse("following:thread_first_unread", args=[thread.pk])
    # A title stored with a line break (before titles were refused one) would make the subject
    # an invalid header and the mail fail.
    title = fold_lines(thread.title)
    body = _(
        "Hello %(member)s,\n\n"
        '%(author)s replied to the thread "%(title)s" in %(forum)s.\n\n'
        "Read it here:\n%(link)s\n\n"
        "We will not mail you about this thread again until you have visited it.\n\n"
        "Stop following it with one click:\n%(unsubscribe)s\n"
    ) % {
        "member": subscription.user,
        "author": post.author,
        "title": title,
        "forum": thread.forum.name,
        "link": first_unread_url,
        "unsubscribe": unsubscribe_url,
    }
    return EmailMessage(
        subject=_("Reply to thread: %(title)s") % {"title": title},
        body=body,
        to=[subscription.user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
