"""Private messages in Chromium: a member writes, the recipient sees the unread badge and
replies; the ignore list's hidden post opens without script; axe on the message pages."""

import json

import pytest
from playwright.sync_api import expect

from forum import actions as forum_actions
from messaging import actions
from tests.browser.conftest import DESKTOP, PHONE, log_in
from tests.browser.test_accessibility import BLOCKING_IMPACTS, axe_violations
from tests.conftest import make_member

pytestmark = pytest.mark.browser


def test_a_member_sends_a_message_and_the_recipient_sees_the_badge_and_replies(
    tab, second_tab, board
):
    sender, recipient = make_member("Pen_Pal"), make_member("Far_Friend")
    log_in(tab, sender)
    page = tab.page
    page.goto(f"/members/{recipient.pk}/")
    page.get_by_role("link", name="Send a private message").click()
    expect(page.get_by_role("textbox", name="To")).to_have_value("Far_Friend")
    page.get_by_role("textbox", name="Subject").fill("Leg day")
    page.get_by_role("textbox", name="Message").fill("Squats on [b]Monday[/b]?")
    tab.snap("writing a private message")
    page.get_by_role("button", name="Send Message").click()
    expect(page.get_by_text("Your message was sent.")).to_be_visible()
    expect(page.locator(".postbit-message strong")).to_have_text("Monday")

    log_in(second_tab, recipient)
    other = second_tab.page
    other.goto("/")
    badge = other.get_by_role("link", name="Messages 1 unread")
    expect(badge).to_be_visible()
    second_tab.snap("the unread badge")
    badge.click()
    expect(other.get_by_text("Unread", exact=True)).to_be_visible()
    second_tab.snap("the inbox")
    other.get_by_role("link", name="Leg day").click()
    expect(other.locator(".postbit-message")).to_contain_text("Squats on Monday?")
    expect(other.get_by_role("link", name="Messages 1 unread")).to_have_count(0)
    other.get_by_role("textbox", name="Message").fill("Deal, see you there.")
    second_tab.snap("replying")
    other.get_by_role("button", name="Send Reply").click()
    expect(other.get_by_text("Your reply was sent.")).to_be_visible()
    expect(other.locator(".postbit")).to_have_count(2)

    page.goto("/")
    page.get_by_role("link", name="Messages 1 unread").click()
    page.get_by_role("link", name="Leg day").click()
    expect(page.locator(".postbit").last).to_contain_text("Deal, see you there.")
    tab.snap("the reply arrived")


def test_an_ignored_members_post_opens_with_a_click_and_no_script(tab, board):
    from forum.models import Thread

    reader, pest = make_member("Calm_Reader"), make_member("Loud_Poster")
    thread = Thread.objects.get(slug="cardio-back-pain")
    post = forum_actions.add_reply(thread=thread, author=pest, body="LOUD WORDS")
    actions.ignore_member(member=reader, ignored=pest)
    log_in(tab, reader)
    page = tab.page
    page.goto(f"/posts/{post.pk}/")
    expect(page.get_by_text("This message is hidden because Loud_Poster")).to_be_visible()
    expect(page.get_by_text("LOUD WORDS")).to_be_hidden()
    tab.snap("a hidden post")
    page.get_by_text("Show this message").click()
    expect(page.get_by_text("LOUD WORDS")).to_be_visible()
    tab.snap("the hidden post shown")


PAGES = ["/messages/", "/messages/{c}/", "/messages/new/", "/messages/sent/", "/messages/lists/"]


@pytest.mark.parametrize("path", PAGES)
def test_the_message_pages_have_no_serious_or_critical_axe_violations(axe_tab, board, path):
    member, friend = make_member("Axe_Writer"), make_member("Axe_Friend")
    conversation = actions.start_conversation(
        sender=friend, recipients=[member], subject="Axe", body="[quote=x]q[/quote] hello :)"
    ).conversation
    member.contacts.add(friend)
    log_in(axe_tab, member)
    page = axe_tab.page
    assert page.goto(path.format(c=conversation.pk)).status == 200
    blocking = {}
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
        if found:
            blocking[f"{viewport['width']} px"] = found
    assert not blocking, f"axe on {path}:\n" + json.dumps(blocking, indent=2)
    fits = page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert fits, f"{path} scrolls sideways at 390 px"
