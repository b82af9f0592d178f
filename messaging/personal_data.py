"""messaging's part of a member's data (accounts.personal_data): the conversations they keep,
with the messages they can read in them, their contacts, ignore list and the message reports
they made; and what erasing them does.

Erasure deletes the member's own copies (their places in conversations; a conversation nobody
is left in goes entirely), their contacts and ignore list, and takes them off everyone else's
lists (ignored_ids rewritten with them). The messages they sent stay with the others, under
"Former member #N", as their posts do; so do others' quotes of them.
"""

from django.db.models import Prefetch

from accounts.actions import former_name
from accounts.models import User
from accounts.personal_data import register, stamp
from forum.markup import render_bbcode
from forum.personal_data import rename_quotes_in
from messaging.models import Conversation, Message, MessageReport, Participant


def export_messaging(member: User) -> dict:
    others = Participant.objects.select_related("user").order_by("joined_at", "pk")
    places = (
        Participant.objects.filter(user=member)
        .select_related("conversation")
        .prefetch_related(Prefetch("conversation__participants", queryset=others))
        .order_by("conversation__created_at", "pk")
    )
    return {
        "conversations": [conversation_data(place) for place in places],
        "contacts": sorted(member.contacts.values_list("username", flat=True)),
        "ignored_members": sorted(member.ignored_members.values_list("username", flat=True)),
        "message_reports": [
            {"message": report.message_id, "reason": report.reason, "at": stamp(report.created_at)}
            for report in MessageReport.objects.filter(reporter=member).order_by("pk")
        ],
    }


def conversation_data(place: Participant) -> dict:
    """One conversation as the member can read it: after what they deleted for themselves and,
    if they left, up to when they left."""
    messages = (
        Message.objects.filter(conversation=place.conversation_id, number__gt=place.cleared_through)
        .select_related("author")
        .order_by("number")
    )
    if place.left_at is not None:
        messages = messages.filter(created_at__lte=place.left_at)
    return {
        "id": place.conversation_id,
        "subject": place.conversation.subject,
        "members": [p.user.username for p in place.conversation.participants.all()],
        "joined_at": stamp(place.joined_at),
        "left_at": stamp(place.left_at),
        "messages": [
            {
                "number": message.number,
                "from": message.author.username if message.author else "Former member",
                "at": stamp(message.created_at),
                "body": message.body,
            }
            for message in messages
        ],
    }


def erase_messaging(member: User, old_username: str) -> None:
    conversation_ids = list(
        Participant.objects.filter(user=member).values_list("conversation_id", flat=True)
    )
    Participant.objects.filter(user=member).delete()
    Conversation.objects.filter(pk__in=conversation_ids, participants__isnull=True).delete()
    member.unread_conversation_count = 0
    member.contacts.clear()
    member.contact_of.clear()
    member.ignored_members.clear()
    member.ignored_ids = []
    ignorers = list(member.ignored_by.all())
    member.ignored_by.clear()
    from messaging.actions import write_ignored_ids

    for ignorer in ignorers:
        write_ignored_ids(ignorer)
    User.objects.filter(pk=member.pk).update(unread_conversation_count=0, ignored_ids=[])
    # Others' messages quoting the member keep the text, under the new name, as posts do.
    rename_quotes_in(Message.objects.all(), old_username, former_name(member), render=render_bbcode)


register("messages", export=export_messaging, erase=erase_messaging)
