import re
import time

import pytest
from django.core import mail, signing
from django.db import IntegrityError

from accounts.mail import EMAIL_CHANGE_SALT
from accounts.models import AccountEvent, EmailChange, MemberSession, User
from tests.conftest import make_member

PASSWORD = "a-long-pass-42"


def ask(client, new_email, password=PASSWORD, capture=None):
    data = {"new_email": new_email, "password": password}
    if capture is None:
        return client.post("/accounts/email/", data)
    with capture(execute=True):
        return client.post("/accounts/email/", data)


def link_in(message, kind):
    return re.search(rf"http://testserver(/accounts/email/{kind}/\S+/)", message.body)[1]


def test_an_email_change_mails_a_link_to_the_new_address_and_a_notice_to_the_old(
    member_client, member, django_capture_on_commit_callbacks
):
    response = ask(member_client, "New@Example.org", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    to = {message.to[0]: message for message in mail.outbox}
    assert set(to) == {"New@example.org", "member_one@example.com"}
    assert "/accounts/email/confirm/" in to["New@example.org"].body
    assert "/accounts/email/undo/" in to["member_one@example.com"].body
    member.refresh_from_db()
    assert member.email == "member_one@example.com"  # nothing changes before the link


def test_following_the_link_changes_the_address_once(
    member_client, member, django_capture_on_commit_callbacks
):
    ask(member_client, "new@example.org", capture=django_capture_on_commit_callbacks)
    link = link_in(next(m for m in mail.outbox if m.to == ["new@example.org"]), "confirm")
    assert member_client.get(link).status_code == 200  # GET only shows what it does
    member.refresh_from_db()
    assert member.email == "member_one@example.com"
    member_client.post(link)
    member.refresh_from_db()
    assert member.email == "new@example.org" and member.email_confirmed
    assert AccountEvent.objects.filter(member=member, kind=AccountEvent.EMAIL_CHANGED).exists()
    response = member_client.post(link, follow=True)
    assert "used already" in response.content.decode()


def test_a_wrong_password_changes_nothing_and_counts_as_a_failed_login(member_client, member):
    response = ask(member_client, "new@example.org", password="wrong")
    assert response.status_code == 200
    assert "not your current password" in response.content.decode()
    assert not EmailChange.objects.exists() and mail.outbox == []


def test_an_expired_or_forged_link_gives_the_404_page(member_client, member, monkeypatch):
    change = EmailChange.objects.create(
        member=member, old_email=member.email, new_email="new@example.org"
    )
    token = signing.dumps(change.pk, salt=EMAIL_CHANGE_SALT)
    later = time.time() + 3 * 24 * 3600  # the link works for two days
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert member_client.get(f"/accounts/email/confirm/{token}/").status_code == 404
    assert member_client.get("/accounts/email/confirm/abc/").status_code == 404
    assert member_client.post(f"/accounts/email/confirm/{token[:-2]}xx/").status_code == 404


def test_a_taken_address_is_not_revealed_on_the_page_and_its_owner_is_told(
    member_client, member, other_member, django_capture_on_commit_callbacks
):
    response = ask(
        member_client, "MEMBER_TWO@example.com", capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 302  # the same answer as for a free address
    taken = next(m for m in mail.outbox if m.to == ["MEMBER_TWO@example.com"])
    assert "already has an account" in taken.body and "/confirm/" not in taken.body


def test_a_link_for_an_address_taken_meanwhile_changes_nothing(
    member_client, member, django_capture_on_commit_callbacks
):
    ask(member_client, "new@example.org", capture=django_capture_on_commit_callbacks)
    link = link_in(next(m for m in mail.outbox if m.to == ["new@example.org"]), "confirm")
    User.objects.filter(pk=make_member("Someone").pk).update(email="NEW@example.org")
    response = member_client.post(link, follow=True)
    assert "belongs to another account" in response.content.decode()
    member.refresh_from_db()
    assert member.email == "member_one@example.com"


def test_addresses_are_unique_whatever_their_case(member):
    with pytest.raises(IntegrityError):
        User.objects.create_user(username="Other", email="MEMBER_ONE@EXAMPLE.COM")


def test_many_accounts_may_have_no_address(db):
    User.objects.create_user(username="First", email="")
    User.objects.create_user(username="Second", email="")
    assert User.objects.filter(email="").count() == 2


def test_the_old_address_undoes_a_confirmed_change_and_every_session_ends(
    client, member_client, member, django_capture_on_commit_callbacks
):
    ask(member_client, "new@example.org", capture=django_capture_on_commit_callbacks)
    confirm = link_in(next(m for m in mail.outbox if m.to == ["new@example.org"]), "confirm")
    undo = link_in(next(m for m in mail.outbox if m.to == [member.email]), "undo")
    member_client.post(confirm)
    assert MemberSession.objects.filter(member=member).exists()
    member_client.post(undo)
    member.refresh_from_db()
    assert member.email == "member_one@example.com"
    assert not MemberSession.objects.filter(member=member).exists()
    assert member_client.get("/accounts/email/").status_code == 302  # logged out
    response = client.post(undo, follow=True)
    assert "undone already" in response.content.decode()


def test_undo_before_confirmation_makes_the_link_dead(
    member_client, member, django_capture_on_commit_callbacks
):
    ask(member_client, "new@example.org", capture=django_capture_on_commit_callbacks)
    confirm = link_in(next(m for m in mail.outbox if m.to == ["new@example.org"]), "confirm")
    undo = link_in(next(m for m in mail.outbox if m.to == [member.email]), "undo")
    member_client.post(undo)
    member_client.post(confirm)
    member.refresh_from_db()
    assert member.email == "member_one@example.com"


def test_an_older_request_is_replaced_by_a_newer_one(
    member_client, member, django_capture_on_commit_callbacks
):
    ask(member_client, "first@example.org", capture=django_capture_on_commit_callbacks)
    first = link_in(next(m for m in mail.outbox if m.to == ["first@example.org"]), "confirm")
    ask(member_client, "second@example.org", capture=django_capture_on_commit_callbacks)
    member_client.post(first)
    member.refresh_from_db()
    assert member.email == "member_one@example.com"


def test_the_email_page_asks_guests_to_log_in(client, db):
    assert client.get("/accounts/email/").url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    "new_email", ["", "not-an-address", "a\x00b@example.org", "x" * 300 + "@example.org"]
)
def test_bad_addresses_get_a_clear_error(member_client, member, new_email):
    response = ask(member_client, new_email)
    assert response.status_code == 200
    assert b"is-invalid" in response.content


def test_the_email_page_costs_a_fixed_number_of_queries(
    member_client, member, django_assert_num_queries
):
    member_client.get("/accounts/email/")
    # session, member, the pending change
    with django_assert_num_queries(3):
        assert member_client.get("/accounts/email/").status_code == 200


def test_the_admin_refuses_an_address_another_account_uses(client, superuser, member):
    client.force_login(superuser)
    response = client.get(f"/admin/accounts/user/{superuser.pk}/change/")
    assert response.status_code == 200
    data = {
        key: value for key, value in response.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }  # fmt: skip
    data.update(
        email="Member_One@Example.com",
        date_joined_0="2026-01-01",
        date_joined_1="10:00",
        is_active="on",
        is_staff="on",
        is_superuser="on",
    )
    response = client.post(f"/admin/accounts/user/{superuser.pk}/change/", data)
    assert response.status_code == 200
    assert "belongs to another account" in response.content.decode()


def test_the_confirm_first_refusal_on_a_thread_links_to_a_new_confirmation_link(
    client, thread, other_member, settings
):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    client.force_login(other_member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Confirm your email address before posting" in page
    assert 'href="/accounts/confirm-again/">Send the link again' in page
