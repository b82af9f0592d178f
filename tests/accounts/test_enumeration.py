"""Registering and asking for mail never tell anyone whether an address has an account, and
the mail anyone can ask for is limited per address and per recipient."""

import re

import pytest
from django.core import mail

from accounts.models import User

PASSWORD = "treadmill-2007-hiit"
RESEND = "/accounts/confirm-again/"
RESET = "/accounts/password/reset/"
SAME_ANSWER = "If an account waiting for confirmation uses that address, a new link is on its way."


@pytest.fixture
def register(client, django_capture_on_commit_callbacks):
    def register(username, email, address="10.1.0.1"):
        with django_capture_on_commit_callbacks(execute=True):  # mail goes once it commits
            return client.post(
                "/accounts/register/",
                {
                    "username": username,
                    "email": email,
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                },
                REMOTE_ADDR=address,
                follow=True,
            )

    return register


def page_of(response) -> str:
    # What the newcomer sees, with what must differ (their name, id, the member count, who is
    # online, form keys) taken out.
    html = re.sub(r"Newcomer_\w+", "NAME", response.content.decode())
    html = re.sub(r'<section[^>]*"online-title">.*?</section>', "", html, flags=re.S)
    html = re.sub(r"Members: \d+", "Members: N", html)
    html = re.sub(r"/members/\d+/", "/members/ID/", html)
    return re.sub(r'value="[\w-]{32,}"', 'value="KEY"', html)


@pytest.mark.parametrize("confirmation", [False, True])
def test_registering_with_a_taken_email_looks_exactly_like_registering_with_a_new_one(
    client, register, member, settings, confirmation
):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = confirmation
    fresh = register("Newcomer_A", "fresh@example.com")
    client.post("/accounts/logout/")
    taken = register("Newcomer_B", "MEMBER_ONE@example.com")

    assert taken.redirect_chain == fresh.redirect_chain == [("/", 302)]
    assert page_of(taken) == page_of(fresh)
    assert "already" not in taken.content.decode()
    assert taken.context["user"].username == "Newcomer_B"


def test_the_owner_of_a_taken_email_is_told_and_keeps_the_address(
    client, register, member, settings
):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    register("Newcomer_B", "Member_One@Example.com")

    [note] = mail.outbox
    assert note.to == ["Member_One@example.com"]
    assert "Someone tried to register" in note.subject
    assert "/accounts/login/" in note.body and "/accounts/password/reset/" in note.body
    assert "/accounts/confirm/" not in note.body  # nothing that could confirm the newcomer
    assert User.objects.get(username="Newcomer_B").email == ""
    # The owner still logs in with the address: it names one account only.
    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/", {"username": "member_one@example.com", "password": "a-long-pass-42"}
    )
    assert response.status_code == 302


def test_a_taken_username_is_still_said_because_usernames_are_public(client, register, member):
    response = register("member_one", "someone@example.com")
    assert "That username is taken" in response.content.decode()


def test_notes_to_one_taken_address_stop_at_the_hourly_limit(client, register, member, settings):
    for n in range(5):
        register(f"Newcomer_{n}", "member_one@example.com", address=f"10.1.0.{n}")
        client.post("/accounts/logout/")
    assert len(mail.outbox) == settings.BOARD_MAILS_PER_TARGET_PER_HOUR == 3


@pytest.fixture
def waiting_member(db, settings):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    return User.objects.create_user("Waiting_One", "waiting@example.com", PASSWORD)


def test_a_member_who_has_not_confirmed_gets_a_new_link_that_works(client, waiting_member):
    response = client.post(RESEND, {"email": "WAITING@example.com"}, follow=True)

    assert SAME_ANSWER in response.content.decode()
    [sent] = mail.outbox
    assert sent.to == ["waiting@example.com"]
    link = re.search(r"http://testserver(/accounts/confirm/\S+/)", sent.body)[1]
    client.get(link)
    waiting_member.refresh_from_db()
    assert waiting_member.email_confirmed


@pytest.mark.parametrize("email", ["nobody@example.com", "member_one@example.com"])
def test_asking_for_a_link_for_an_unknown_or_confirmed_address_answers_alike_and_sends_nothing(
    client, waiting_member, member, email
):
    User.objects.filter(pk=member.pk).update(email_confirmed=True)
    response = client.post(RESEND, {"email": email}, follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert SAME_ANSWER in response.content.decode()
    assert mail.outbox == []


def test_new_links_to_one_address_stop_at_the_hourly_limit_whoever_asks(client, waiting_member):
    for n in range(3):
        client.post(RESEND, {"email": "waiting@example.com"}, REMOTE_ADDR=f"10.2.0.{n}")
    response = client.post(RESEND, {"email": "waiting@example.com"}, REMOTE_ADDR="10.2.0.9")
    assert "Too many mails were asked for to that email address" in response.content.decode()
    assert len(mail.outbox) == 3


def test_the_limit_reads_the_same_for_an_address_with_no_account(client, db):
    for _ in range(3):
        client.post(RESEND, {"email": "nobody@example.com"})
    response = client.post(RESEND, {"email": "nobody@example.com"})
    assert "Too many mails were asked for to that email address" in response.content.decode()


def test_the_link_is_reachable_from_the_login_page_and_the_welcome_message(
    client, register, db, settings
):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    assert f'href="{RESEND}"' in client.get("/accounts/login/").content.decode()
    response = register("Newcomer_C", "c@example.com")
    assert (
        f'Confirm your email to start posting: a link is on its way to you. <a href="{RESEND}">'
        in (response.content.decode())
    )
    assert client.get(RESEND).context["form"]["email"].value() == "c@example.com"


def test_password_reset_mail_to_one_address_stops_at_the_hourly_limit(client, member):
    for n in range(3):
        client.post(RESET, {"email": "member_one@example.com"}, REMOTE_ADDR=f"10.3.0.{n}")
    response = client.post(RESET, {"email": "Member_One@example.com"}, REMOTE_ADDR="10.3.0.9")
    assert "Too many mails were asked for to that email address" in response.content.decode()
    assert len(mail.outbox) == 3


def test_password_reset_requests_from_one_address_stop_at_the_hourly_limit(client, db, settings):
    assert settings.BOARD_MAILS_PER_ADDRESS_PER_HOUR == 10
    for n in range(10):
        assert client.post(RESET, {"email": f"someone{n}@example.com"}).status_code == 302
    response = client.post(RESET, {"email": "someone99@example.com"})
    assert "Too many mails were asked for from your address" in response.content.decode()
