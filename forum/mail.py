"""The mail forum's moderation sends a member: the note about a warning or an infraction.

Enqueued in the transaction that gives it (forum.actions.give_infraction), sent by the task
worker with retries (config/tasks.py). The task carries only the infraction's id.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.tasks import retried_on_failure
from forum.models import Infraction


def infraction_mail(infraction: Infraction) -> EmailMessage:
    member, post = infraction.member, infraction.post
    site_url = settings.BOARD_SITE_URL.rstrip("/")
    board = {"board": settings.BOARD_NAME}
    if infraction.is_warning:
        what, subject = _("a warning"), _("A warning on %(board)s") % board
    else:
        expiry = _("they do not expire")
        if infraction.expires_at is not None:
            expiry = _("they count until %(when)s") % {
                "when": f"{timezone.localtime(infraction.expires_at):%Y-%m-%d %H:%M %Z}"
            }
        what = ngettext(
            "an infraction of %(points)d point (%(expiry)s)",
            "an infraction of %(points)d points (%(expiry)s)",
            infraction.points,
        ) % {"points": infraction.points, "expiry": expiry}
        subject = _("An infraction on %(board)s") % board
    body = _(
        "Hello %(member)s,\n\n"
        "A moderator gave you %(what)s for your post:\n%(post)s\n\n"
        "Reason: %(reason)s\n\n"
        "Points add up while they count, and enough of them bring a temporary ban. "
        "Your warnings and infractions:\n%(infractions)s\n"
    ) % {
        "member": member,
        "what": what,
        "post": site_url + reverse("forum:post_permalink", args=[post.pk]),
        "reason": infraction.reason,
        "infractions": site_url + reverse("forum:member_infractions", args=[member.pk]),
    }
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
