"""The ignore list: posts hidden per reader around the shared postbit, no mail, no messages,
and moderators and admins never ignored."""

import pytest
from django.core import mail

from accounts.models import User
from following.models import subscribe
from forum import actions as forum_actions
from messaging import actions
from tests.moderation.conftest import make_moderator

NOTICE = "This message is hidden because"


@pytest.fixture
def ignoring(member, other_member):
    """Member_One ignores Member_Two, who replied to Member_One's thread."""
    actions.ignore_member(member=member, ignored=other_member)
    return User.objects.get(pk=member.pk)


def test_an_ignored_members_post_is_hidden_with_a_way_to_show_it(
    client, thread, ignoring, other_member, third_member
):
    forum_actions.add_reply(thread=thread, author=other_member, body="Ignored words")
    client.force_login(ignoring)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f'{NOTICE} <a href="/members/{other_member.pk}/">Member_Two</a> is on your' in page
    notice = page.split(NOTICE)[1]
    # The post is still there, inside a <details> the reader opens: no script (the CSP).
    assert "<details><summary>Show this message</summary>" in notice
    assert notice.index("<summary>") < notice.index("Ignored words")
    assert page.count(NOTICE) == 1  # the reader's own post is not hidden
    # Another reader gets the same shared postbit, not hidden.
    client.force_login(third_member)
    other_page = client.get(thread.get_absolute_url()).content.decode()
    assert NOTICE not in other_page and "Ignored words" in other_page
    assert NOTICE not in client.get(thread.get_absolute_url()).content.decode()


def test_guests_never_see_the_notice(client, thread, ignoring, other_member):
    forum_actions.add_reply(thread=thread, author=other_member, body="Ignored words")
    client.logout()
    assert NOTICE not in client.get(thread.get_absolute_url()).content.decode()


@pytest.mark.parametrize("staff", ["moderator", "superuser"])
def test_moderators_and_admins_cannot_be_ignored(client, forum, member, superuser, staff):
    target = make_moderator("Mod", forums=[forum]) if staff == "moderator" else superuser
    client.force_login(member)
    response = client.post(
        "/messages/lists/", {"list": "ignore", "username": target.username}, follow=True
    )
    assert "is a moderator or administrator and cannot be ignored" in response.content.decode()
    assert User.objects.get(pk=member.pk).ignored_ids == []
    assert "Ignore Mod" not in client.get(f"/members/{target.pk}/").content.decode()


def test_a_member_made_moderator_after_being_ignored_is_shown_again(
    client, thread, ignoring, other_member
):
    forum_actions.add_reply(thread=thread, author=other_member, body="Now a moderator")
    User.objects.filter(pk=other_member.pk).update(is_staff=True)
    client.force_login(ignoring)
    assert NOTICE not in client.get(thread.get_absolute_url()).content.decode()


def test_ignoring_and_unignoring_from_the_profile(client, member, other_member):
    client.force_login(member)
    client.post("/messages/lists/", {"list": "ignore", "username": "Member_Two", "next": "profile"})
    assert User.objects.get(pk=member.pk).ignored_ids == [other_member.pk]
    assert "Stop ignoring Member_Two" in client.get(f"/members/{other_member.pk}/").content.decode()
    assert "Member_Two" in client.get("/messages/lists/").content.decode()
    client.post("/messages/lists/", {"list": "ignore", "username": "Member_Two", "remove": "1"})
    assert User.objects.get(pk=member.pk).ignored_ids == []
    assert not User.objects.get(pk=member.pk).ignored_members.exists()


def test_contacts_are_added_and_removed(client, member, other_member):
    client.force_login(member)
    client.post("/messages/lists/", {"list": "contacts", "username": "member_two"})
    assert list(member.contacts.all()) == [other_member]
    client.post("/messages/lists/", {"list": "contacts", "username": "Member_Two", "remove": "1"})
    assert not member.contacts.exists()


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"list": "ignore", "username": "Member_One"}, 302, "You cannot ignore yourself."),
        ({"list": "ignore", "username": "Ghost"}, 302, "No member is called Ghost."),
        ({"list": "ignore", "username": ""}, 302, "This field is required."),
        ({"list": "ignore", "username": "a\x00b"}, 302, "Null characters"),
        ({"list": "friends", "username": "Member_Two"}, 404, ""),
    ],
)
def test_bad_list_changes_say_why(client, member, data, status, text):
    client.force_login(member)
    response = client.post("/messages/lists/", data)
    assert response.status_code == status
    if text:
        assert text in client.get(response["Location"]).content.decode()


def test_an_ignored_members_reply_mails_nobody_who_ignores_them(
    thread, ignoring, other_member, third_member, django_capture_on_commit_callbacks
):
    subscribe(third_member, thread=thread)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        forum_actions.add_reply(thread=thread, author=other_member, body="Ignored reply")
    assert [m.to for m in mail.outbox] == [["member_three@example.com"]]


def test_hidden_messages_in_a_group_conversation_show_the_same_notice(
    client, member, other_member, third_member
):
    conversation = actions.start_conversation(
        sender=member, recipients=[other_member, third_member], subject="Group", body="Hi"
    ).conversation
    actions.ignore_member(member=other_member, ignored=third_member)
    actions.reply(conversation=conversation, sender=third_member, body="From Three")
    client.force_login(other_member)
    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    assert NOTICE in page and page.index("<summary>") < page.index("From Three")
