import pytest

from accounts.models import User
from messaging import actions
from messaging.models import Message, Participant


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def place_of(user, conversation) -> Participant:
    return Participant.objects.get(user=user, conversation=conversation)


def test_a_member_sends_a_message_and_the_recipient_sees_it_unread_in_the_header(
    client, member, other_member
):
    client.force_login(member)
    response = client.post(
        "/messages/new/",
        {"recipients": "member_two", "subject": "Hello", "body": "Want to train [i]Sunday[/i]?"},
    )
    conversation = Message.objects.get().conversation
    assert response.status_code == 302 and response["Location"] == f"/messages/{conversation.pk}/"
    assert fresh(other_member).unread_conversation_count == 1
    assert fresh(member).unread_conversation_count == 0
    client.force_login(other_member)
    inbox = client.get("/messages/").content.decode()
    assert "Hello" in inbox and 'pm-unread">1<' in inbox


def test_reading_the_conversation_clears_the_unread_count_and_replying_reaches_the_sender(
    client, member, other_member, conversation
):
    client.force_login(other_member)
    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    assert "Hi <strong>Two</strong>!" in page and "pm-unread" not in page
    assert fresh(other_member).unread_conversation_count == 0
    client.post(f"/messages/{conversation.pk}/", {"body": "Sure, see you there."})
    assert fresh(member).unread_conversation_count == 1
    assert list(conversation.messages.values_list("number", "author")) == [
        (1, member.pk),
        (2, other_member.pk),
    ]


def test_message_bbcode_is_sanitised_as_posts_are(client, member, other_member):
    message = actions.start_conversation(
        sender=member,
        recipients=[other_member],
        subject="x",
        body="<script>alert(1)</script>[url=javascript:alert(1)]x[/url][img]javascript:x[/img]",
    )
    assert "<script" not in message.body_html and "<img" not in message.body_html
    assert 'href="javascript' not in message.body_html
    client.force_login(other_member)
    page = client.get(f"/messages/{message.conversation_id}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_quote_fills_the_reply_with_the_message_without_its_own_quotes(
    client, member, other_member, conversation
):
    first = conversation.messages.get()
    actions.reply(conversation=conversation, sender=other_member, body="[quote=x]old[/quote]Yes")
    second = conversation.messages.get(number=2)
    client.force_login(member)
    page = client.get(f"/messages/{conversation.pk}/?quote={second.pk}").content.decode()
    assert "[QUOTE=Member_Two]Yes[/QUOTE]" in page and "old" not in page.split("id_body")[1]
    assert (
        "[QUOTE=Member_One]"
        in client.get(f"/messages/{conversation.pk}/?quote={first.pk}").content.decode()
    )


@pytest.mark.parametrize("quote", ["abc", "-1", "99999999999999999999999", "0"])
def test_a_bad_quote_id_is_ignored(client, other_member, conversation, quote):
    client.force_login(other_member)
    response = client.get(f"/messages/{conversation.pk}/?quote={quote}")
    assert response.status_code == 200 and "[QUOTE" not in response.content.decode()


def test_a_message_from_another_conversation_cannot_be_quoted(
    client, member, other_member, third_member, conversation
):
    secret = actions.start_conversation(
        sender=third_member, recipients=[member], subject="Private", body="The secret"
    )
    client.force_login(other_member)
    page = client.get(f"/messages/{conversation.pk}/?quote={secret.pk}").content.decode()
    assert "The secret" not in page


def test_adding_a_participant_lets_them_read_the_whole_conversation(
    client, member, other_member, third_member, conversation
):
    client.force_login(other_member)
    response = client.post(f"/messages/{conversation.pk}/add/", {"username": "Member_Three"})
    assert response.status_code == 302
    assert fresh(third_member).unread_conversation_count == 1
    client.force_login(third_member)
    assert (
        "Hi <strong>Two</strong>!" in client.get(f"/messages/{conversation.pk}/").content.decode()
    )


def test_adding_someone_already_in_it_or_unknown_says_so(
    client, member, other_member, conversation
):
    client.force_login(member)
    response = client.post(
        f"/messages/{conversation.pk}/add/", {"username": "Member_Two"}, follow=True
    )
    assert "Member_Two is already in this conversation." in response.content.decode()
    response = client.post(f"/messages/{conversation.pk}/add/", {"username": "Nobody"}, follow=True)
    assert "No member is called Nobody." in response.content.decode()


def test_leaving_removes_it_from_the_inbox_and_new_messages_no_longer_reach_the_member(
    client, member, other_member, third_member
):
    conversation = actions.start_conversation(
        sender=member, recipients=[other_member, third_member], subject="Group", body="Hi all"
    ).conversation
    client.force_login(other_member)
    client.post(f"/messages/{conversation.pk}/leave/")
    assert fresh(other_member).unread_conversation_count == 0
    assert f'href="/messages/{conversation.pk}/"' not in client.get("/messages/").content.decode()
    assert client.get(f"/messages/{conversation.pk}/").status_code == 404
    actions.reply(conversation=conversation, sender=third_member, body="Bye Two")
    assert fresh(other_member).unread_conversation_count == 0
    assert fresh(member).unread_conversation_count == 1


