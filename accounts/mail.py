"""The mail accounts sends (email confirmation, password reset, the note to an address someone
tried to register with), built here and sent by the task worker, retrying while the mail server
fails (config/tasks.py). How much of it anyone may ask for is accounts.throttle's to limit.

The tasks carry only the member's id and the board's address: the signed link is made when the
mail is sent, so no token waits in the task table.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import EmailMessage
from django.tasks import task
from django.template import loader
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from config.tasks import retried_on_failure

CONFIRM_SALT = "accounts.confirm-email"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def confirmation_mail(member: User, site_url: str) -> EmailMessage:
    token = signing.dumps(member.pk, salt=CONFIRM_SALT)
    link = site_url.rstrip("/") + reverse("accounts:confirm_email", args=[token])
    return EmailMessage(
        subject=f"Confirm your email for {settings.BOARD_NAME}",
        body=f"Hello {member},\n\nConfirm your email address to start posting:\n{link}\n\n"
        "The link works for seven days.",
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
        subject=f"Someone tried to register on {settings.BOARD_NAME} with your address",
        body="Hello,\n\nSomeone tried to register a new account on "
        f"{settings.BOARD_NAME} with this email address, which already has an account.\n\n"
        f"If it was you, log in: {site_url}{reverse('accounts:login')}\n"
        "or, if you forgot your password, reset it: "
        f"{site_url}{reverse('accounts:password_reset')}\n\n"
        "If it was not you, you need do nothing: the new account was not given your address.",
        to=[email],
    )


def password_reset_mail(member: User, site_url: str) -> EmailMessage:
    protocol, _, domain = site_url.rstrip("/").partition("://")
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
    with retried_on_failure(send_confirmation_mail, member_id, site_url, attempt=attempt):
        confirmation_mail(member, site_url).send()
    return "sent"


@task()
def send_password_reset_mail(member_id: int, site_url: str, attempt: int = 1) -> str:
    member = User.objects.filter(pk=member_id, is_active=True).first()
    if member is None or not member.has_usable_password() or not member.email:
        return "not sent: the account may not reset its password"
    with retried_on_failure(send_password_reset_mail, member_id, site_url, attempt=attempt):
        password_reset_mail(member, site_url).send()
    return "sent"


@task()
def send_registration_attempt_mail(email: str, site_url: str, attempt: int = 1) -> str:
    with retried_on_failure(send_registration_attempt_mail, email, site_url, attempt=attempt):
        registration_attempt_mail(email, site_url).send()
    return "sent"
