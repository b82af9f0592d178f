"""What the board keeps about a member, for "download my data" and for erasure.

Each app says what it keeps by registering a part in its AppConfig.ready():

    personal_data.register(
        "posts",                      # the part's name: a key of the JSON archive
        export=export_posts,          # member -> JSON-able data (lists, dicts, str, numbers)
        files=post_archive_files,     # member -> {file name: str or bytes}, files in the zip
        erase=erase_posts,            # (member, old_username) -> None, inside erasure's transaction
    )

accounts' own part (the profile, address changes, login records) is registered below; forum
registers posts and threads, following subscriptions and read marks. Erasure runs every part's
`erase` in one transaction, in the order registered, then wipes the account row itself
(accounts.actions.erase_member), so a part may still read the member's old fields.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import (
    AccountEvent,
    AddressRecord,
    DataExport,
    EmailChange,
    MemberSession,
    User,
)


@dataclass(frozen=True)
class Part:
    name: str
    export: Callable[[User], object] | None = None
    files: Callable[[User], dict[str, str | bytes]] | None = None
    erase: Callable[[User, str], None] | None = None


PARTS: dict[str, Part] = {}


def register(name: str, *, export=None, files=None, erase=None) -> None:
    """Adds (or replaces, when an app's ready() runs twice) the part called `name`."""
    PARTS[name] = Part(name, export=export, files=files, erase=erase)


def stamp(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_account(member: User) -> dict:
    return {
        "id": member.pk,
        "username": member.username,
        "email": member.email,
        "email_confirmed": member.email_confirmed,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "user_title": member.user_title,
        "location": member.location,
        "time_zone": member.time_zone,
        "signature": member.signature,
        "subscribe_on_reply": member.subscribe_on_reply,
        "post_count": member.post_count,
        "date_joined": stamp(member.date_joined),
        "last_login": stamp(member.last_login),
        "last_activity_at": stamp(member.last_activity_at),
        "two_factor": member.has_two_factor,
        "is_banned": member.is_banned,
        "ban_reason": member.ban_reason,
        "banned_until": stamp(member.banned_until),
    }


def export_records(member: User) -> dict:
    return {
        "email_changes": [
            {
                "from": change.old_email,
                "to": change.new_email,
                "requested_at": stamp(change.requested_at),
                "confirmed_at": stamp(change.confirmed_at),
                "undone_at": stamp(change.undone_at),
            }
            for change in EmailChange.objects.filter(member=member).order_by("pk")
        ],
        # Kept BOARD_ADDRESS_DAYS for moderators, then erased (erase_old_addresses).
        "addresses": [
            {"address": row.address, "what": row.kind, "at": stamp(row.created_at)}
            for row in AddressRecord.objects.filter(member=member).order_by("pk")
        ],
        "sessions": [
            {
                "device": row.user_agent,
                "address": row.address,
                "since": stamp(row.created_at),
                "last_seen": stamp(row.last_seen_at),
            }
            for row in MemberSession.objects.filter(member=member).order_by("pk")
        ],
    }


def erase_records(member: User, old_username: str) -> None:
    """Addresses, login records, sessions and data archives go; the email change records and
    the account log lose the addresses (their dates stay, as the account's history)."""
    AddressRecord.objects.filter(member=member).delete()
    DataExport.objects.filter(member=member).delete()
    EmailChange.objects.filter(member=member).update(old_email="", new_email="erased@invalid")
    AccountEvent.objects.filter(
        member=member, kind__in=[AccountEvent.EMAIL_CHANGED, AccountEvent.EMAIL_RESTORED]
    ).update(note="")
    from accounts.sessions import end_sessions

    end_sessions(member)


register("account", export=export_account)
register("records", export=export_records, erase=erase_records)


def collect(member: User) -> tuple[dict, dict[str, str | bytes]]:
    """Every part's data (JSON-able, by part name) and extra files, for the archive."""
    data = {"exported_at": stamp(timezone.now())}
    files: dict[str, str | bytes] = {}
    for part in PARTS.values():
        if part.export is not None:
            data[part.name] = part.export(member)
        if part.files is not None:
            files.update(part.files(member))
    return data, files


def erase_parts(member: User, old_username: str) -> None:
    for part in PARTS.values():
        if part.erase is not None:
            part.erase(member, old_username)
