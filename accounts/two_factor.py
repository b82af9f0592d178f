"""Two-factor login: a TOTP authenticator app (django-otp's TOTPDevice) and ten one-use recovery
codes (its StaticDevice), for any member; BOARD_STAFF_TWO_FACTOR makes the admin refuse staff
sessions that did not pass the second step.

Logging in is two steps. The password step (accounts.views.LoginView, throttled in
accounts.backends like every login) does not log a member with two-factor in: it keeps their id
and the time in the session, and the code step (accounts.views.login_code) logs them in once a
code is right. Wrong codes count as failed logins of the account (accounts.throttle), so the
password and the code share one limit; django-otp also slows each device after failures.

Recovery codes are stored as keyed hashes (recovery_code_hash), never as they were shown: a
copy of the database, the admin or an export shows no code that logs in. django-otp's own
StaticDevice.verify_token compares the stored text with what was typed, so it would take a
stored hash as a code: verified_device checks recovery codes itself and nothing calls it.

The session remembers which device passed (django-otp's key), so a staff member's admin pages
need no query to know it: User.has_two_factor is on the member's row, the key in the session.
"""

import base64
import time
from urllib.parse import quote

import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountEvent, User

PENDING_KEY = "account_pending_login"
PENDING_SECONDS = 5 * 60  # the code step must follow the password step within this
RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "authenticator"


def unconfirmed_device(member: User) -> TOTPDevice:
    """The device being set up (a new secret the first time), shown as a QR code until the
    member proves it with a code."""
    device = TOTPDevice.objects.filter(user=member, confirmed=False).order_by("pk").first()
    device = device or TOTPDevice.objects.create(user=member, name=DEVICE_NAME, confirmed=False)
    device.user = member  # the QR code's label: no query for the member again
    return device


def confirmed_device(member: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=member, confirmed=True).order_by("pk").first()


def qr_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// address as an inline SVG QR code, made here: no image service sees it."""
    qr = segno.make(otpauth_url(device), error="m")
    # segno writes the SVG itself from the modules: nothing of the member's text is in it as
    # markup, only the path of dark squares.
    return mark_safe(qr.svg_inline(scale=5, border=2, dark="#000", light="#fff", title=""))


def otpauth_url(device: TOTPDevice) -> str:
    label = f"{settings.BOARD_NAME}:{device.user.username}"
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return (
        f"otpauth://totp/{quote(label)}?secret={secret}&issuer={quote(settings.BOARD_NAME)}"
        f"&algorithm=SHA1&digits={device.digits}&period={device.step}"
    )


