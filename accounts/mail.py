"""The mail accounts sends of its own: confirmation links and the note to an address someone
tried to register with. One function per mail, each taking only what a background task could
be given, so that sending them later is a change here only. (Password reset mail is Django's
PasswordResetForm.send_mail.)"""

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse

from accounts.models import User

CONFIRM_SALT = "accounts.confirm-email"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def confirmation_token(member: User) -> str:
    return signing.dumps(member.pk, salt=CONFIRM_SALT)


def member_from_confirmation_token(token: str) -> int | None:
    """The member id a confirmation link was made for, or None if it is forged or too old."""
    try:
        return signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None


def absolute(path: str) -> str:
    return settings.BOARD_SITE_URL.rstrip("/") + path


def send_confirmation_mail(member: User) -> None:
    link = absolute(reverse("accounts:confirm_email", args=[confirmation_token(member)]))
    send_mail(
        f"Confirm your email for {settings.BOARD_NAME}",
        f"Hello {member},\n\nConfirm your email address to start posting:\n{link}\n\n"
        "The link works for seven days.",
        None,
        [member.email],
    )


def send_registration_attempt_mail(email: str) -> None:
    """To the owner of an address someone registered with again: registration itself says
    nothing, so that it never tells who has an account."""
    send_mail(
        f"Someone tried to register on {settings.BOARD_NAME} with your address",
        "Hello,\n\nSomeone tried to register a new account on "
        f"{settings.BOARD_NAME} with this email address, which already has an account.\n\n"
        f"If it was you, log in: {absolute(reverse('accounts:login'))}\n"
        f"or, if you forgot your password, reset it: "
        f"{absolute(reverse('accounts:password_reset'))}\n\n"
        "If it was not you, you need do nothing: the new account was not given your address.",
        None,
        [email],
    )
