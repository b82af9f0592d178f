"""Address (and range) bans and email domain bans: no registering or posting, until they end."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.models import AddressBan, EmailDomainBan, User
from forum import actions
from forum.models import Post
from tests.conftest import make_member

PASSWORD = "a-long-pass-42"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def register(address: str, email: str = "new@example.com", username: str = "New One"):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/register/",
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.mark.parametrize(
    ("network", "address", "banned"),
    [
        ("203.0.113.7", "203.0.113.7", True),
        ("203.0.113.7", "203.0.113.8", False),
        ("203.0.113.0/24", "203.0.113.200", True),
        ("203.0.113.0/24", "203.0.114.1", False),
        ("2001:db8::/48", "2001:db8:0:ffff::1", True),
        ("2001:db8::/48", "203.0.113.7", False),
    ],
)
def test_an_address_ban_covers_its_address_or_range(db, network, address, banned):
    AddressBan.objects.create(network=network, reason="Spam wave")

    assert (AddressBan.objects.covering(address) is not None) is banned


def test_a_ban_past_its_end_no_longer_applies(db):
    AddressBan.objects.create(
        network="203.0.113.0/24", reason="Old", ends_at=timezone.now() - timedelta(minutes=1)
    )

    assert AddressBan.objects.covering("203.0.113.9") is None


@pytest.mark.parametrize("network", ["", "not an address", "203.0.113.0/33", "10.0.0.0/7", "::/0"])
def test_an_address_ban_refuses_what_is_not_an_address_or_is_too_wide(db, network):
    with pytest.raises(ValidationError):
        AddressBan(network=network, reason="x").full_clean()


def test_a_range_is_stored_in_its_normal_form(db):
    assert AddressBan.objects.create(network=" 203.0.113.77/24 ", reason="x").network == (
        "203.0.113.0/24"
    )


def test_registering_from_a_banned_range_is_refused_with_the_reason(db):
    AddressBan.objects.create(network="198.51.100.0/24", reason="Spam wave")

    response = register("198.51.100.50")

    assert response.status_code == 200
    assert "banned until lifted. Reason: Spam wave" in response.content.decode()
    assert not User.objects.filter(username="New One").exists()
    assert register("192.0.2.1").status_code == 302


def test_registering_with_an_email_at_a_banned_domain_or_below_it_is_refused(db):
    EmailDomainBan.objects.create(domain="spam.example", reason="Throwaway mail")

    for email in ("a@spam.example", "b@Mail.SPAM.example"):
        response = register("192.0.2.1", email=email)
        assert "at spam.example are banned" in response.content.decode()
    assert not User.objects.exists()
    assert register("192.0.2.1", email="c@notspam.example").status_code == 302


def test_posting_from_a_banned_address_is_refused_but_staff_may(thread):
    AddressBan.objects.create(network="203.0.113.0/24", reason="Spam wave")
    member = make_member("Poster_One")
    staff = make_member("Staff_One", is_staff=True)

    with pytest.raises(actions.PostingRefused, match="Spam wave"):
        actions.add_reply(thread=thread, author=member, body="Hi", address="203.0.113.5")
    assert actions.add_reply(thread=thread, author=staff, body="Hi", address="203.0.113.5").pk


def test_members_with_mail_at_a_banned_domain_may_not_post(forum):
    member = make_member("Poster_Two")
    User.objects.filter(pk=member.pk).update(email="p@spam.example")
    EmailDomainBan.objects.create(domain="spam.example", reason="Throwaway mail")

    with pytest.raises(actions.PostingRefused, match="Throwaway mail"):
        actions.create_thread(forum=forum, author=member, title="Hi", body="There")
    assert not Post.objects.filter(author=member).exists()


def test_a_reply_from_mail_at_a_domain_banned_above_it_is_refused_but_staff_may(thread):
    EmailDomainBan.objects.create(domain="spam.example", reason="Throwaway mail")
    member = make_member("Poster_Three")
    staff = make_member("Staff_Two", is_staff=True)
    for who in (member, staff):
        User.objects.filter(pk=who.pk).update(email=f"{who.username}@mail.spam.example")
        who.refresh_from_db()

    with pytest.raises(actions.PostingRefused, match="Throwaway mail"):
        actions.add_reply(thread=thread, author=member, body="Hi", address="192.0.2.1")
    assert actions.add_reply(thread=thread, author=staff, body="Hi", address="192.0.2.1").pk


def test_the_reply_page_shows_an_address_ban(thread, member):
    AddressBan.objects.create(network="203.0.113.5", reason="Spam wave")
    client = Client(REMOTE_ADDR="203.0.113.5")
    client.force_login(member)

    response = client.post(f"/threads/{thread.pk}/reply/", {"body": "Hi"})

    assert response.status_code == 200 and "Spam wave" in response.content.decode()


def test_superusers_add_bans_in_the_admin_with_clear_errors(client, db):
    boss = User.objects.create_superuser("Boss", "boss@example.com", PASSWORD)
    client.force_login(boss)

    bad = client.post("/admin/accounts/addressban/add/", {"network": "10.0.0.0/7", "reason": "x"})
    good = client.post(
        "/admin/accounts/emaildomainban/add/", {"domain": "@Spam.Example.", "reason": "Mail"}
    )

    assert bad.status_code == 200 and "too wide" in bad.content.decode()
    assert good.status_code == 302
    # Like every date the admin sets: a year-9999 end could not be read back.
    for url, fields in [
        ("/admin/accounts/addressban/add/", {"network": "10.0.0.1"}),
        ("/admin/accounts/emaildomainban/add/", {"domain": "junk.example"}),
    ]:
        far = client.post(
            url, {**fields, "reason": "x", "ends_at_0": "9999-12-31", "ends_at_1": "23:59"}
        )
        assert "Enter a date between the years 1970 and 2100." in far.content.decode()
    ban = EmailDomainBan.objects.get()
    assert (ban.domain, ban.created_by) == ("spam.example", boss)