def secret_text(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def clean_code(raw: str) -> str:
    return "".join((raw or "").split()).replace("-", "").lower()[:40]


@sensitive_variables("code", "codes")
@transaction.atomic
def turn_on(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirms the device with a code from the app and makes new recovery codes, returned to
    show once; None when the code is wrong. The current session counts as having passed."""
    member = request.user
    if not device.verify_token(clean_code(code)):
        return None
    TOTPDevice.objects.filter(user=member).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(member)
    User.objects.filter(pk=member.pk).update(has_two_factor=True)
    member.has_two_factor = True
    AccountEvent.objects.create(member=member, by=member, kind=AccountEvent.TWO_FACTOR_ON)
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    return codes


@sensitive_variables("codes")
def new_recovery_codes(member: User) -> list[str]:
    """Replaces the member's recovery codes; the new ones are returned to show once and only
    their hashes are kept."""
    StaticDevice.objects.filter(user=member).delete()
    static = StaticDevice.objects.create(user=member, name="recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=static, token=recovery_code_hash(member.pk, code)) for code in codes
    )
    return codes


RECOVERY_HASH_SALT = "accounts.two_factor.recovery_code"


def recovery_code_hash(member_id: int, code: str, secret: str | None = None) -> str:
    """What is stored for a recovery code: an HMAC-SHA256 keyed with SECRET_KEY, of the member's
    id and the code (the same code of two members hashes apart), 96 bits in base64 to fit
    django-otp's 16-character column. The codes are random (40 bits), so a fast keyed hash is
    enough: without the key, a copy of the table cannot be tried against. The data migration
    accounts/0017_fixes_hashed_recovery_codes has its own copy of this: keep them equal."""
    digest = salted_hmac(
        RECOVERY_HASH_SALT, f"{member_id}:{code}", secret=secret, algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode("ascii")


@sensitive_variables("code", "hashes")
def use_recovery_code(member: User, code: str) -> StaticDevice | None:
    """The member's recovery-code device if `code` is one of their codes, which is then used
    up; None otherwise. Compared in constant time against every stored hash (under the current
    key and SECRET_KEY_FALLBACKS', so rotating the key keeps the codes working); the delete
    that uses a code up is the test, so two logins racing with one code cannot both pass.
    django-otp's throttling of the device (a wait doubling with each failure) is kept."""
    static = StaticDevice.objects.filter(user=member).first()
    if static is None or not static.verify_is_allowed()[0]:
        return None
    hashes = [
        recovery_code_hash(member.pk, code, secret)
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]
    match = None
    for token in StaticToken.objects.filter(device=static).only("pk", "token"):
        if any(constant_time_compare(token.token, wanted) for wanted in hashes):
            match = token
    if match is None or not StaticToken.objects.filter(pk=match.pk).delete()[0]:
        static.throttle_increment()
        return None
    static.throttle_reset(commit=False)
    static.set_last_used_timestamp(commit=False)
    static.save()
    return static


@transaction.atomic
def turn_off(member: User, *, by: User) -> None:
    TOTPDevice.objects.filter(user=member).delete()
    StaticDevice.objects.filter(user=member).delete()
    User.objects.filter(pk=member.pk).update(has_two_factor=False)
    member.has_two_factor = False
    AccountEvent.objects.create(member=member, by=by, kind=AccountEvent.TWO_FACTOR_OFF)


@sensitive_variables("code")
def verified_device(member: User, code: str):
    """The member's device that accepts `code` (the app's code, or a recovery code, used up),
    or None."""
    code = clean_code(code)
    if not code:
        return None
    if code.isdigit():
        device = confirmed_device(member)
        return device if device is not None and device.verify_token(code) else None
    return use_recovery_code(member, code)


WRONG_CODE = gettext_lazy(
    "That code is not right. Codes change every 30 seconds: type the one your app shows now."
)
SLOW_DOWN = gettext_lazy(
    "Too many wrong codes in a row: wait a few seconds, then type the code your app shows."
)


def code_refusal(member: User) -> str:
    """Why a code was refused: wrong, or django-otp slowing the device after wrong ones (the
    wait doubles with each failure)."""
    device = TOTPDevice.objects.filter(user=member).order_by("-confirmed", "pk").first()
    # The first waits (1 s, 2 s) pass before a person has typed again: say so from the third.
    waiting = device is not None and device.throttling_failure_count >= 3
    if waiting and not device.verify_is_allowed()[0]:
        return SLOW_DOWN
    return WRONG_CODE


def recovery_codes_left(member: User) -> int:
    return StaticToken.objects.filter(device__user=member).count()


def begin_login(request: HttpRequest, member: User, backend: str, next_url: str) -> None:
    """After the right password: the code step is next, for a few minutes. A closed account
    (not erased) waits for the code to reopen."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "member": member.pk,
        "backend": backend,
        "at": time.time(),
        "next": next_url,
        "reopen": not member.is_active,
    }


def pending_member(pending: dict | None) -> User | None:
    """The member the code step is for: active, or closed (not erased) when the password step
    found a closed account."""
    if not pending:
        return None
    members = User.objects.filter(pk=pending.get("member"))
    if pending.get("reopen"):
        shown = Q(is_active=True) | Q(is_active=False, deactivated_at__isnull=False, erased_at=None)
        return members.filter(shown).first()
    return members.filter(is_active=True).first()


def pending_login(request: HttpRequest) -> dict | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return pending


def session_passed(request: HttpRequest) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


def admin_refuses(request: HttpRequest) -> bool:
    """The board requires two-factor for staff, and this staff session did not pass it."""
    user = request.user
    if not (settings.BOARD_STAFF_TWO_FACTOR and user.is_authenticated and user.is_staff):
        return False
    return not (user.has_two_factor and session_passed(request))
