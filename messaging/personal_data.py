"""messaging's part of a member's data (accounts.personal_data): the messages they wrote (never
those others wrote to them: those are the others' words), their contacts and ignore list.
Erasure takes them out of every conversation and empties their lists; the messages they sent
stay with the others in the conversation, under the former name, as their posts do."""

from django.utils import timezone

from accounts.models import User
from accounts.personal_data import register, stamp
from messaging.models import Message, Participant


def export_messaging(member: User) -> dict:
    written = Message.objects.filter(author=member).select_related("conversation").order_by("pk")
    return {
        "messages_written": [
            {
                "conversation": message.conversation_id,
                # The subject is its starter's words: the member's only if they started it.
                "subject": message.conversation.subject
                if message.conversation.started_by_id == member.pk
                else "",
                "number": message.number,
                "at": stamp(message.created_at),
                "body": message.body,
            }
            for message in written
        ],
        "contacts": sorted(member.contacts.values_list("username", flat=True)),
        "ignored": sorted(member.ignored_members.values_list("username", flat=True)),
    }


def erase_messaging(member: User, old_username: str) -> None:
    Participant.objects.filter(user=member, left_at__isnull=True).update(
        left_at=timezone.now(), is_unread=False
    )
    member.contacts.clear()
    member.ignored_members.clear()
    member.ignored_ids = []
    member.unread_conversation_count = 0
    member.mail_on_message = False


register("messaging", export=export_messaging, erase=erase_messaging)
