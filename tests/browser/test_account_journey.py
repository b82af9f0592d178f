"""A member changes their email address and turns on two-factor login, in Chromium."""

import base64
import re

import pytest
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.models import User
from tests.conftest import make_member

pytestmark = pytest.mark.browser
PASSWORD = "a-long-pass-42"


def log_in_with_form(tab, username):
    page = tab.page
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def code_from_key(key_text: str, steps_ahead: int = 0) -> str:
    secret = key_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = totp.time + steps_ahead * 30
    return f"{totp.token():06d}"


def test_a_member_changes_their_email_address_through_the_mailed_link(tab, transactional_db):
    member = make_member("Mover")
    log_in_with_form(tab, "Mover")
    page = tab.page
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Change your email address").click()
    expect(page.get_by_role("heading", name="Change your email address")).to_be_visible()
    tab.snap("the email form")
    page.get_by_label("New email address").fill("mover@new.example")
    page.get_by_label("Your current password").fill("wrong password")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("That is not your current password.")).to_be_visible()
    tab.snap("a wrong password")
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("A link is on its way to mover@new.example")).to_be_visible()
    expect(page.get_by_text("waits for its confirmation link")).to_be_visible()
    tab.snap("the link is on its way")
    [to_new] = [m for m in mail.outbox if m.to == ["mover@new.example"]]
    assert [m for m in mail.outbox if m.to == ["mover@example.com"]]  # the notice with undo
    link = re.search(r"https?://[^/\s]+(/accounts/email/confirm/\S+/)", to_new.body)[1]
    page.goto(link)
    expect(page.get_by_text("will use mover@new.example")).to_be_visible()
    tab.snap("the confirmation page")
    page.get_by_role("button", name="Use this address").click()
    expect(page.get_by_text("Your account now uses mover@new.example.")).to_be_visible()
    member.refresh_from_db()
    assert member.email == "mover@new.example"


def test_a_member_turns_on_two_factor_login_and_logs_in_with_a_code(
    tab, second_tab, transactional_db, settings
):
    # django-otp makes a device wait a second after a wrong code; this member types fast.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    make_member("Careful")
    log_in_with_form(tab, "Careful")
    page = tab.page
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Two-factor login").click()
    expect(page.get_by_role("heading", name="Turn on two-factor login")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    tab.snap("the qr code")
    key = page.locator(".two-factor-key").inner_text()
    page.get_by_label("Code from your app").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.get_by_label("Code from your app").fill(code_from_key(key))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    tab.snap("the recovery codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_role("heading", name="Two-factor login is on")).to_be_visible()
    tab.snap("two-factor is on")
    assert User.objects.get(username="Careful").has_two_factor

    log_in_with_form(second_tab, "Careful")
    other = second_tab.page
    expect(other.get_by_role("heading", name="Two-factor login")).to_be_visible()
    second_tab.snap("the code step")
    other.get_by_label("Code").fill(code_from_key(key, steps_ahead=1))
    other.get_by_role("button", name="Log in").click()
    other.goto("/accounts/sessions/")
    expect(other.get_by_role("heading", name="Where you are logged in")).to_be_visible()
    expect(other.get_by_text("(this browser)")).to_be_visible()
    second_tab.snap("the sessions page")