def test_deleting_is_for_yourself_alone_and_a_new_message_brings_back_only_what_is_new(
    client, member, other_member, conversation
):
    client.force_login(other_member)
    client.post(f"/messages/{conversation.pk}/delete/")
    assert fresh(other_member).unread_conversation_count == 0
    assert f'href="/messages/{conversation.pk}/"' not in client.get("/messages/").content.decode()
    client.force_login(member)
    assert (
        "Hi <strong>Two</strong>!" in client.get(f"/messages/{conversation.pk}/").content.decode()
    )
    actions.reply(conversation=conversation, sender=member, body="Still there?")
    client.force_login(other_member)
    assert "Training plan" in client.get("/messages/").content.decode()
    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    assert "Still there?" in page and "Hi <strong>Two</strong>!" not in page


def test_mark_unread_and_read_move_the_header_count_once_each(
    client, member, other_member, conversation
):
    client.force_login(other_member)
    client.post(f"/messages/{conversation.pk}/mark/", {"state": "read"})
    client.post(f"/messages/{conversation.pk}/mark/", {"state": "read"})
    assert fresh(other_member).unread_conversation_count == 0
    client.post(f"/messages/{conversation.pk}/mark/", {"state": "unread"})
    client.post(f"/messages/{conversation.pk}/mark/", {"state": "unread"})
    assert fresh(other_member).unread_conversation_count == 1
    assert place_of(other_member, conversation).is_unread


def test_a_form_sent_twice_makes_one_message(client, member, other_member, conversation):
    client.force_login(other_member)
    data = {"body": "Once only", "submission_key": "7d1c8a52-5b8f-4f5e-9a0b-0f5a6c1e2d3b"}
    first = client.post(f"/messages/{conversation.pk}/", data)
    second = client.post(f"/messages/{conversation.pk}/", data)
    assert first["Location"] == second["Location"]
    assert conversation.messages.filter(body="Once only").count() == 1
    assert fresh(member).unread_conversation_count == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"body": ""}, "Please enter a message"),
        ({"body": "   "}, "Please enter a message"),
        ({"body": "bad\x00byte"}, "Null characters are not allowed"),
        ({"body": "x" * 20_001}, "too long"),
    ],
)
def test_a_bad_reply_is_refused_with_a_message(client, other_member, conversation, data, error):
    client.force_login(other_member)
    response = client.post(f"/messages/{conversation.pk}/", data)
    assert response.status_code == 200 and error in response.content.decode()
    assert conversation.messages.count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"recipients": "", "subject": "s", "body": "b"}, "This field is required"),
        ({"recipients": "Ghost", "subject": "s", "body": "b"}, "No member is called Ghost."),
        ({"recipients": "Member_One", "subject": "s", "body": "b"}, "to yourself"),
        ({"recipients": "Member_Two", "subject": "a\nb", "body": "b"}, "subject"),
        ({"recipients": "Member_Two", "subject": "s" * 101, "body": "b"}, "too long"),
        ({"recipients": "Member_Two\x00", "subject": "s", "body": "b"}, "Null characters"),
        (
            {"recipients": ",".join(f"x{n}" for n in range(200)), "subject": "s", "body": "b"},
            "far more names",
        ),
    ],
)
def test_bad_new_messages_are_refused_with_a_clear_message(
    client, member, other_member, data, error
):
    client.force_login(member)
    response = client.post("/messages/new/", data)
    assert response.status_code == 200 and error in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize("page", ["0", "-1", "abc", "2", "9999999999"])
def test_odd_page_numbers_are_the_404_page(client, other_member, conversation, page):
    client.force_login(other_member)
    assert client.get(f"/messages/{conversation.pk}/?page={page}").status_code == 404
    assert client.get(f"/messages/?page={page}").status_code == 404


def test_a_long_conversation_pages_by_message_number(
    client, settings, member, other_member, conversation
):
    settings.BOARD_MESSAGES_PER_PAGE = 2
    for n in range(4):
        actions.reply(conversation=conversation, sender=member, body=f"Message {n + 2}")
    client.force_login(other_member)
    assert "Message 5" in client.get(f"/messages/{conversation.pk}/?page=3").content.decode()
    assert fresh(other_member).unread_conversation_count == 0  # the last page was read
    assert client.get(f"/messages/{conversation.pk}/?page=4").status_code == 404


def test_sent_items_list_what_the_member_wrote(client, member, other_member, conversation):
    client.force_login(member)
    page = client.get("/messages/sent/").content.decode()
    assert "Training plan" in page
    client.force_login(other_member)
    assert "Training plan" not in client.get("/messages/sent/").content.decode()


def test_the_profile_offers_to_write_and_the_compose_form_names_the_member(
    client, member, other_member
):
    client.force_login(member)
    profile = client.get(f"/members/{other_member.pk}/").content.decode()
    assert f"/messages/new/?to={other_member.pk}" in profile
    assert (
        'value="Member_Two"' in client.get(f"/messages/new/?to={other_member.pk}").content.decode()
    )
    assert client.get("/messages/new/?to=abc").status_code == 200


def test_recount_messages_rebuilds_the_unread_counts_and_ignore_copies(
    member, other_member, conversation
):
    from django.core.management import call_command

    member.ignored_members.add(other_member)
    User.objects.update(unread_conversation_count=7)
    call_command("recount_messages", verbosity=0)
    assert fresh(other_member).unread_conversation_count == 1
    assert fresh(member).unread_conversation_count == 0
    assert fresh(member).ignored_ids == [other_member.pk]


def test_replying_marks_the_conversation_read_for_the_one_who_replies(
    member, other_member, conversation
):
    actions.reply(conversation=conversation, sender=other_member, body="Answered unread")
    assert fresh(other_member).unread_conversation_count == 0
    assert fresh(member).unread_conversation_count == 1
    assert not place_of(other_member, conversation).is_unread
