"""A new member's first post waits for a moderator, in Chromium against the live server."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from following.models import subscribe
from forum.models import Post, Thread
from tests.browser.conftest import log_in
from tests.conftest import make_member
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.browser
SAMPLE_URL = "/threads/1/cardio-back-pain/"


def test_a_new_members_first_post_waits_until_a_moderator_approves_it_then_followers_hear(
    tab, second_tab, board, settings
):
    settings.BOARD_HOLD_FIRST_POSTS = 1
    follower = make_member("Keen_Follower")
    subscribe(follower, thread=Thread.objects.get(slug="cardio-back-pain"))
    log_in(tab, make_member("Brand_New"))
    page = tab.page
    page.goto(SAMPLE_URL)
    page.get_by_role("textbox", name="Message").fill("Hello all, first post here!")
    page.get_by_role("button", name="Post Quick Reply").click()
    expect(page.get_by_text("a moderator will look at your post")).to_be_visible()
    expect(page.locator(".postbit-held")).to_contain_text("Hello all, first post here!")
    expect(page.locator(".postbit-held")).to_contain_text("Awaiting moderation")
    tab.snap("the first post waits")
    held = Post.objects.get(body="Hello all, first post here!")
    assert held.is_held and mail.outbox == []

    log_in(second_tab, make_moderator("Queue_Mod"))
    moderator = second_tab.page
    moderator.goto("/")
    moderator.get_by_role("link", name="Queue 1 waiting").click()
    expect(moderator.get_by_role("heading", name="Moderation queue")).to_be_visible()
    moderator.locator(f'input[name="post"][value="{held.pk}"]').check()
    second_tab.snap("the moderators queue")
    moderator.get_by_role("button", name="Approve selected").click()
    expect(moderator.get_by_text("Approved 1")).to_be_visible()
    expect(moderator.get_by_text("Nothing is waiting for approval.")).to_be_visible()
    second_tab.snap("the queue is empty")

    held.refresh_from_db()
    assert not held.is_held and held.number is not None
    assert [message.to for message in mail.outbox] == [[follower.email]]
    page.goto(f"/posts/{held.pk}/")  # numbered now: it may have moved to a new page
    expect(page.locator(f"#post{held.pk} .postbit-number")).to_have_text(f"#{held.number}")
    tab.snap("the post is published")
