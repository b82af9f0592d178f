"""Private messages in "download my data" and in erasure (accounts.personal_data)."""

from accounts import actions as account_actions
from accounts.personal_data import collect
from messaging import actions
from messaging.models import Conversation, Message, Participant
from tests.messaging.conftest import fresh


def test_the_export_holds_the_members_conversations_lists_and_reports(
    member, other_member, third_member, conversation
):
    actions.reply(conversation=conversation, sender=other_member, body="Hello back")
    actions.add_contact(member=member, contact=other_member)
    actions.ignore_member(member=member, ignored=third_member)
    message = Message.objects.get(conversation=conversation, number=2)
    actions.report_message(message=message, reporter=member, reason="Rude")
    data, _ = collect(member)
    [exported] = data["messages"]["conversations"]
    assert exported["subject"] == "Training plan"
    assert exported["members"] == ["Member_One", "Member_Two"]
    assert [(m["from"], m["body"]) for m in exported["messages"]] == [
        ("Member_One", "Hi [b]Two[/b]!"),
        ("Member_Two", "Hello back"),
    ]
    assert data["messages"]["contacts"] == ["Member_Two"]
    assert data["messages"]["ignored_members"] == ["Member_Three"]
    assert data["messages"]["message_reports"][0]["reason"] == "Rude"


def test_the_export_leaves_out_what_the_member_deleted_for_themselves(
    member, other_member, conversation
):
    actions.delete_for_self(place=Participant.objects.get(user=member))
    actions.reply(conversation=conversation, sender=other_member, body="Still there?")
    data, _ = collect(member)
    [exported] = data["messages"]["conversations"]
    assert [m["body"] for m in exported["messages"]] == ["Still there?"]


def test_erasure_deletes_the_members_copies_and_keeps_their_sent_messages_for_the_others(
    member, other_member, conversation
):
    account_actions.erase_member(member=member, by=member)
    assert not Participant.objects.filter(user=member).exists()
    message = Message.objects.get(conversation=conversation, number=1)
    assert message.author_id == member.pk and message.body == "Hi [b]Two[/b]!"
    assert message.author.username == f"Former member #{member.pk}"
    assert Participant.objects.filter(user=other_member, conversation=conversation).exists()


def test_a_conversation_nobody_is_left_in_goes_with_the_last_erased_member(
    member, other_member, conversation
):
    account_actions.erase_member(member=member, by=member)
    account_actions.erase_member(member=other_member, by=other_member)
    assert not Conversation.objects.filter(pk=conversation.pk).exists()


def test_erasure_takes_the_member_off_every_contact_and_ignore_list_both_ways(
    member, other_member, third_member
):
    actions.add_contact(member=member, contact=other_member)
    actions.add_contact(member=other_member, contact=member)
    actions.ignore_member(member=member, ignored=third_member)
    actions.ignore_member(member=third_member, ignored=member)
    account_actions.erase_member(member=member, by=member)
    assert not fresh(member).contacts.exists() and not fresh(member).ignored_members.exists()
    assert not other_member.contacts.exists()
    assert not third_member.ignored_members.exists()
    assert fresh(third_member).ignored_ids == [] and fresh(member).ignored_ids == []


def test_a_message_quoting_an_erased_member_keeps_its_text_under_the_former_name(
    member, other_member, conversation
):
    first = Message.objects.get(conversation=conversation, number=1)
    reply = actions.reply(
        conversation=conversation, sender=other_member, body=f"{first.quote_source()}Agreed."
    )
    account_actions.erase_member(member=member, by=member)
    reply.refresh_from_db()
    assert "Member_One" not in reply.body and "Member_One" not in reply.body_html
    assert f"[QUOTE=Former member #{member.pk}]Hi [b]Two[/b]![/QUOTE]" in reply.body
    assert "Agreed." in reply.body_html
