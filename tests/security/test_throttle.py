"""Password guessing is slowed, then refused for a while, per account and per address."""

import time

from accounts.models import User

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
