"""The mail accounts sends (email confirmation, password reset, the note to an address someone
tried to register with), built here and sent by the task worker, retrying while the mail server
fails (config/tasks.py). How much of it anyone may ask for is accounts.throttle's to limit.

The tasks carry only the member's id and the board's address: the signed link is made when the
mail is sent, so no token waits in the task table.
"""

import io
import json
import zipfile

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template import loader
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import personal_data
from accounts.models import DataExport, EmailChange, User
from config.tasks import retried_on_failure

CONFIRM_SALT = "accounts.confirm-email"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def confirmation_mail(member: User, site_url: str) -> EmailMessage:
    token = signing.dumps(member.pk, salt=CONFIRM_SALT)
    link = site_url.rstrip("/") + reverse("accounts:confirm_email", args=[token])
    return EmailMessage(
        subject=_("Confirm your email for %(board)s") % {"board": settings.BOARD_NAME},
        body=_(
            "Hello %(member)s,\n\nConfirm your email address to start posting:\n%(link)s\n\n"
            "The link works for seven days."
        )
        % {"member": member, "link": link},
        to=[member.email],
    )


def member_from_confirmation_token(token: str) -> int | None:
    """The member id a confirmation link was made for, or None if it is forged or too old."""
    try:
        return signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None


def registration_attempt_mail(email: str, site_url: str) -> EmailMessage:
    """To the owner of an address someone registered with again: registration itself says
    nothing, so that it never tells who has an account."""
    site_url = site_url.rstrip("/")
    return EmailMessage(
        subject=_("Someone tried to register on %(board)s with your address")
        % {"board": settings.BOARD_NAME},
        body=_(
            "Hello,\n\nSomeone tried to register a new account on "
            "%(board)s with this email address, which already has an account.\n\n"
            "If it was you, log in: %(login)s\n"
            "or, if you forgot your password, reset it: %(reset)s\n\n"
            "If it was not you, you need do nothing: the new account was not given your address."
        )
        % {
            "board": settings.BOARD_NAME,
            "login": site_url + reverse("accounts:login"),
            "reset": site_url + reverse("accounts:password_reset"),
        },
        to=[email],
    )


def password_reset_mail(member: User, site_url: str) -> EmailMessage:
    protocol, _sep, domain = site_url.rstrip("/").partition("://")
    context = {
        "email": member.email,
        "domain": domain,
        "site_name": settings.BOARD_NAME,
        "uid": urlsafe_base64_encode(force_bytes(member.pk)),
        "user": member,
        "token": default_token_generator.make_token(member),
        "protocol": protocol,
    }
    subject = loader.render_to_string("registration/password_reset_subject.txt", context)
    body = loader.render_to_string("registration/password_reset_email.txt", context)
    return EmailMessage(subject="".join(subject.splitlines()), body=body, to=[member.email])


@task()
def send_confirmation_mail(member_id: int, site_url: str, attempt: int = 1) -> str:
    member = User.objects.filter(pk=member_id, is_active=True).first()
    if member is None or member.email_confirmed or not member.email:
        return "not sent: nothing to confirm"
    with (
        retried_on_failure(send_confirmation_mail, member_id, site_url, attempt=attempt),
        translation.override(member.mail_language),
    ):
        confirmation_mail(member, site_url).send()
    return "sent"


@task()
def send_password_reset_mail(member_id: int, site_url: str, attempt: int = 1) -> str:
    member = User.objects.filter(pk=member_id, is_active=True).first()
    if member is None or not member.has_usable_password() or not member.email:
        return "not sent: the account may not reset its password"
    with (
        retried_on_failure(send_password_reset_mail, member_id, site_url, attempt=attempt),
        translation.override(member.mail_language),
    ):
        password_reset_mail(member, site_url).send()
    return "sent"


@task()
def send_registration_attempt_mail(email: str, site_url: str, attempt: int = 1) -> str:
    with retried_on_failure(send_registration_attempt_mail, email, site_url, attempt=attempt):
        registration_attempt_mail(email, site_url).send()
    return "sent"


EMAIL_CHANGE_SALT = "accounts.email-change"
EMAIL_CHANGE_MAX_AGE = 2 * 24 * 3600
EMAIL_UNDO_SALT = "accounts.email-undo"
EMAIL_UNDO_MAX_AGE = 14 * 24 * 3600
DATA_EXPORT_SALT = "accounts.data-export"


def signed_link(site_url: str, view: str, value: int, salt: str) -> str:
    token = signing.dumps(value, salt=salt)
    return site_url.rstrip("/") + reverse(view, args=[token])


