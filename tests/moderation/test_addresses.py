"""Members' addresses (vBulletin's IP tools): kept for every registration, login, post and edit;
shown to the post's moderators only; erased after BOARD_ADDRESS_DAYS."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import AddressRecord, User
from forum import actions
from forum.models import Post
from tests.conftest import make_member


def client_from(address: str, user=None) -> Client:
    client = Client(REMOTE_ADDR=address)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def spammer(db):
    return make_member("Spam_Bot")


@pytest.fixture
def spam_post(thread, spammer):
    client_from("203.0.113.7", spammer).post(f"/threads/{thread.pk}/reply/", {"body": "Buy now"})
    return Post.objects.get(body="Buy now")


def kinds_of(member) -> list[tuple[str, str]]:
    return sorted(AddressRecord.objects.filter(member=member).values_list("kind", "address"))


def test_a_post_and_its_edit_keep_the_address_each_came_from(thread, spammer, spam_post):
    client_from("2001:db8::1", spammer).post(f"/posts/{spam_post.pk}/edit/", {"body": "Buy!"})

    assert kinds_of(spammer) == [("edit", "2001:db8::1"), ("post", "203.0.113.7")]
    assert set(AddressRecord.objects.values_list("post_id", flat=True)) == {spam_post.pk}


def test_a_new_thread_keeps_its_address(forum, spammer):
    client_from("203.0.113.8", spammer).post(
        "/forums/running/new-thread/", {"title": "Hi", "body": "There"}
    )

    assert kinds_of(spammer) == [("post", "203.0.113.8")]


def test_registration_and_login_keep_their_addresses(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    password = "a-long-pass-42"
    client_from("198.51.100.1").post(
        "/accounts/register/",
        {
            "username": "New One",
            "email": "n@example.com",
            "password1": password,
            "password2": password,
        },
    )
    client_from("198.51.100.2").post(
        "/accounts/login/", {"username": "New One", "password": password}
    )

    member = User.objects.get(username="New One")
    assert kinds_of(member) == [
        ("login", "198.51.100.1"),  # registering logs the member in
        ("login", "198.51.100.2"),
        ("registration", "198.51.100.1"),
    ]


def test_the_posts_moderator_sees_its_address_and_the_other_members_there(
    spam_post, spammer, forum_moderator
):
    sock = make_member("Sock_Puppet")
    AddressRecord.note(sock, "203.0.113.7", AddressRecord.LOGIN)
    AddressRecord.note(spammer, "192.0.2.99", AddressRecord.LOGIN)

    html = client_from("10.0.0.1", forum_moderator).get(f"/posts/{spam_post.pk}/addresses/")

    page = html.content.decode()
    assert "203.0.113.7" in page and "Sock_Puppet" in page and "192.0.2.99" in page


def test_members_and_other_forums_moderators_never_see_addresses(
    client, spam_post, member, spammer, other_forum_moderator
):
    url = f"/posts/{spam_post.pk}/addresses/"
    assert client.get(url).status_code == 302  # to the login page
    for user in (member, spammer, other_forum_moderator):
        assert client_from("10.0.0.1", user).get(url).status_code == 404
    for page in (spam_post.thread.get_absolute_url(), f"/members/{spammer.pk}/"):
        assert "203.0.113.7" not in client_from("10.0.0.1", member).get(page).content.decode()


def test_the_address_page_runs_a_fixed_number_of_queries(
    spam_post, forum_moderator, django_assert_num_queries
):
    for number in range(5):
        AddressRecord.note(make_member(f"Other_{number}"), "203.0.113.7", AddressRecord.LOGIN)
    client = client_from("10.0.0.1", forum_moderator)
    # 1 session, 2 user, 3 the post with thread, forum, category and author, 4 the moderator's
    # forums, 5 the post's addresses, 6 other members there, 7 the author's addresses,
    # 8 the header's queue count
    with django_assert_num_queries(8):
        assert client.get(f"/posts/{spam_post.pk}/addresses/").status_code == 200


def test_erase_old_addresses_erases_only_those_past_the_kept_days(settings, spammer):
    settings.BOARD_ADDRESS_DAYS = 30
    old = AddressRecord.note(spammer, "203.0.113.1", AddressRecord.LOGIN)
    AddressRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    recent = AddressRecord.note(spammer, "203.0.113.2", AddressRecord.LOGIN)

    out = io.StringIO()
    call_command("erase_old_addresses", stdout=out)

    assert list(AddressRecord.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "Erased 1 address older than 30 days." in out.getvalue()


def test_an_address_that_is_not_one_is_not_kept(spammer):
    assert AddressRecord.note(spammer, "unknown", AddressRecord.LOGIN) is None
    assert AddressRecord.note(spammer, None, AddressRecord.LOGIN) is None
    assert not AddressRecord.objects.exists()


def test_posts_written_by_actions_without_a_request_keep_no_address(thread, spammer):
    actions.add_reply(thread=thread, author=spammer, body="From a script")

    assert not AddressRecord.objects.exists()
