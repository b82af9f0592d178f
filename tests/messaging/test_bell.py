"""A new private message rings the bell (community.Notice), once per conversation until read,
never for a member who ignores the sender."""

from django.core import mail

from accounts.models import User
from community.models import Notice, NoticeMail
from messaging import actions
from messaging.models import Participant


def bell(member) -> int:
    return User.objects.get(pk=member.pk).unread_notice_count


def notices(member) -> list[Notice]:
    return list(Notice.objects.filter(recipient=member, kind=Notice.PRIVATE_MESSAGE))


def read_all(member, conversation) -> None:
    place = Participant.objects.select_related("conversation").get(
        user=member, conversation=conversation
    )
    actions.mark_read(place=place, through=place.conversation.last_number)


def test_a_new_conversation_rings_the_recipients_bell_with_a_link_to_the_message(
    member_client, member, other_member, conversation
):
    [notice] = notices(other_member)
    message = conversation.messages.get()
    assert (
        notice.actor == member and notice.url == f"/messages/{conversation.pk}/#message{message.pk}"
    )
    assert bell(other_member) == 1 and bell(member) == 0
    member_client.force_login(other_member)
    assert "Member_One sent you a private message" in member_client.get("/notifications/").text


def test_more_messages_ring_once_until_the_conversation_is_read(member, other_member, conversation):
    actions.reply(conversation=conversation, sender=member, body="And another thing")
    assert len(notices(other_member)) == 1
    read_all(other_member, conversation)
    actions.reply(conversation=conversation, sender=member, body="One more")
    assert len(notices(other_member)) == 2


def test_a_member_who_ignores_the_sender_gets_no_notice_from_a_group_conversation(
    member, other_member, third_member
):
    conversation = actions.start_conversation(
        sender=member, recipients=[other_member, third_member], subject="Group", body="Hi all"
    ).conversation
    actions.ignore_member(member=third_member, ignored=member)
    for reader in (other_member, third_member):
        read_all(reader, conversation)
    actions.reply(conversation=conversation, sender=member, body="Still there?")
    assert (len(notices(other_member)), len(notices(third_member))) == (2, 1)


def test_a_member_added_to_a_conversation_is_told_by_the_bell(
    member, other_member, third_member, conversation
):
    actions.add_participant(conversation=conversation, by=other_member, member=third_member)
    [notice] = notices(third_member)
    assert notice.actor == other_member and notice.url.startswith(f"/messages/{conversation.pk}/")


def test_private_message_notices_are_not_mailed_twice(
    member, other_member, django_capture_on_commit_callbacks
):
    NoticeMail.objects.create(member=other_member, kind=Notice.PRIVATE_MESSAGE)
    User.objects.filter(pk=other_member.pk).update(mail_on_message=False)
    other_member.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_conversation(
            sender=member, recipients=[other_member], subject="Hi", body="Hello"
        )
    assert len(notices(other_member)) == 1 and mail.outbox == []


def test_private_messages_are_not_offered_among_the_notice_mails(member_client):
    html = member_client.get("/notifications/settings/").text
    assert 'value="mention"' in html and 'value="pm"' not in html


def test_reading_the_conversation_reads_its_bell_notice_and_the_header_says_so(
    client, member, other_member, conversation
):
    other_conversation = actions.start_conversation(
        sender=member, recipients=[other_member], subject="Another", body="Hi"
    ).conversation
    client.force_login(other_member)
    html = client.get(f"/messages/{conversation.pk}/").text
    assert 'aria-label="1 unread">1</span>' in html  # the bell, counted without this one
    [unread] = [notice for notice in notices(other_member) if not notice.is_read]
    assert unread.url.startswith(f"/messages/{other_conversation.pk}/")
    assert bell(other_member) == 1
    client.post(f"/messages/{other_conversation.pk}/mark/", {"state": "read"})
    assert bell(other_member) == 0
    assert not Notice.objects.filter(recipient=other_member, is_read=False).exists()


def test_deleting_or_leaving_an_unread_conversation_reads_its_bell_notice(
    member, other_member, third_member, conversation
):
    actions.delete_for_self(place=Participant.objects.get(user=other_member))
    assert bell(other_member) == 0 and fresh_count(other_member) == 0
    group = actions.start_conversation(
        sender=member, recipients=[third_member], subject="Group", body="Hi"
    ).conversation
    actions.leave_conversation(place=Participant.objects.get(user=third_member, conversation=group))
    assert bell(third_member) == 0 and fresh_count(third_member) == 0


def test_replying_reads_the_repliers_own_notice_about_the_conversation(
    member, other_member, conversation
):
    place = Participant.objects.get(user=other_member)
    actions.mark_unread(place=place)  # unread again, as if never opened
    actions.reply(conversation=conversation, sender=other_member, body="Replying from the inbox")
    assert bell(other_member) == 0 and fresh_count(other_member) == 0


def fresh_count(member) -> int:
    return User.objects.get(pk=member.pk).unread_conversation_count
