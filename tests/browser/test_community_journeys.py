"""Community journeys in Chromium: voting in a poll, thanking a post, and an @mention that
rings the mentioned member's bell."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from community import actions as community_actions
from community.models import Notice, PollBallot
from forum.models import Post, Thread
from tests.browser.conftest import log_in
from tests.conftest import make_member

pytestmark = pytest.mark.browser
SAMPLE_URL = "/threads/1/cardio-back-pain/"


def test_a_member_votes_in_a_poll_and_sees_the_results_as_bars(tab, board):
    thread = Thread.objects.get(slug="cardio-back-pain")
    community_actions.create_poll(
        thread=thread,
        question="What hurts your back most?",
        options=["Running", "Rowing", "Stairs"],
    )
    voter = make_member("Poll_Voter")
    log_in(tab, voter)
    page = tab.page
    page.goto(SAMPLE_URL)
    poll = page.get_by_role("region", name="Poll: What hurts your back most?")
    expect(poll).to_be_visible()
    tab.snap("poll form")
    poll.get_by_role("radio", name="Rowing").check()
    poll.get_by_role("button", name="Vote Now").click()
    expect(page.get_by_text("Thank you for voting.")).to_be_visible()
    results = page.get_by_role("region", name="Poll: What hurts your back most?")
    expect(results).to_contain_text("Rowing (your vote)")
    expect(results.get_by_role("progressbar", name="Votes for Rowing")).to_have_attribute(
        "aria-valuenow", "100"
    )
    expect(results.get_by_role("button", name="Vote Now")).to_have_count(0)
    tab.snap("poll results")
    assert PollBallot.objects.filter(member=voter).count() == 1


def test_a_member_thanks_a_post_and_is_listed_under_it(tab, board):
    thanker = make_member("Grateful_Gus")
    log_in(tab, thanker)
    page = tab.page
    post = Post.objects.get(thread__slug="cardio-back-pain", number=2)
    page.goto(SAMPLE_URL)
    article = page.locator(f"article#post{post.pk}")
    article.get_by_role("button", name=re.compile(r"^Thanks for post")).click()
    expect(page).to_have_url(re.compile(rf"#post{post.pk}$"))
    article = page.locator(f"article#post{post.pk}")
    expect(article.locator(".postbit-thanks")).to_contain_text(
        f"1 member thanked {post.author} for this post: Grateful_Gus"
    )
    expect(article.get_by_role("button", name=re.compile(r"^Thanks for post"))).to_have_count(0)
    tab.snap("thanked post")
    assert Post.objects.get(pk=post.pk).thanks_count == 1


def test_a_mentioned_member_sees_the_bell_count_and_opens_the_post(tab, second_tab, board):
    target = make_member("Mention_Target")
    log_in(tab, make_member("Mentioner"))
    page = tab.page
    page.goto(SAMPLE_URL)
    page.get_by_role("textbox", name="Message").fill("@Mention_Target what do you think?")
    page.get_by_role("button", name="Post Quick Reply").click()
    reply = Post.objects.filter(thread__slug="cardio-back-pain").order_by("-number").first()
    expect(page.locator(f"article#post{reply.pk} a.mention")).to_have_text("@Mention_Target")
    tab.snap("mention posted")

    log_in(second_tab, User.objects.get(pk=target.pk))
    other = second_tab.page
    other.goto("/")
    bell = other.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(bell).to_contain_text("1")
    expect(bell.get_by_label("1 unread")).to_be_visible()
    second_tab.snap("bell with one")
    bell.click()
    other.get_by_role("button", name="Mentioner mentioned you in Cardio = Back pain...").click()
    expect(other).to_have_url(re.compile(rf"#post{reply.pk}$"))
    expect(other.get_by_role("link", name=re.compile(r"^Notifications"))).not_to_contain_text("1")
    second_tab.snap("mention opened")
    assert Notice.objects.get(recipient=target).is_read
