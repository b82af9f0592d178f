"""The board's limits on private messages and the members' own choices, each with its message."""

import pytest

from accounts.models import MessagesFrom, User
from messaging import actions
from messaging.models import Message
from tests.conftest import make_member
from tests.moderation.conftest import make_moderator


def send(client, sender, to="Member_Two", body="Hello"):
    client.force_login(sender)
    return client.post("/messages/new/", {"recipients": to, "subject": "Hi", "body": body})


def test_members_with_too_few_posts_may_not_send(client, settings, member, other_member):
    settings.BOARD_PM_MIN_POSTS = 3
    response = send(client, member)
    assert "at least 3 posts; you have 0" in response.content.decode()
    assert not Message.objects.exists()
    User.objects.filter(pk=member.pk).update(post_count=3)
    assert send(client, member).status_code == 302


def test_staff_may_send_before_they_have_posted(client, settings, forum, other_member):
    settings.BOARD_PM_MIN_POSTS = 3
    assert send(client, make_moderator("Mod", forums=[forum])).status_code == 302


def test_a_message_names_at_most_the_boards_number_of_recipients(
    client, settings, member, other_member, third_member
):
    settings.BOARD_PM_MAX_RECIPIENTS = 1
    response = send(client, member, to="Member_Two, Member_Three")
    assert "at most 1 members besides you; this would make 2" in response.content.decode()
    assert send(client, member, to="Member_Two").status_code == 302


def test_adding_a_participant_past_the_limit_is_refused(
    client, settings, member, other_member, third_member, conversation
):
    settings.BOARD_PM_MAX_RECIPIENTS = 1
    client.force_login(member)
    response = client.post(
        f"/messages/{conversation.pk}/add/", {"username": "Member_Three"}, follow=True
    )
    assert "at most 1 members besides you" in response.content.decode()
    assert conversation.participants.count() == 2


def test_messages_per_hour_are_limited(client, settings, member, other_member):
    settings.BOARD_PM_PER_HOUR = 2
    assert send(client, member, body="one").status_code == 302
    assert send(client, member, body="two").status_code == 302
    response = send(client, member, body="three")
    assert "sent 2 private messages in the last hour" in response.content.decode()
    conversation = Message.objects.first().conversation
    response = client.post(f"/messages/{conversation.pk}/", {"body": "a reply counts too"})
    assert "in the last hour" in response.content.decode()


def test_a_full_box_refuses_new_conversations_until_some_are_deleted(
    client, settings, member, other_member, third_member
):
    settings.BOARD_PM_QUOTA = 1
    send(client, member)
    response = send(client, member, to="Member_Three")
    assert "You keep 1 conversations, the most the board allows" in response.content.decode()
    assert "Your box is full" in client.get("/messages/").content.decode()
    conversation = Message.objects.get().conversation
    client.post(f"/messages/{conversation.pk}/delete/")
    assert send(client, member, to="Member_Three").status_code == 302


def test_a_recipients_full_box_is_named(client, settings, member, other_member, third_member):
    settings.BOARD_PM_QUOTA = 1
    actions.start_conversation(
        sender=third_member, recipients=[other_member], subject="Full", body="x"
    )
    response = send(client, member)
    assert "Member_Two&#x27;s message box is full." in response.content.decode()


def test_a_member_who_turned_messages_off_gets_none(client, member, other_member):
    User.objects.filter(pk=other_member.pk).update(messages_from=MessagesFrom.NOBODY)
    response = send(client, member)
    assert "Member_Two does not accept private messages from you." in response.content.decode()


def test_contacts_only_lets_contacts_and_staff_through(client, forum, member, other_member):
    User.objects.filter(pk=other_member.pk).update(messages_from=MessagesFrom.CONTACTS)
    assert "does not accept private messages" in send(client, member).content.decode()
    other_member.contacts.add(member)
    assert send(client, member).status_code == 302
    assert send(client, make_moderator("Mod", forums=[forum])).status_code == 302


def test_an_ignored_member_cannot_write_and_is_told_in_the_same_words(client, member, other_member):
    actions.ignore_member(member=other_member, ignored=member)
    response = send(client, member)
    assert "Member_Two does not accept private messages from you." in response.content.decode()


def test_replies_from_an_ignored_member_are_refused_in_a_two_person_conversation(
    client, member, other_member, conversation
):
    actions.ignore_member(member=other_member, ignored=member)
    client.force_login(member)
    response = client.post(f"/messages/{conversation.pk}/", {"body": "Are you there?"})
    assert "Nobody in this conversation accepts private messages from you." in (
        response.content.decode()
    )


def test_in_a_group_the_ignorer_is_not_marked_unread_by_the_ignored(
    member, other_member, third_member
):
    conversation = actions.start_conversation(
        sender=member, recipients=[other_member, third_member], subject="Group", body="Hi"
    ).conversation
    actions.ignore_member(member=other_member, ignored=third_member)
    actions.mark_read(place=conversation.participants.get(user=other_member), through=1)
    actions.reply(conversation=conversation, sender=third_member, body="Hello group")
    assert User.objects.get(pk=other_member.pk).unread_conversation_count == 0
    assert User.objects.get(pk=member.pk).unread_conversation_count == 1


def test_banned_and_unconfirmed_members_may_not_send(client, settings, member, other_member):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    assert "Confirm your email address" in send(client, member).content.decode()


def test_inactive_or_imported_members_cannot_be_written_to(client, member):
    make_member("Old_Timer", is_imported=True)
    response = send(client, member, to="Old_Timer")
    assert "Old_Timer cannot receive private messages." in response.content.decode()


@pytest.mark.parametrize("setting", ["BOARD_PM_MIN_POSTS", "BOARD_PM_MAX_RECIPIENTS",
                                     "BOARD_PM_PER_HOUR", "BOARD_PM_QUOTA"])  # fmt: skip
def test_every_limit_is_documented_in_the_readme(settings, setting):
    readme = (settings.BASE_DIR / "README.md").read_text()
    assert f"`{setting}`" in readme


def test_members_choose_who_may_write_in_their_settings(client, member):
    client.force_login(member)
    page = client.get("/accounts/profile/").content.decode()
    assert "Accept private messages from" in page and "Only my contacts" in page
    client.post("/accounts/profile/", {"messages_from": "contacts", "mail_on_message": "on"})
    member.refresh_from_db()
    assert (member.messages_from, member.mail_on_message) == ("contacts", True)
    client.post("/accounts/profile/", {"messages_from": "bogus"})
    member.refresh_from_db()
    assert member.messages_from == "contacts"


def test_new_members_link_limit_holds_in_private_messages(client, settings, member, other_member):
    settings.BOARD_NEW_MEMBER_MAX_LINKS = 0
    body = "Cheap pills [url=https://spam.example/]here[/url]"
    response = send(client, member, body=body)
    assert "New members may not post links or images" in response.content.decode()
    assert not Message.objects.exists()


def test_a_member_under_an_email_domain_ban_cannot_send(client, member, other_member):
    from accounts.models import EmailDomainBan

    EmailDomainBan.objects.create(domain="example.com", reason="Throwaway mail")
    response = send(client, member)
    assert response.status_code == 200 and "Throwaway mail" in response.content.decode()
    assert not Message.objects.exists()
