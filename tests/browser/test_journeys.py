"""The board's main journeys, clicked through in Chromium against the live server.

Each step keeps a screenshot at desktop and phone width (test-artifacts/screenshots/) and
checks that the phone layout does not scroll sideways.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from forum import actions
from forum.models import Forum, Post, Thread
from tests.browser.conftest import log_in
from tests.conftest import make_member

pytestmark = pytest.mark.browser
SAMPLE_URL = "/threads/1/cardio-back-pain/"


def sample_thread() -> Thread:
    return Thread.objects.get(slug="cardio-back-pain")


def post_article(page, post: Post):
    return page.locator(f"article#post{post.pk}")


def test_a_visitor_reads_the_sample_thread_pages_through_a_long_one_and_follows_permalinks(
    tab, board
):
    author = make_member("Long_Talker")
    long_thread = actions.create_thread(
        forum=Forum.objects.get(slug="cardio"),
        author=author,
        title="Twenty-five days of rowing",
        body="Day 1: 5 km on the rower.",
    ).thread
    for day in range(2, 26):
        actions.add_reply(thread=long_thread, author=author, body=f"Day {day}: rowed again.")
    page = tab.page

    page.goto("/")
    expect(page.get_by_role("link", name="Cardio & Conditioning")).to_be_visible()
    tab.snap("board index")
    page.get_by_role("link", name="Cardio & Conditioning").click()
    expect(page.get_by_role("heading", level=1, name="Cardio & Conditioning")).to_be_visible()
    tab.snap("forum")

    page.get_by_role("link", name="Cardio = Back pain...", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(SAMPLE_URL) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cardio = Back pain...")
    expect(page.locator("article.postbit")).to_have_count(10)
    expect(page.locator("article.postbit").nth(1).locator(".postbit-name")).to_have_text("Ross86")
    # A visitor reads; replying asks them to log in.
    expect(page.locator(".reply-refusal")).to_contain_text("Log in or register to reply.")
    expect(page.get_by_role("textbox", name="Message")).to_have_count(0)
    tab.snap("sample thread")

    page.goto("/forums/cardio/")
    page.get_by_role("link", name="Twenty-five days of rowing", exact=True).click()
    expect(page.locator(".board-pages-label").first).to_have_text("Page 1 of 3")
    expect(page.locator("article.postbit")).to_have_count(10)
    tab.snap("long thread page 1")
    page.get_by_role("link", name="Next page").first.click()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(page.locator(".postbit-number").first).to_have_text("#11")
    tab.snap("long thread page 2")
    page.get_by_role("link", name="Next page").first.click()
    expect(page).to_have_url(re.compile(r"\?page=3$"))
    expect(page.locator(".postbit-number")).to_have_text(["#21", "#22", "#23", "#24", "#25"])
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    tab.snap("long thread page 3")

    # The #N link on page 2 is the post's permalink: it leads back to page 2, at the post.
    page.get_by_role("link", name="Previous page").first.click()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    post15 = Post.objects.get(thread=long_thread, number=15)
    page.get_by_role("link", name="Post number 15, permalink").click()
    expect(page).to_have_url(
        re.compile(rf"{long_thread.get_absolute_url()}\?page=2#post{post15.pk}$")
    )
    expect(post_article(page, post15)).to_be_in_viewport()
    expect(post_article(page, post15)).to_contain_text("Day 15: rowed again.")
    tab.snap("permalink to post 15")

    # From the forum, "Go to last post" is post #25's permalink: page 3, at the post.
    page.goto("/forums/cardio/")
    row = page.get_by_role("row").filter(has_text="Twenty-five days of rowing")
    row.get_by_role("link", name="Go to last post").click()
    post25 = Post.objects.get(thread=long_thread, number=25)
    expect(page).to_have_url(re.compile(rf"\?page=3#post{post25.pk}$"))
    expect(post_article(page, post25)).to_be_in_viewport()
    tab.snap("last post permalink")


def test_a_newcomer_registers_logs_in_again_replies_quoting_ross86_and_edits_the_reply(tab, board):
    page = tab.page
    page.goto(SAMPLE_URL)
    page.get_by_role("banner").get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="Register")).to_be_visible()
    page.get_by_label("Username").fill("Treadmill_Tom")
    page.get_by_label("Email").fill("tom@example.com")
    page.locator("#id_password1").fill("rowing-beats-running-42")
    page.locator("#id_password2").fill("rowing-beats-running-42")
    tab.snap("registration form")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Welcome to IronWorks Fitness Forums, Treadmill_Tom!")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Treadmill_Tom")).to_be_visible()
    tab.snap("registered")
    assert User.objects.filter(username="Treadmill_Tom").exists()

    header = page.get_by_role("banner")
    header.get_by_role("button", name="Log out").click()
    header.get_by_role("link", name="Log in").click()
    page.get_by_label("Username or email").fill("tom@example.com")
    page.get_by_label("Password").fill("rowing-beats-running-42")
    tab.snap("login form")
    page.get_by_role("button", name="Log in").click()
    expect(header.get_by_role("link", name="Treadmill_Tom")).to_be_visible()

    page.goto(SAMPLE_URL)
    ross_post = Post.objects.get(thread=sample_thread(), number=2)
    post_article(page, ross_post).get_by_role("link", name="Quote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reply to Thread: Cardio = Back pain..."
    )
    message = page.get_by_role("textbox", name="Message")
    expect(message).to_have_value(re.compile(rf"^\[QUOTE=Ross86;{ross_post.pk}\]"))
    message.press("Control+End")
    message.press_sequentially("\nAgreed: the rower spared my back too.")
    tab.snap("reply with quote")
    page.get_by_role("button", name="Submit Reply").click()

    reply = Post.objects.get(thread=sample_thread(), number=11)
    expect(page).to_have_url(re.compile(rf"{SAMPLE_URL}\?page=2#post{reply.pk}$"))
    article = post_article(page, reply)
    expect(article.locator(".postbit-name")).to_have_text("Treadmill_Tom")
    expect(article.locator(".bbquote")).to_contain_text("Originally Posted by Ross86")
    expect(article).to_contain_text("Agreed: the rower spared my back too.")
    tab.snap("reply posted")

    article.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Post #11 by Treadmill_Tom")
    message = page.get_by_role("textbox", name="Message")
    message.fill(message.input_value().replace("the rower", "the rower (and the bike)"))
    tab.snap("editing the reply")
    page.get_by_role("button", name="Save Changes").click()
    article = post_article(page, reply)
    expect(article).to_contain_text("Agreed: the rower (and the bike) spared my back too.")
    expect(article.locator(".postbit-edited")).to_contain_text("Last edited by Treadmill_Tom")
    tab.snap("reply edited")


def test_a_member_starts_a_thread_with_bbcode_and_smilies_and_sees_them_rendered(tab, board):
    log_in(tab, make_member("Smiley_Sam"))
    page = tab.page
    page.goto("/forums/cardio/")
    page.get_by_role("link", name="New Thread").click()
    page.get_by_label("Title").fill("Hill sprints")
    page.get_by_role("textbox", name="Message").fill(
        "[b]Hill sprints[/b] beat the treadmill :) and [i]twice a week[/i] is plenty ;)"
    )
    tab.snap("new thread form")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".postbit-message strong")).to_have_text("Hill sprints")
    tab.snap("new thread preview")
    page.get_by_role("button", name="Submit New Thread").click()

    thread = Thread.objects.get(title="Hill sprints")
    expect(page).to_have_url(re.compile(rf"{thread.get_absolute_url()}#post\d+$"))
    message = page.locator("article.postbit .postbit-message")
    expect(message.locator("strong")).to_have_text("Hill sprints")
    expect(message.locator("em")).to_have_text("twice a week")
    expect(message.locator("img.smilie")).to_have_count(2)
    smile = message.get_by_role("img", name=":)")
    expect(smile).to_have_attribute("src", "/static/smilies/smile.svg")
    assert smile.evaluate("img => img.complete && img.naturalWidth > 0"), "the smilie did not load"
    expect(message).not_to_contain_text("[b]")
    tab.snap("new thread rendered")


def test_a_moderator_closes_the_sample_thread_and_the_members_reply_box_is_gone(
    tab, second_tab, board
):
    log_in(tab, make_member("Keen_Member"))
    page = tab.page
    page.goto(SAMPLE_URL)
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    tab.snap("member sees the reply box")

    User.objects.create_superuser("Head_Mod", "mod@example.com", "moderating-is-fun-42")
    admin = second_tab.page
    admin.goto("/admin/")
    admin.get_by_label("Username").fill("Head_Mod")
    admin.get_by_label("Password").fill("moderating-is-fun-42")
    admin.get_by_role("button", name="Log in").click()
    admin.goto("/admin/forum/thread/")
    row = admin.get_by_role("row").filter(has_text="Cardio = Back pain...")
    row.get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option("lock")
    second_tab.snap("admin close action")
    admin.get_by_role("button", name="Run").click()
    expect(admin.get_by_text("Closed 1.")).to_be_visible()
    second_tab.snap("admin thread closed")
    assert sample_thread().is_locked

    page.reload()
    expect(page.get_by_text("Closed", exact=True)).to_be_visible()
    expect(page.locator(".reply-refusal")).to_have_text("This thread is closed: no new replies.")
    expect(page.get_by_role("textbox", name="Message")).to_have_count(0)
    expect(page.get_by_role("link", name="Post Reply")).to_have_count(0)
    expect(page.get_by_role("link", name="Quote")).to_have_count(0)
    tab.snap("member sees the thread closed")


def test_searching_from_the_header_finds_a_new_reply(tab, board):
    log_in(tab, make_member("Search_Sue"))
    page = tab.page
    page.goto(SAMPLE_URL)
    page.get_by_role("textbox", name="Message").fill("Try the elliptical trainer for a week.")
    page.get_by_role("button", name="Post Quick Reply").click()
    reply = Post.objects.get(thread=sample_thread(), number=11)
    expect(page).to_have_url(re.compile(rf"#post{reply.pk}$"))

    search = page.get_by_role("searchbox", name="Search the forums")
    search.fill("elliptical")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=elliptical$"))
    expect(page.get_by_role("heading", name="Search results: 1 post")).to_be_visible()
    result = page.locator(".search-result")
    expect(result).to_contain_text("post #11 by Search_Sue")
    expect(result.locator("mark")).to_have_text("elliptical")
    tab.snap("search results")
    result.get_by_role("link", name="Cardio = Back pain...").click()
    expect(page).to_have_url(re.compile(rf"\?page=2#post{reply.pk}$"))
    expect(post_article(page, reply)).to_be_in_viewport()
    tab.snap("search result opened")


def test_a_member_formats_a_reply_with_the_toolbar_and_a_smilie_using_the_keyboard(tab, board):
    log_in(tab, make_member("Toolbar_Tina"))
    page = tab.page
    page.goto("/threads/1/reply/")
    box = page.get_by_role("textbox", name="Message")
    toolbar = page.get_by_role("toolbar", name="Formatting")
    expect(toolbar).to_be_visible()
    box.fill("Rowing")
    box.press("Control+a")
    box.press("Control+b")  # the box's own shortcut wraps the selection
    box.press("End")
    box.press("Shift+Tab")  # back from the box to the toolbar's last button, a smilie
    expect(toolbar.get_by_role("button", name="embarrassed")).to_be_focused()
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
    expect(toolbar.get_by_role("button", name="mad")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(toolbar.get_by_role("button", name="List")).to_be_focused()
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
    expect(toolbar.get_by_role("button", name="Link")).to_be_focused()
    toolbar.get_by_role("button", name="smile").click()
    page.keyboard.type("saves my back")
    box.press("Control+a")
    toolbar.get_by_role("button", name="italic").press("Enter")
    expect(box).to_have_value("[i][b]Rowing[/b] :) saves my back[/i]")
    tab.snap("reply written with the toolbar")
    page.get_by_role("button", name="Submit Reply").click()

    message = page.locator("article.postbit .postbit-message").last
    expect(message.locator("em strong")).to_have_text("Rowing")
    expect(message.get_by_role("img", name=":)")).to_be_visible()


def test_the_footer_switch_turns_the_board_dark_for_a_visitor_and_for_a_member(tab, board):
    page = tab.page
    page.emulate_media(color_scheme="light")
    page.goto("/")
    root = page.locator("html")
    expect(root).to_have_attribute("data-bs-theme", "light")
    page.get_by_role("group", name="Colours").get_by_role("button", name="Dark").click()
    expect(root).to_have_attribute("data-bs-theme", "dark")
    page.goto("/members/")  # remembered in the visitor's browser
    expect(root).to_have_attribute("data-bs-theme", "dark")
    tab.snap("dark board for a visitor")

    member = make_member("Night_Owl")
    log_in(tab, member)
    page.goto("/")
    expect(root).to_have_attribute("data-bs-theme", "light")  # a member's own choice: auto
    page.emulate_media(color_scheme="dark")  # the system turns dark: "As my system" follows
    expect(root).to_have_attribute("data-bs-theme", "dark")
    page.emulate_media(color_scheme="light")
    page.get_by_role("form", name="Colours").get_by_role("button", name="Dark").click()
    expect(root).to_have_attribute("data-bs-theme", "dark")
    member.refresh_from_db()
    assert member.color_mode == "dark"
    expect(
        page.get_by_role("form", name="Colours").get_by_role("button", name="Dark")
    ).to_have_attribute("aria-pressed", "true")
    tab.snap("dark board for a member")


def test_a_member_finds_their_time_zone_by_typing_a_city(tab, board):
    member = make_member("Paris_Pete")
    log_in(tab, member)
    page = tab.page
    page.goto("/accounts/profile/")
    page.get_by_label("Find a time zone").fill("paris")
    zone = page.get_by_label("Time zone", exact=True)
    expect(zone).to_have_value("Europe/Paris")
    assert page.locator("#id_time_zone option:not([hidden])").count() == 2  # and the default
    page.get_by_label("Find a time zone").fill("utc+9")
    expect(zone.locator('option:not([hidden]):not([value=""])').first).to_have_text(
        re.compile(r"\(UTC\+09:00\)")
    )
    tab.snap("time zone search")
    page.get_by_label("Find a time zone").fill("paris")
    page.get_by_role("button", name="Save profile").click()
    member.refresh_from_db()
    assert member.time_zone == "Europe/Paris"
