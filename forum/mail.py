"""The mail forum's moderation sends a member: the note about a warning or an infraction.

Enqueued in the transaction that gives it (forum.actions.give_infraction), sent by the task
worker with retries (config/tasks.py). The task carries only the infraction's id.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation

from config.tasks import retried_on_failure
from forum.models import Infraction


def infraction_mail(infraction: Infraction) -> EmailMessage:
    member, post = infraction.member, infraction.post
    site_url = settings.BOARD_SITE_URL.rstrip("/")
    if infraction.is_warning:
        what, subject = "a warning", f"A warning on {settings.BOARD_NAME}"
    else:
        expiry = "they do not expire"
        if infraction.expires_at is not None:
            expiry = (
                f"they count until {timezone.localtime(infraction.expires_at):%Y-%m-%d %H:%M %Z}"
            )
        what = f"an infraction of {infraction.points} points ({expiry})"
        subject = f"An infraction on {settings.BOARD_NAME}"
    body = (
        f"Hello {member},\n\n"
        f"A moderator gave you {what} for your post:\n"
        f"{site_url}{reverse('forum:post_permalink', args=[post.pk])}\n\n"
        f"Reason: {infraction.reason}\n\n"
        "Points add up while they count, and enough of them bring a temporary ban. "
        f"Your warnings and infractions:\n{site_url}"
        f"{reverse('forum:member_infractions', args=[member.pk])}\n"
    )
    return EmailMessage(subject=subject, body=body, to=[member.email])


@task()
def send_infraction_mail(infraction_id: int, attempt: int = 1) -> str:
    infraction = (
        Infraction.objects.select_related("member", "post")
        .filter(pk=infraction_id, reversed_at=None)
        .first()
    )
    if infraction is None:
        return "not sent: the infraction is gone or reversed"
    if not (infraction.member.is_active and infraction.member.email):
        return "not sent: the member has no address"
    with (
        retried_on_failure(send_infraction_mail, infraction_id, attempt=attempt),
        translation.override(infraction.member.mail_language),
    ):
        infraction_mail(infraction).send()
    return "sent"
