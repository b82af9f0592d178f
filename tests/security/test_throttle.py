"""Password guessing is slowed, then refused for a while, per account and per address."""

import threading
import time

import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import connection

from accounts import throttle
from accounts.models import ThrottleCount, User

LOGIN = "/accounts/login/"
PASSWORD = "a-long-pass-42"
REFUSED = "Too many failed logins for this account or from your address. Try again in"


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        response = log_in(client, username, "wrong-password", address)
        assert response.status_code == 200
    return response


def test_three_failures_bring_a_warning_but_the_right_password_still_logs_in(client, member):
    assert "Too many failed logins" not in fail(client, "Member_One", 2).text
    response = fail(client, "Member_One", 1)
    assert "2 more and logging in pauses for 15 minutes" in response.text
    assert log_in(client, "Member_One", PASSWORD).status_code == 302


def test_five_failures_refuse_even_the_right_password_for_fifteen_minutes(client, member):
    response = fail(client, "Member_One", 5)
    assert f"{REFUSED} 15 minutes." in response.text
    response = log_in(client, "Member_One", PASSWORD)
    assert response.status_code == 200
    assert f"{REFUSED} 15 minutes." in response.text
    assert "_auth_user_id" not in client.session


def test_the_account_count_folds_case_width_and_spaces(client, member):
    fail(client, "member_one", 2)
    fail(client, "MEMBER_ONE ", 2)
    fail(client, "Ｍｅｍｂｅｒ_Ｏｎｅ", 1)
    assert REFUSED in log_in(client, "Member_One", PASSWORD).text


def test_the_refusal_ends_when_the_window_has_passed(client, member, monkeypatch):
    fail(client, "Member_One", 5)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 15 * 60 + 1)
    assert log_in(client, "Member_One", PASSWORD).status_code == 302


def test_the_wait_counts_down_in_whole_minutes(client, member, monkeypatch):
    fail(client, "Member_One", 5)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 9 * 60 + 30)
    assert f"{REFUSED} 6 minutes." in log_in(client, "Member_One", PASSWORD).text


