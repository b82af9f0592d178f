"""Writes to a member's own account that touch several rows: email changes, deactivation and
erasure. Each is one transaction, and logs what it did (AccountEvent)."""

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import personal_data
from accounts.models import AccountEvent, EmailChange, User
from accounts.sessions import end_sessions
from forum import pagecache


class EmailChangeRefused(Exception):
    """A link that no longer applies: used, undone, or the address was taken meanwhile."""


@transaction.atomic
def request_email_change(*, member: User, new_email: str) -> EmailChange:
    """Records the request; the mails (a link to the new address, a notice with an undo link
    to the old one) are sent by accounts.mail once it commits. Nothing changes yet."""
    return EmailChange.objects.create(member=member, old_email=member.email, new_email=new_email)


def lock_member_row(pk: int) -> User:
    return User.objects.select_for_update().get(pk=pk)


@transaction.atomic
def confirm_email_change(*, change_id: int) -> EmailChange:
    """Moves the account to the new address, once: the request must be the member's latest,
    unconfirmed and not undone, and the account must still use the address it was made from."""
    change = EmailChange.objects.select_for_update().select_related("member").get(pk=change_id)
    member = lock_member_row(change.member_id)
    latest = EmailChange.objects.filter(member=member).order_by("-pk").values_list("pk")[:1]
    if (
        change.confirmed_at is not None
        or change.undone_at is not None
        or change.pk not in {pk for (pk,) in latest}
        or member.email.lower() != change.old_email.lower()
        or not member.is_active
    ):
        raise EmailChangeRefused(_("That link has been used already or is no longer valid."))
    if User.objects.filter(email__iexact=change.new_email).exclude(pk=member.pk).exists():
        raise EmailChangeRefused(_("That address now belongs to another account: nothing changed."))
    try:
        with transaction.atomic():
            User.objects.filter(pk=member.pk).update(email=change.new_email, email_confirmed=True)
    except IntegrityError:  # taken in the same instant
        raise EmailChangeRefused(
            _("That address now belongs to another account: nothing changed.")
        ) from None
    change.confirmed_at = timezone.now()
    change.save(update_fields=["confirmed_at"])
    AccountEvent.objects.create(
        member=member,
        by=member,
        kind=AccountEvent.EMAIL_CHANGED,
        note=f"{change.old_email or '(none)'} to {change.new_email}",
    )
    return change


@transaction.atomic
def undo_email_change(*, change_id: int) -> EmailChange:
    """From the old address's notice: puts the old address back (before or after the change
    was confirmed) and ends every session, in case someone else asked for the change."""
    change = EmailChange.objects.select_for_update().get(pk=change_id)
    member = lock_member_row(change.member_id)
    if change.undone_at is not None or member.erased_at is not None:
        raise EmailChangeRefused(_("That change has been undone already."))
    if change.confirmed_at is not None and member.email.lower() != change.new_email.lower():
        raise EmailChangeRefused(
            _("The account's address has changed again since: nothing changed.")
        )
    if change.confirmed_at is not None:
        if User.objects.filter(email__iexact=change.old_email).exclude(pk=member.pk).exists():
            raise EmailChangeRefused(_("That address now belongs to another account."))
        User.objects.filter(pk=member.pk).update(email=change.old_email)
    change.undone_at = timezone.now()
    change.save(update_fields=["undone_at"])
    end_sessions(member)
    AccountEvent.objects.create(
        member=member,
        kind=AccountEvent.EMAIL_RESTORED,
        note=f"back to {change.old_email or '(none)'}",
    )
    return change


@transaction.atomic
def deactivate_member(*, member: User, by: User) -> User:
    """The member leaves but may come back: logging in again with their password reopens the
    account (accounts.forms.LoginForm). Profile and posts stay as they are."""
    member = lock_member_row(member.pk)
    User.objects.filter(pk=member.pk).update(is_active=False, deactivated_at=timezone.now())
    end_sessions(member)
    AccountEvent.objects.create(member=member, by=by, kind=AccountEvent.DEACTIVATED)
    stale_member(member)
    return member


@transaction.atomic
def reactivate_member(*, member: User) -> None:
    User.objects.filter(pk=member.pk, deactivated_at__isnull=False, erased_at=None).update(
        is_active=True, deactivated_at=None
    )
    member.is_active, member.deactivated_at = True, None
    stale_member(member)


def stale_member(member: User) -> None:
    """What a change to a member shown on pages makes stale, on commit: their profile and
    postbits, and the board's lists (the member list)."""
    transaction.on_commit(lambda: pagecache.stale(member=member.pk, lists=True))


def former_name(member: User) -> str:
    return f"Former member #{member.pk}"


@transaction.atomic
def erase_member(*, member: User, by: User) -> User:
    """Anonymises the account for good: every app's part first (accounts.personal_data), then
    the row itself becomes "Former member #N" with no address, password, profile or rights.
    The row stays, so posts (Post.author is PROTECT) keep their author and threads their sense.
    """
    member = lock_member_row(member.pk)
    if member.erased_at is not None:
        return member
    old_username = member.username
    personal_data.erase_parts(member, old_username)
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=member).delete()
    StaticDevice.objects.filter(user=member).delete()
    member.groups.set(Group.objects.none())
    member.user_permissions.set(Permission.objects.none())
    member.username = former_name(member)
    for field in [
        "email",
        "first_name",
        "last_name",
        "user_title",
        "signature",
        "signature_html",
        "location",
        "time_zone",
    ]:
        setattr(member, field, "")
    member.set_unusable_password()
    member.email_confirmed = member.has_two_factor = False
    member.is_active = member.is_staff = member.is_superuser = False
    member.subscribe_on_reply = False
    member.last_login = None
    member.erased_at = timezone.now()
    member.deactivated_at = None
    member.save()
    AccountEvent.objects.create(
        member=member,
        by=by,
        kind=AccountEvent.ERASED,
        note="by the member" if by.pk == member.pk else "by staff",
    )
    # Their old name may show on any page (quotes, last posters, who is online).
    transaction.on_commit(pagecache.note_write)
    return member


def log_sessions_ended(*, member: User, count: int) -> None:
    AccountEvent.objects.create(
        member=member, by=member, kind=AccountEvent.SESSIONS_ENDED, note=f"{count} ended"
    )
