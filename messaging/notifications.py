"""Mail about a new private message: written as a task in the message's transaction, sent by
the worker, once per conversation until the member reads it (Participant.notified_at), with a
signed one-click link that turns these mails off (User.mail_on_message)."""

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.validators import fold_lines
from config.tasks import retried_on_failure

log = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "messaging.unsubscribe"


def unsubscribe_token(member: User) -> str:
    return signing.dumps(member.pk, salt=UNSUBSCRIBE_SALT)


def member_from_token(token: str) -> User | None:
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def enqueue_message_mail(place_id: int, message_id: int) -> None:
    send_message_mail.enqueue(place_id, message_id)


@task()
def send_message_mail(place_id: int, message_id: int, attempt: int = 1) -> str:
    """Sends one member's mail about a new message, at most once: the worker claims
    Participant.mail_sent_at before sending and frees it when the mail server refuses."""
    from messaging.models import Message, Participant

    place = Participant.objects.select_related("user").filter(pk=place_id).first()
    message = Message.objects.select_related("conversation", "author").filter(pk=message_id).first()
    if place is None or message is None or place.has_left or not place.is_unread:
        return "not sent: read, left or gone"
    member = place.user
    if not (member.is_active and member.email and member.mail_on_message):
        return "not sent: the member may no longer receive it"
    if member.ignores(message.author):
        return "not sent: the member ignores the author"
    claimed = Participant.objects.filter(
        pk=place_id, notified_at__isnull=False, mail_sent_at__isnull=True
    ).update(mail_sent_at=timezone.now())
    if not claimed:
        return "not sent: already sent"
    with retried_on_failure(send_message_mail, place_id, message_id, attempt=attempt):
        try:
            with translation.override(member.mail_language):
                message_mail(message, member).send()
        except Exception:
            Participant.objects.filter(pk=place_id).update(mail_sent_at=None)
            log.exception("Could not mail %s about message %s", member.pk, message_id)
            raise
    return "sent"


def message_mail(message, member: User) -> EmailMessage:
    site_url = settings.BOARD_SITE_URL.rstrip("/")
    unsubscribe_url = site_url + reverse("messaging:unsubscribe", args=[unsubscribe_token(member)])
    conversation_url = site_url + message.conversation.get_absolute_url()
    subject = fold_lines(message.conversation.subject)
    author = message.author or _("A former member")
    body = _(
        "Hello %(member)s,\n\n"
        '%(author)s sent you a private message: "%(subject)s".\n\n'
        "Read it here (log in first):\n%(link)s\n\n"
        "We will not mail you about this conversation again until you have read it.\n\n"
        "Stop these mails with one click:\n%(unsubscribe)s\n"
    ) % {
        "member": member,
        "author": author,
        "subject": subject,
        "link": conversation_url,
        "unsubscribe": unsubscribe_url,
    }
    return EmailMessage(
        subject=_("New private message: %(subject)s") % {"subject": subject},
        body=body,
        to=[member.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
