"""A guest looks for a staff-only forum by every page, feed and search, and never finds it;
its moderator finds it at once. Then the board's subforums and announcement, as a visitor."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from forum import actions
from forum.markup import render_bbcode
from forum.models import Announcement, Category, Forum
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SECRET = "Quokka payroll"


@pytest.fixture
def staff_room(board):
    category = Category.objects.get(forums__slug="cardio")
    forum = Forum.objects.create(category=category, name="Staff Room", slug="staff-room")
    actions.apply_forum_preset(forums=[forum], preset="staff_only")
    boss = User.objects.create_superuser("Boss", "boss@example.com", "a-long-pass-42")
    thread = actions.create_thread(
        forum=forum, author=boss, title=SECRET, body="The quokka budget is due."
    ).thread
    return {"forum": forum, "thread": thread, "boss": boss}


def test_a_guest_cannot_find_a_staff_only_forum_by_any_page_feed_or_search(tab, staff_room):
    page, thread = tab.page, staff_room["thread"]
    page.goto("/")
    expect(page.get_by_role("link", name="Cardio & Conditioning")).to_be_visible()
    expect(page.get_by_text("Staff Room")).to_have_count(0)
    expect(page.get_by_text(SECRET)).to_have_count(0)
    expect(page.locator(".board-stats", has_text="Threads:")).to_contain_text(
        "Threads: 1, Posts: 10"
    )
    tab.snap("index without the staff room")

    page.get_by_role("searchbox").first.fill("quokka")
    page.get_by_role("searchbox").first.press("Enter")
    expect(page.get_by_text("quokka budget")).to_have_count(0)
    expect(page.get_by_text(SECRET)).to_have_count(0)
    tab.snap("search finds nothing")

    for url in ["/feeds/threads/rss/", "/feeds/threads/atom/"]:
        response = page.goto(url)
        assert response.status == 200 and SECRET not in response.text()
    for url in [
        "/forums/staff-room/",
        thread.get_absolute_url(),
        f"/threads/{thread.pk}/{thread.slug}/print/",
        f"/posts/{thread.first_post_id}/",
        "/feeds/forums/staff-room/rss/",
        f"/feeds/threads/{thread.pk}/rss/",
    ]:
        response = page.goto(url)
        assert response.status == 404, url
        assert SECRET not in response.text(), url
    tab.snap("not found")
    # Those 404s (and the feeds' favicon, which XML names none of) are what the test asked for.
    tab.errors = [error for error in tab.errors if "status of 404" not in error]


def test_the_forums_superuser_finds_it_at_once(tab, staff_room):
    log_in(tab, staff_room["boss"])
    page = tab.page
    page.goto("/")
    page.get_by_role("link", name="Staff Room").click()
    page.get_by_role("link", name=SECRET).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SECRET)
    tab.snap("staff room thread")


def test_a_visitor_walks_down_a_subforum_and_reads_the_announcement(tab, board):
    cardio = Forum.objects.get(slug="cardio")
    child = Forum.objects.create(
        category=cardio.category, name="Rowing", slug="rowing", parent=cardio
    )
    Announcement.objects.create(
        forum=cardio,
        title="Race day",
        body="[b]Sunday[/b]",
        body_html=render_bbcode("[b]Sunday[/b]"),
    )
    actions.rebuild_forum_tree()
    del child
    page = tab.page
    page.goto("/")
    expect(page.locator(".subforums")).to_contain_text("Sub-Forums: Rowing")
    tab.snap("index with a subforum")
    page.get_by_role("link", name="Rowing", exact=True).first.click()
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs).to_contain_text("Cardio & Conditioning")
    expect(page.get_by_role("heading", name="Announcement: Race day")).to_be_visible()
    tab.snap("subforum with the announcement")