def test_a_successful_login_clears_the_account_count(client, member):
    fail(client, "Member_One", 4)
    assert log_in(client, "Member_One", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    fail(client, "Member_One", 4)
    assert log_in(client, "Member_One", PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_refused_on_every_account(client, member, settings):
    assert settings.BOARD_LOGIN_FAILURES_PER_ADDRESS == 20
    for n in range(20):
        log_in(client, f"guess_{n}", "wrong-password", address="10.6.6.6")
    assert REFUSED in log_in(client, "Member_One", PASSWORD, address="10.6.6.6").text
    # The member, from their own address, is not locked out by someone else's guessing.
    assert log_in(client, "Member_One", PASSWORD, address="10.0.0.7").status_code == 302


def test_the_limits_are_settings(client, member, settings):
    settings.BOARD_LOGIN_FAILURES_PER_ACCOUNT = 2
    fail(client, "Member_One", 2)
    assert REFUSED in log_in(client, "Member_One", PASSWORD).text


def test_a_banned_member_with_the_right_password_still_learns_why(client, member):
    User.objects.filter(pk=member.pk).update(is_banned=True, ban_reason="Spam")
    response = log_in(client, "Member_One", PASSWORD)
    assert "Spam" in response.text
    assert REFUSED not in response.text


REGISTER = "/accounts/register/"


def register(client, n, address):
    response = client.post(
        REGISTER,
        {
            "username": f"Newcomer_{n}",
            "email": f"newcomer{n}@example.com",
            "password1": "a-long-pass-42",
            "password2": "a-long-pass-42",
        },
        REMOTE_ADDR=address,
    )
    client.post("/accounts/logout/")
    return response


def test_a_sixth_account_from_one_address_within_the_hour_is_refused(client, db, settings):
    assert settings.BOARD_REGISTRATIONS_PER_ADDRESS_PER_HOUR == 5
    for n in range(5):
        assert register(client, n, "10.0.0.9").status_code == 302
    response = register(client, 5, "10.0.0.9")
    assert response.status_code == 200
    assert "Too many new accounts from your address. Try again in 60 minutes." in response.text
    assert not User.objects.filter(username="Newcomer_5").exists()
    assert register(client, 6, "10.0.0.10").status_code == 302


# The lock is the account's and every password check's: whichever way the login was typed,
# whichever form checks it, whichever worker answers.

ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def staff_member(db):
    return User.objects.create_user(
        "Staff_One", "staff_one@example.com", PASSWORD, is_staff=True, is_superuser=True
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("failed_as", "then_as"),
    [
        ("Member_One", "member_one@example.com"),
        ("member_one@example.com", "Member_One"),
        ("MEMBER_ONE@EXAMPLE.COM", "member_one"),
        ("Ｍｅｍｂｅｒ_Ｏｎｅ", "Member_One@Example.com"),
    ],
)
def test_failures_typed_one_way_lock_the_account_typed_any_other_way(
    client, member, failed_as, then_as
):
    fail(client, failed_as, 5, address="10.0.0.1")
    response = log_in(client, then_as, PASSWORD, address="10.0.0.2")
    assert REFUSED in response.text and not logged_in(client)


@pytest.mark.parametrize("path", [LOGIN, ADMIN_LOGIN])
@pytest.mark.parametrize("login", ["Staff_One", "staff_one@example.com"])
def test_seven_wrong_passwords_then_the_right_one_stay_refused(client, staff_member, path, login):
    for _ in range(7):
        client.post(path, {"username": login, "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(path, {"username": login, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 200
    assert REFUSED in response.text
    assert not logged_in(client)


def test_failures_on_the_boards_login_lock_the_admins_login_and_back(client, staff_member):
    fail(client, "Staff_One", 5)
    response = client.post(ADMIN_LOGIN, {"username": "staff_one@example.com", "password": PASSWORD})
    assert REFUSED in response.text and not logged_in(client)


def test_the_admins_login_counts_failures_and_warns(client, staff_member):
    for _ in range(3):
        response = client.post(ADMIN_LOGIN, {"username": "Staff_One", "password": "wrong"})
    assert "2 more and logging in pauses" in response.text
    assert log_in(client, "Staff_One", PASSWORD).status_code == 302


def test_every_caller_of_authenticate_is_throttled_even_without_a_request(member):
    for _ in range(5):
        assert authenticate(None, username="Member_One", password="wrong") is None
    assert authenticate(None, username="member_one@example.com", password=PASSWORD) is None


def test_wrong_old_passwords_on_the_password_change_form_lock_the_account(member_client, member):
    for _ in range(5):
        member_client.post(
            "/accounts/password/",
            {
                "old_password": "wrong",
                "new_password1": "n3w-pass-2026",
                "new_password2": "n3w-pass-2026",
            },
        )
    response = member_client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-pass-2026",
            "new_password2": "n3w-pass-2026",
        },
    )
    assert REFUSED in response.text
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert authenticate(None, username="Member_One", password=PASSWORD) is None


def test_the_counts_live_in_the_database_not_in_one_workers_memory(client, member):
    # Each worker of `./board serve` has its own local-memory cache: emptying it between
    # tries is what a request answered by the other worker sees.
    for _ in range(5):
        log_in(client, "Member_One", "wrong-password")
        cache.clear()
    assert REFUSED in log_in(client, "Member_One", PASSWORD).text
    assert ThrottleCount.objects.filter(count=5).count() == 2  # the account and the address


@pytest.mark.django_db(transaction=True)
def test_failures_counted_at_the_same_instant_in_many_connections_are_all_counted():
    start = threading.Barrier(8)
    errors = []

    def fail_five_times():
        try:
            start.wait(timeout=10)
            for _ in range(5):
                throttle.record_login_failure("Same_Name", "10.9.9.9")
        except Exception as error:  # surfaced below: a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=fail_five_times) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    assert sorted(ThrottleCount.objects.values_list("count", flat=True)) == [40, 40]
