"""Every write of private messages, contacts and the ignore list, each in one transaction.

The member's unread count (User.unread_conversation_count) changes in the same transaction as
the Participant.is_unread it counts, and only when that flag flips, so the header's number is
always the number of unread conversations.

Locks are taken in one order everywhere, so that two members writing to each other at once,
or a member reading a conversation in one tab while replying in another, never deadlock:
the members' rows first (all that the write will count for, by id), then the conversation,
then its participants' rows.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import MessagesFrom, User
from community.actions import notify
from community.models import Notice
from forum.actions import PostingRefused, refuse_banned_poster
from forum.markup import count_outside_links, render_bbcode
from messaging.models import (
    Conversation,
    Message,
    MessageReport,
    Participant,
    ReportRead,
)
from messaging.notifications import enqueue_message_mail


class MessageRefused(PostingRefused):
    """The message may not be sent; the text says why, for the member."""


class DuplicateMessage(Exception):
    """The same form was sent again: `message` is what the first submission made."""

    def __init__(self, message: Message):
        super().__init__("This form was already submitted.")
        self.message = message


def lock_members(*member_ids: int) -> dict[int, User]:
    """Locks the members' rows, in id order (see the module's note on lock order)."""
    return User.objects.lock_in_order(member_ids)


def lock_sender(
    sender: User, now: datetime, *, submission_key, address: str | None, others=()
) -> User:
    """Locks the sender's row with those of the members the message will count for (a form
    sent twice, or a burst of messages, is then caught by the second) and refuses who may not
    send now."""
    locked = lock_members(sender.pk, *others)[sender.pk]
    if submission_key is not None:
        earlier = Message.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            raise DuplicateMessage(earlier)
    if locked.is_under_ban:
        raise MessageRefused(locked.ban_message())
    try:
        refuse_banned_poster(locked, address)
    except PostingRefused as refusal:
        raise MessageRefused(str(refusal)) from refusal
    if not locked.may_post:
        raise MessageRefused(_("Confirm your email address before sending private messages."))
    if locked.is_staff:
        return locked
    if locked.post_count < settings.BOARD_PM_MIN_POSTS:
        raise MessageRefused(
            ngettext(
                "Private messages open to members with at least %(needed)d post; "
                "you have %(count)d.",
                "Private messages open to members with at least %(needed)d posts; "
                "you have %(count)d.",
                settings.BOARD_PM_MIN_POSTS,
            )
            % {"needed": settings.BOARD_PM_MIN_POSTS, "count": locked.post_count}
        )
    sent = Message.objects.filter(author=locked, created_at__gte=now - timedelta(hours=1))
    if sent.count() >= settings.BOARD_PM_PER_HOUR:
        raise MessageRefused(
            _(
                "You have sent %(count)d private messages in the last hour, "
                "the most the board allows: please wait a while."
            )
            % {"count": settings.BOARD_PM_PER_HOUR}
        )
    return locked


def stored_count(user: User) -> int:
    return Participant.objects.stored_by(user).count()


def refuse_full_box(sender: User) -> None:
    if not sender.is_staff and stored_count(sender) >= settings.BOARD_PM_QUOTA:
        raise MessageRefused(
            _(
                "You keep %(count)d conversations, the most the board allows: "
                "delete some from your inbox to start new ones."
            )
            % {"count": settings.BOARD_PM_QUOTA}
        )


def refusal_for(sender: User, recipient: User) -> str | None:
    """Why `recipient` may not get a new conversation from `sender`, or None. One wording for
    "off", "contacts only" and "ignores you", so nobody learns which."""
    if recipient.pk == sender.pk:
        return _("You cannot send a private message to yourself.")
    if not recipient.is_active or recipient.is_imported:
        return _("%(member)s cannot receive private messages.") % {"member": recipient}
    if sender.is_staff:
        return None
    refused = _("%(member)s does not accept private messages from you.") % {"member": recipient}
    if recipient.messages_from == MessagesFrom.NOBODY or recipient.ignores(sender):
        return refused
    contacts_only = recipient.messages_from == MessagesFrom.CONTACTS
    if contacts_only and not recipient.contacts.filter(pk=sender.pk).exists():
        return refused
    return None


def refuse_recipients(sender: User, recipients: list[User], *, already: int = 0) -> None:
    """Every recipient must accept the message and have room for it; `already` is how many
    members the conversation holds besides the sender."""
    if not recipients:
        raise MessageRefused(_("Name at least one member to send the message to."))
    most = settings.BOARD_PM_MAX_RECIPIENTS
    if not sender.is_staff and already + len(recipients) > most:
        raise MessageRefused(
            _(
                "A conversation holds at most %(most)d members besides you; "
                "this would make %(count)d."
            )
            % {"most": most, "count": already + len(recipients)}
        )
    problems = [p for p in (refusal_for(sender, member) for member in recipients) if p]
    full = (
        Participant.objects.filter(user__in=recipients, left_at__isnull=True)
        .filter(conversation__last_number__gt=F("cleared_through"))
        .values("user__username")
        .annotate(n=Count("pk"))
        .filter(n__gte=settings.BOARD_PM_QUOTA)
    )
    problems += [
        _("%(member)s's message box is full.") % {"member": row["user__username"]} for row in full
    ]
    if problems:
        raise MessageRefused(" ".join(problems))


def write_message(
    *, conversation: Conversation, author: User, body: str, now: datetime, key
) -> Message:
    """Writes the next message of a locked conversation and moves its last-message fields."""
    body_html = render_bbcode(body)
    # New members' link limit holds here too: spam accounts send links by private message.
    if refusal := author.link_refusal(count_outside_links(body_html)):
        raise MessageRefused(refusal)
    number = conversation.last_number + 1
    message = Message.objects.create(
        conversation=conversation,
        number=number,
        author=author,
        body=body,
        body_html=body_html,
        created_at=now,
        submission_key=key,
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        last_number=number, last_message=message, last_message_at=now
    )
    conversation.last_number, conversation.last_message = number, message
    conversation.last_message_at = now
    return message


def deliver(message: Message, *, now: datetime) -> None:
    """Marks the conversation unread for everyone in it but the author (and those who ignore
    the author), counting each newly unread conversation once, and owes them one mail."""
    places = list(
        Participant.objects.current()
        .filter(conversation=message.conversation_id)
        .select_related("user")
        .select_for_update(of=("self",))
    )
    Participant.objects.filter(pk__in=[p.pk for p in places]).update(last_message_at=now)
    author = message.author
    newly_unread, mail_owed = [], []
    for place in places:
        if place.user_id == author.pk:
            continue
        if place.user.ignores(author):
            continue
        if not place.is_unread:
            newly_unread.append(place)
        if place.notified_at is None and place.user.mail_on_message and place.user.email:
            mail_owed.append(place)
    Participant.objects.filter(pk__in=[p.pk for p in newly_unread]).update(is_unread=True)
    User.objects.filter(pk__in=[p.user_id for p in newly_unread]).update(
        unread_conversation_count=F("unread_conversation_count") + 1
    )
    for place in newly_unread:
        # One bell notice per conversation until it is read, as with the mail: a burst of
        # messages does not fill the bell. It links to the first message they have not read.
        notify_place(place, actor=author, message=message)
    Participant.objects.filter(pk__in=[p.pk for p in mail_owed]).update(
        notified_at=now, mail_sent_at=None
    )
    for place in mail_owed:
        enqueue_message_mail(place.pk, message.pk)
    # The author has read what they wrote, and what came before it.
    own = next(place for place in places if place.user_id == author.pk)
    set_read(own, is_unread=False)
    Participant.objects.filter(pk=own.pk).update(read_through=message.number, notified_at=None)


def notify_place(place: Participant, *, actor: User, message: Message) -> None:
    """The bell's notice (community.Notice) for a member whose conversation became unread;
    their row is already locked by the caller (the module's lock order)."""
    notify(
        recipient=place.user,
        kind=Notice.PRIVATE_MESSAGE,
        actor=actor,
        url=message.location_for(place),
    )


@transaction.atomic
def start_conversation(
    *,
    sender: User,
    recipients: list[User],
    subject: str,
    body: str,
    submission_key=None,
    address: str | None = None,
) -> Message:
    now = timezone.now()
    sender = lock_sender(
        sender, now, submission_key=submission_key, address=address,
        others=[member.pk for member in recipients],
    )  # fmt: skip
    refuse_full_box(sender)
    refuse_recipients(sender, recipients)
    conversation = Conversation.objects.create(subject=subject, started_by=sender, created_at=now)
    Participant.objects.bulk_create(
        Participant(conversation=conversation, user=member, joined_at=now, added_by=sender)
        for member in [sender, *recipients]
    )
    message = write_message(
        conversation=conversation, author=sender, body=body, now=now, key=submission_key
    )
    deliver(message, now=now)
    return message


def lock_conversation(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


@transaction.atomic
def reply(
    *,
    conversation: Conversation,
    sender: User,
    body: str,
    submission_key=None,
    address: str | None = None,
) -> Message:
    now = timezone.now()
    members = Participant.objects.current().filter(conversation=conversation)
    sender = lock_sender(
        sender, now, submission_key=submission_key, address=address,
        others=list(members.values_list("user_id", flat=True)),
    )  # fmt: skip
    conversation = lock_conversation(conversation)
    others = list(
        Participant.objects.current()
        .filter(conversation=conversation)
        .exclude(user=sender)
        .select_related("user")
    )
    if not Participant.objects.current().filter(conversation=conversation, user=sender).exists():
        raise MessageRefused(_("You are no longer in this conversation."))
    if not others:
        raise MessageRefused(_("Everyone else has left this conversation: start a new one."))
    if all(place.user.ignores(sender) for place in others):
        raise MessageRefused(_("Nobody in this conversation accepts private messages from you."))
    message = write_message(
        conversation=conversation, author=sender, body=body, now=now, key=submission_key
    )
    deliver(message, now=now)
    return message


@transaction.atomic
def add_participant(*, conversation: Conversation, by: User, member: User) -> Participant:
    """Any member still in the conversation may bring another in; the newcomer reads it all."""
    now = timezone.now()
    lock_members(by.pk, member.pk)
    conversation = lock_conversation(conversation)
    places = {p.user_id: p for p in Participant.objects.filter(conversation=conversation)}
    if by.pk not in places or places[by.pk].has_left:
        raise MessageRefused(_("You are no longer in this conversation."))
    existing = places.get(member.pk)
    if existing and not existing.has_left:
        raise MessageRefused(_("%(member)s is already in this conversation.") % {"member": member})
    already = sum(1 for p in places.values() if not p.has_left and p.user_id != by.pk)
    refuse_recipients(by, [member], already=already)
    if existing:
        # Back after leaving: they see the conversation again from the start.
        existing.left_at, existing.cleared_through, existing.read_through = None, 0, 0
        existing.added_by, existing.joined_at = by, now
        existing.is_unread = True
        existing.last_message_at = conversation.last_message_at
        existing.save()
        place = existing
    else:
        place = Participant.objects.create(
            conversation=conversation, user=member, joined_at=now, added_by=by,
            last_message_at=conversation.last_message_at, is_unread=True,
        )  # fmt: skip
    User.objects.filter(pk=member.pk).update(
        unread_conversation_count=F("unread_conversation_count") + 1
    )
    place.user = member
    if conversation.last_message_id is not None:
        notify_place(place, actor=by, message=conversation.last_message)
    return place


def lock_place(place: Participant) -> Participant:
    """Locks the member's row, then their place (the module's lock order)."""
    lock_members(place.user_id)
    return Participant.objects.select_for_update().select_related("conversation").get(pk=place.pk)


def read_notices(place: Participant) -> int:
    """Marks read the member's bell notice about the place's conversation (notify_place);
    returns how many, for the caller to take off the member's count."""
    return Notice.objects.filter(
        recipient=place.user_id,
        kind=Notice.PRIVATE_MESSAGE,
        is_read=False,
        url__startswith=reverse("messaging:conversation_detail", args=[place.conversation_id]),
    ).update(is_read=True)


def set_read(place: Participant, *, is_unread: bool) -> None:
    """Flips the unread flag of a locked place and the member's count with it; read (deleted,
    left), its bell notice is read too."""
    if place.is_unread == is_unread:
        return
    place.is_unread = is_unread
    Participant.objects.filter(pk=place.pk).update(is_unread=is_unread)
    if is_unread:
        User.objects.filter(pk=place.user_id).update(
            unread_conversation_count=F("unread_conversation_count") + 1
        )
        return
    # Never below zero, whatever an earlier bug or a hand edit left behind.
    User.objects.filter(pk=place.user_id).update(
        unread_conversation_count=Greatest(F("unread_conversation_count") - 1, Value(0)),
        unread_notice_count=Greatest(F("unread_notice_count") - read_notices(place), Value(0)),
    )


@transaction.atomic
def mark_read(*, place: Participant, through: int, reader: User | None = None) -> bool:
    """The member read the conversation up to message `through`, so one mail is owed again;
    True when that made it read, and then its bell notice is read too. The member's row is
    locked first (the lock order), then conditional updates: reading the unread part costs
    four queries. `reader`, the member's loaded row, gets the new counts (the header)."""
    lock_members(place.user_id)
    read = {"read_through": Greatest("read_through", Value(through))}
    read |= {"notified_at": None, "mail_sent_at": None}
    places = Participant.objects.filter(pk=place.pk)
    # Read only if nothing came after `through` meanwhile (checked under the lock).
    unread = places.filter(is_unread=True, conversation__last_number__lte=through)
    if through < place.conversation.last_number or not unread.update(is_unread=False, **read):
        places.update(**read)
        return False
    noticed = read_notices(place)
    # Never below zero, whatever an earlier bug or a hand edit left behind.
    User.objects.filter(pk=place.user_id).update(
        unread_conversation_count=Greatest(F("unread_conversation_count") - 1, Value(0)),
        unread_notice_count=Greatest(F("unread_notice_count") - noticed, Value(0)),
    )
    if reader is not None:
        reader.unread_conversation_count = max(reader.unread_conversation_count - 1, 0)
        reader.unread_notice_count = max(reader.unread_notice_count - noticed, 0)
    return True


@transaction.atomic
def mark_unread(*, place: Participant) -> None:
    set_read(lock_place(place), is_unread=True)


@transaction.atomic
def delete_for_self(*, place: Participant) -> None:
    """Deletes the conversation as it stands for this member alone; the others keep it. A new
    message brings it back, holding only what came after."""
    place = lock_place(place)
    set_read(place, is_unread=False)
    Participant.objects.filter(pk=place.pk).update(
        cleared_through=place.conversation.last_number,
        read_through=place.conversation.last_number,
    )


@transaction.atomic
def leave_conversation(*, place: Participant) -> None:
    """The member leaves: it is gone from their inbox and no new message reaches them."""
    place = lock_place(place)
    set_read(place, is_unread=False)
    Participant.objects.filter(pk=place.pk).update(left_at=timezone.now())


@transaction.atomic
def report_message(*, message: Message, reporter: User, reason: str) -> MessageReport:
    report, created = MessageReport.objects.get_or_create(
        message=message, reporter=reporter, defaults={"reason": reason}
    )
    if not created:
        MessageReport.objects.filter(pk=report.pk).update(
            reason=reason, resolved_at=None, resolved_by=None
        )
    return report


def log_report_read(*, report: MessageReport, moderator: User, address: str | None) -> None:
    ReportRead.objects.create(report=report, moderator=moderator, address=address)


def resolve_report(*, report: MessageReport, moderator: User) -> None:
    MessageReport.objects.filter(pk=report.pk).update(
        resolved_at=timezone.now(), resolved_by=moderator
    )


# Contacts and the ignore list.


class ListRefused(Exception):
    """The member may not be put on this list; the text says why."""


@transaction.atomic
def ignore_member(*, member: User, ignored: User) -> None:
    if ignored.pk == member.pk:
        raise ListRefused(_("You cannot ignore yourself."))
    if not ignored.may_be_ignored:
        raise ListRefused(
            _("%(member)s is a moderator or administrator and cannot be ignored.")
            % {"member": ignored}
        )
    locked = User.objects.select_for_update().get(pk=member.pk)
    locked.ignored_members.add(ignored)
    write_ignored_ids(locked)
    member.ignored_ids = locked.ignored_ids


@transaction.atomic
def unignore_member(*, member: User, ignored: User) -> None:
    locked = User.objects.select_for_update().get(pk=member.pk)
    locked.ignored_members.remove(ignored)
    write_ignored_ids(locked)
    member.ignored_ids = locked.ignored_ids


def write_ignored_ids(member: User) -> None:
    member.ignored_ids = sorted(member.ignored_members.values_list("pk", flat=True))
    User.objects.filter(pk=member.pk).update(ignored_ids=member.ignored_ids)


def add_contact(*, member: User, contact: User) -> None:
    if contact.pk == member.pk:
        raise ListRefused(_("You cannot add yourself to your contacts."))
    member.contacts.add(contact)


def remove_contact(*, member: User, contact: User) -> None:
    member.contacts.remove(contact)


@transaction.atomic
def recount_members() -> int:
    """Rebuilds User.unread_conversation_count from Participant.is_unread and User.ignored_ids
    from the ignore list, for a board edited by hand; returns how many members changed."""
    unread = dict(
        Participant.objects.current()
        .filter(is_unread=True)
        .values_list("user")
        .annotate(n=Count("pk"))
        .order_by()
    )
    ignored: dict[int, list[int]] = {}
    for member_id, ignored_id in User.ignored_members.through.objects.order_by(
        "from_user", "to_user"
    ).values_list("from_user", "to_user"):
        ignored.setdefault(member_id, []).append(ignored_id)
    changed = []
    for member in User.objects.only("pk", "unread_conversation_count", "ignored_ids"):
        count, ids = unread.get(member.pk, 0), ignored.get(member.pk, [])
        if (member.unread_conversation_count, member.ignored_ids) != (count, ids):
            member.unread_conversation_count, member.ignored_ids = count, ids
            changed.append(member)
    User.objects.bulk_update(changed, ["unread_conversation_count", "ignored_ids"])
    return len(changed)
