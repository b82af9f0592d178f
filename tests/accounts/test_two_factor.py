import importlib
import io
import re
import zipfile

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client
from django.views.debug import SafeExceptionReporterFilter
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import throttle, two_factor
from accounts.models import AccountEvent, User

PASSWORD = "a-long-pass-42"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():06d}"


def turn_on(client, member) -> list[str]:
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=member)
    response = client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert response.status_code == 200
    return response.context["codes"]


def log_in(client, login="Member_One", password=PASSWORD, next_url=""):
    data = {"username": login, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def test_the_setup_page_shows_a_qr_code_drawn_on_the_server(member_client, member):
    response = member_client.get("/accounts/two-factor/")
    page = response.content.decode()
    assert "<svg" in page and "<img" not in page.split("qr-code")[1][:200]
    assert response.context["secret"].replace(" ", "").isalnum()


def test_a_right_code_turns_two_factor_on_with_ten_recovery_codes(member_client, member):
    codes = turn_on(member_client, member)
    assert len(codes) == 10 and len(set(codes)) == 10
    member.refresh_from_db()
    assert member.has_two_factor
    assert AccountEvent.objects.filter(member=member, kind=AccountEvent.TWO_FACTOR_ON).exists()


def test_a_wrong_setup_code_leaves_it_off(member_client, member):
    member_client.get("/accounts/two-factor/")
    response = member_client.post("/accounts/two-factor/", {"code": "000000"})
    assert "not right" in response.content.decode()
    member.refresh_from_db()
    assert not member.has_two_factor


def test_the_password_alone_no_longer_logs_in(member_client, member):
    turn_on(member_client, member)
    guest = Client()
    response = log_in(guest)
    assert response.url == "/accounts/login/code/"
    assert guest.get("/accounts/profile/").status_code == 302  # not logged in yet


def test_the_code_step_logs_in_and_goes_where_the_login_was_going(member_client, member):
    turn_on(member_client, member)
    guest = Client()
    log_in(guest, next_url="/accounts/sessions/")
    device = TOTPDevice.objects.get(user=member)
    response = guest.post("/accounts/login/code/", {"code": code_for(device, steps_ahead=1)})
    assert response.url == "/accounts/sessions/"
    assert guest.get("/accounts/profile/").status_code == 200


def test_a_recovery_code_logs_in_once(member_client, member):
    codes = turn_on(member_client, member)
    guest = Client()
    log_in(guest)
    assert guest.post("/accounts/login/code/", {"code": codes[0].upper()}).status_code == 302
    assert StaticToken.objects.filter(device__user=member).count() == 9
    again = Client()
    log_in(again)
    assert again.post("/accounts/login/code/", {"code": codes[0]}).status_code == 200


def test_wrong_codes_count_as_failed_logins_until_the_account_is_locked(
    member_client, member, settings
):
    turn_on(member_client, member)
    guest = Client()
    log_in(guest)
    for _ in range(settings.BOARD_LOGIN_FAILURES_PER_ACCOUNT):
        assert guest.post("/accounts/login/code/", {"code": "123456"}).status_code == 200
    assert throttle.login_refusal("Member_One", "127.0.0.1", member=member)
    device = TOTPDevice.objects.get(user=member)
    response = guest.post("/accounts/login/code/", {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 200  # even the right code is refused while locked
    assert guest.get("/accounts/profile/").status_code == 302


def test_the_code_page_without_a_password_step_sends_back_to_login(client, db):
    assert client.get("/accounts/login/code/").url == "/accounts/login/"


@pytest.mark.parametrize("code", ["", " ", "\x00", "9" * 40, "ééé"])
def test_odd_codes_get_a_clear_error(member_client, member, code):
    turn_on(member_client, member)
    guest = Client()
    log_in(guest)
    assert guest.post("/accounts/login/code/", {"code": code}).status_code == 200


def test_turning_it_off_needs_the_password(member_client, member):
    turn_on(member_client, member)
    member_client.post("/accounts/two-factor/off/", {"password": "wrong"})
    member.refresh_from_db()
    assert member.has_two_factor
    member_client.post("/accounts/two-factor/off/", {"password": PASSWORD})
    member.refresh_from_db()
    assert not member.has_two_factor and not TOTPDevice.objects.filter(user=member).exists()


def test_the_admin_login_refuses_a_member_with_two_factor(member_client, member):
    turn_on(member_client, member)
    User.objects.filter(pk=member.pk).update(is_staff=True)
    response = Client().post("/admin/login/", {"username": "Member_One", "password": PASSWORD})
    assert "logs in with a code as well" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.fixture
def staff(db):
    return User.objects.create_user(
        username="Staffer", email="staff@example.com", password=PASSWORD, is_staff=True
    )


def test_a_staff_session_without_the_second_factor_is_refused_when_the_board_requires_it(
    client, staff, settings
):
    settings.BOARD_STAFF_TWO_FACTOR = True
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert client.get(response.url).url == "/accounts/two-factor/"


def test_a_staff_member_who_set_it_up_gets_into_the_admin(client, staff, settings):
    settings.BOARD_STAFF_TWO_FACTOR = True
    client.force_login(staff)
    turn_on(client, staff)
    assert client.get("/admin/").status_code == 200


def test_a_staff_login_with_password_and_code_opens_the_admin(client, staff, settings):
    settings.BOARD_STAFF_TWO_FACTOR = True
    client.force_login(staff)
    turn_on(client, staff)
    guest = Client()
    log_in(guest, login="Staffer", next_url="/admin/")
    device = TOTPDevice.objects.get(user=staff)
    assert guest.post("/accounts/login/code/", {"code": code_for(device, 1)}).url == "/admin/"
    assert guest.get("/admin/").status_code == 200


def test_without_the_setting_staff_need_no_second_factor(client, staff):
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_the_setup_page_costs_a_fixed_number_of_queries(
    member_client, member, django_assert_num_queries
):
    member_client.get("/accounts/two-factor/")
    # session, member, the unconfirmed device
    with django_assert_num_queries(3):
        assert member_client.get("/accounts/two-factor/").status_code == 200


def test_a_superuser_turns_off_a_members_two_factor_from_the_admin(
    client, member_client, member, superuser
):
    turn_on(member_client, member)
    client.force_login(superuser)
    data = {"action": "turn_off_two_factor", "_selected_action": [member.pk]}
    client.post("/admin/accounts/user/", data)
    member.refresh_from_db()
    assert not member.has_two_factor and not TOTPDevice.objects.filter(user=member).exists()
    event = AccountEvent.objects.get(member=member, kind=AccountEvent.TWO_FACTOR_OFF)
    assert event.by == superuser


def test_the_admin_shows_no_page_of_device_secrets(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def stored_codes(member) -> list[str]:
    return list(StaticToken.objects.filter(device__user=member).values_list("token", flat=True))


def test_recovery_codes_are_stored_only_as_keyed_hashes(member_client, member):
    codes = turn_on(member_client, member)
    stored = stored_codes(member)
    assert len(stored) == 10 and not set(stored) & set(codes)
    assert sorted(stored) == sorted(two_factor.recovery_code_hash(member.pk, c) for c in codes)


def test_the_same_code_of_two_members_is_stored_apart(member, other_member):
    assert two_factor.recovery_code_hash(member.pk, "abcdefgh") != two_factor.recovery_code_hash(
        other_member.pk, "abcdefgh"
    )


def test_a_stored_hash_typed_as_a_code_does_not_log_in(member_client, member):
    turn_on(member_client, member)
    guest = Client()
    log_in(guest)
    response = guest.post("/accounts/login/code/", {"code": stored_codes(member)[0]})
    assert response.status_code == 200 and guest.get("/accounts/profile/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones_and_are_shown_once(member_client, member):
    old = turn_on(member_client, member)
    response = member_client.post("/accounts/two-factor/recovery-codes/", {"password": PASSWORD})
    new = response.context["codes"]
    assert all(code in response.content.decode() for code in new)
    page = member_client.get("/accounts/two-factor/").content.decode()
    assert not any(code in page for code in new + stored_codes(member))
    guest = Client()
    log_in(guest)
    assert guest.post("/accounts/login/code/", {"code": new[0]}).status_code == 302
    again = Client()
    log_in(again)
    assert again.post("/accounts/login/code/", {"code": old[1]}).status_code == 200


def test_recovery_codes_still_log_in_after_the_secret_key_is_rotated(
    member_client, member, settings
):
    codes = turn_on(member_client, member)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" * 4
    guest = Client()
    log_in(guest)
    assert guest.post("/accounts/login/code/", {"code": codes[1]}).status_code == 302


def test_a_plaintext_code_from_before_the_upgrade_logs_in_once_after_the_migration(
    member_client, member
):
    turn_on(member_client, member)
    StaticToken.objects.filter(device__user=member).update(token="plaincod")
    StaticToken.objects.filter(device__user=member).exclude(
        pk=StaticToken.objects.filter(device__user=member).order_by("pk")[0].pk
    ).delete()
    migration = importlib.import_module("accounts.migrations.0017_fixes_hashed_recovery_codes")
    migration.hash_codes(apps, None)
    migration.hash_codes(apps, None)  # a second run leaves hashes alone
    assert stored_codes(member) == [two_factor.recovery_code_hash(member.pk, "plaincod")]
    guest = Client()
    log_in(guest)
    assert guest.post("/accounts/login/code/", {"code": "PLAINCOD"}).status_code == 302
    again = Client()
    log_in(again)
    assert again.post("/accounts/login/code/", {"code": "plaincod"}).status_code == 200


def test_error_reports_hide_the_code_typed_at_the_code_step(member_client, member):
    turn_on(member_client, member)
    guest = Client()
    log_in(guest)
    response = guest.post("/accounts/login/code/", {"code": "abcdefgh"})
    reported = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert reported["code"] != "abcdefgh" and "*" in reported["code"]


def test_neither_the_admin_nor_the_data_export_shows_a_stored_code(
    client, member_client, member, superuser, django_capture_on_commit_callbacks
):
    codes = turn_on(member_client, member)
    secrets = codes + stored_codes(member)
    client.force_login(superuser)
    for url in [f"/admin/accounts/user/{member.pk}/change/", "/admin/accounts/accountevent/"]:
        page = client.get(url).content.decode()
        assert not any(secret in page for secret in secrets), url
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post("/accounts/data/")
    link = re.search(r"http://testserver(/accounts/data/\S+/)", mail.outbox[-1].body)[1]
    response = member_client.get(link)
    content = b"".join(response.streaming_content if response.streaming else [response.content])
    archive = zipfile.ZipFile(io.BytesIO(content))
    text = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert "two_factor" in text and not any(secret in text for secret in secrets)
