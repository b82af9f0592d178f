from django.test import Client

from accounts.models import AccountEvent, MemberSession

PASSWORD = "a-long-pass-42"


def logged_in(agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/accounts/login/", {"username": "Member_One", "password": PASSWORD})
    assert response.status_code == 302
    return client


FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/140.0 Mobile Safari/537.36"


def test_the_sessions_page_lists_each_browser_with_its_device_and_address(member):
    desk = logged_in(FIREFOX)
    logged_in(PHONE)
    page = desk.get("/accounts/sessions/").content.decode()
    assert "Firefox on Windows (this browser)" in page.replace("<strong>", "").replace(
        "</strong>", ""
    )
    assert "Chrome on Android" in page and "127.0.0.1" in page


def test_ending_the_others_logs_them_out_and_keeps_this_one(member):
    desk, phone = logged_in(FIREFOX), logged_in(PHONE)
    desk.post("/accounts/sessions/")
    assert phone.get("/accounts/profile/").status_code == 302
    assert desk.get("/accounts/profile/").status_code == 200
    assert MemberSession.objects.filter(member=member).count() == 1
    assert AccountEvent.objects.filter(kind=AccountEvent.SESSIONS_ENDED).exists()


def test_logging_out_forgets_the_session(member):
    desk = logged_in(FIREFOX)
    desk.post("/accounts/logout/")
    assert not MemberSession.objects.filter(member=member).exists()


def test_a_member_sees_only_their_own_sessions(member, other_member):
    logged_in(PHONE)
    other = Client()
    other.force_login(other_member)
    assert "Android" not in other.get("/accounts/sessions/").content.decode()


def test_the_sessions_page_costs_a_fixed_number_of_queries(member, django_assert_num_queries):
    desk = logged_in(FIREFOX)
    desk.get("/accounts/sessions/")
    # session, member, the member's sessions, which of them the backend still holds
    with django_assert_num_queries(4):
        assert desk.get("/accounts/sessions/").status_code == 200


def test_a_guest_is_asked_to_log_in(client, db):
    assert client.get("/accounts/sessions/").url.startswith("/accounts/login/")


def test_the_daily_erasure_forgets_the_records_of_expired_sessions(member, settings):
    from io import StringIO

    from django.core.management import call_command

    logged_in(PHONE)
    MemberSession.objects.update(last_seen_at="2020-01-01T00:00Z")
    out = StringIO()
    call_command("erase_old_addresses", stdout=out)
    assert "Forgot 1 expired session." in out.getvalue()
    assert not MemberSession.objects.exists()


def test_the_session_is_followed_to_its_new_key_after_a_password_change(member):
    desk = logged_in(FIREFOX)
    desk.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-long-pass-77",
            "new_password2": "n3w-long-pass-77",
        },
    )
    page = desk.get("/accounts/sessions/").content.decode()
    assert "(this browser)" in page
    assert MemberSession.objects.get(member=member).session_key == desk.session.session_key


def test_last_seen_is_written_at_most_every_few_minutes(member, monkeypatch):
    import time

    desk = logged_in(FIREFOX)
    before = MemberSession.objects.get(member=member).last_seen_at
    desk.get("/accounts/profile/")
    assert MemberSession.objects.get(member=member).last_seen_at == before
    later = time.time() + 6 * 60
    monkeypatch.setattr("accounts.sessions.time.time", lambda: later)
    desk.get("/accounts/profile/")
    assert MemberSession.objects.get(member=member).last_seen_at > before