def unsigned(token: str, salt: str, max_age: int) -> int | None:
    """The id a link was signed for, or None when it is forged, altered or too old."""
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def email_change_mail(change: EmailChange, site_url: str) -> EmailMessage:
    member = change.member
    taken = User.objects.filter(email__iexact=change.new_email).exclude(pk=member.pk).exists()
    if taken:
        # Said to the address's owner, never on the page: the page must not tell who has an
        # account (as registration does not).
        body = _(
            "Hello,\n\nThe member %(member)s asked to move their %(board)s account "
            "to this address, which already has an account there. Nothing was changed, and "
            "you need do nothing."
        ) % {"member": member, "board": settings.BOARD_NAME}
    else:
        link = signed_link(site_url, "accounts:email_confirm", change.pk, EMAIL_CHANGE_SALT)
        body = _(
            "Hello %(member)s,\n\nTo use this address for your %(board)s account, "
            "follow this link:\n%(link)s\n\nThe link works for two days. If you did not ask "
            "for this, ignore this mail: nothing changes."
        ) % {"member": member, "board": settings.BOARD_NAME, "link": link}
    return EmailMessage(
        subject=_("Confirm your new email address for %(board)s") % {"board": settings.BOARD_NAME},
        body=body,
        to=[change.new_email],
    )


def email_change_notice(change: EmailChange, site_url: str) -> EmailMessage:
    link = signed_link(site_url, "accounts:email_undo", change.pk, EMAIL_UNDO_SALT)
    return EmailMessage(
        subject=_("Your %(board)s account is moving to another email address")
        % {"board": settings.BOARD_NAME},
        body=_(
            "Hello %(member)s,\n\nSomeone logged in to your account asked to change its "
            "email address from this one to %(new_email)s. It changes when the new address "
            "confirms it.\n\nIf it was not you, undo it (this also logs out every browser logged "
            "in to your account), then change your password:\n%(link)s\n\n"
            "The undo link works for fourteen days."
        )
        % {"member": change.member, "new_email": change.new_email, "link": link},
        to=[change.old_email],
    )


@task()
def send_email_change_mail(change_id: int, site_url: str, attempt: int = 1) -> str:
    change = EmailChange.objects.select_related("member").filter(pk=change_id).first()
    if change is None or change.confirmed_at or change.undone_at:
        return "not sent: nothing to confirm"
    with (
        retried_on_failure(send_email_change_mail, change_id, site_url, attempt=attempt),
        translation.override(change.member.mail_language),
    ):
        email_change_mail(change, site_url).send()
    return "sent"


@task()
def send_email_change_notice(change_id: int, site_url: str, attempt: int = 1) -> str:
    change = EmailChange.objects.select_related("member").filter(pk=change_id).first()
    if change is None or not change.old_email or change.undone_at:
        return "not sent: no old address"
    with (
        retried_on_failure(send_email_change_notice, change_id, site_url, attempt=attempt),
        translation.override(change.member.mail_language),
    ):
        email_change_notice(change, site_url).send()
    return "sent"


def build_archive(member: User) -> bytes:
    """The member's data as a zip: data.json (every part of accounts.personal_data) and the
    parts' own files (their posts in the board's plain-text archive format)."""
    data, files = personal_data.collect(member)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        for name, text in sorted(files.items()):
            archive.writestr(name, text)
    return buffer.getvalue()


@task()
def build_data_export(export_id: int, site_url: str) -> str:
    """Builds the archive, then mails the link in a task of its own (retried on its own)."""
    export = DataExport.objects.select_related("member").filter(pk=export_id).first()
    if export is None or export.ready_at is not None:
        return "nothing to build"
    with transaction.atomic():
        export.archive = build_archive(export.member)
        export.ready_at = timezone.now()
        export.save(update_fields=["archive", "ready_at"])
        DataExport.objects.filter(member=export.member_id, pk__lt=export.pk).delete()
        send_data_export_mail.enqueue(export.pk, site_url)
    return f"built: {len(export.archive)} bytes"


def data_export_mail(export: DataExport, site_url: str) -> EmailMessage:
    link = signed_link(site_url, "accounts:data_download", export.pk, DATA_EXPORT_SALT)
    hours = settings.BOARD_DATA_EXPORT_HOURS
    return EmailMessage(
        subject=_("Your data from %(board)s is ready") % {"board": settings.BOARD_NAME},
        body=ngettext(
            "Hello %(member)s,\n\nThe archive of everything %(board)s keeps "
            "about you is ready. Log in and download it here:\n%(link)s\n\n"
            "The link works for %(hours)d hour.",
            "Hello %(member)s,\n\nThe archive of everything %(board)s keeps "
            "about you is ready. Log in and download it here:\n%(link)s\n\n"
            "The link works for %(hours)d hours.",
            hours,
        )
        % {"member": export.member, "board": settings.BOARD_NAME, "link": link, "hours": hours},
        to=[export.member.email],
    )


@task()
def send_data_export_mail(export_id: int, site_url: str, attempt: int = 1) -> str:
    export = DataExport.objects.select_related("member").filter(pk=export_id).first()
    if export is None or not export.member.email or not export.member.is_active:
        return "not sent: no address"
    with (
        retried_on_failure(send_data_export_mail, export_id, site_url, attempt=attempt),
        translation.override(export.member.mail_language),
    ):
        data_export_mail(export, site_url).send()
    return "sent"
