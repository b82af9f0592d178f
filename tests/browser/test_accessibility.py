"""Accessibility in a real browser: axe-core on the board's pages, the page structure a screen
reader or keyboard user relies on, and a reply written with the keyboard alone.

axe-core is vendored in tests/browser/vendor/ (MPL-2.0, with its licence) and injected with
add_script_tag: no CDN.
"""

import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from community import actions as community_actions
from forum import actions
from forum.models import Announcement, Forum, Post, Thread
from tests.browser.conftest import AXE, DESKTOP, PHONE, copy_rows, log_in, put_back_rows
from tests.conftest import make_member

pytestmark = pytest.mark.browser
SAMPLE_URL = "/threads/1/cardio-back-pain/"
BLOCKING_IMPACTS = {"serious", "critical"}

# (name, path, who, submit): who is None for a visitor, "member" or "moderator"; submit sends
# the page's main form empty, to check the page with its error messages.
PAGES = [
    ("board index", "/", None, False),
    ("board index as a member", "/", "member", False),
    ("forum", "/forums/cardio/", None, False),
    ("forum as a member", "/forums/cardio/", "member", False),
    ("subforum", "/forums/rowing/", None, False),
    ("thread as a visitor", SAMPLE_URL, None, False),
    ("thread as a member", SAMPLE_URL, "member", False),
    ("thread as a moderator", SAMPLE_URL, "moderator", False),
    ("long thread page 2 as a member", "/threads/{long}/rowing-log/?page=2", "member", False),
    ("closed thread as a member", "/threads/{closed}/closed-for-winter/", "member", False),
    ("profile", "/members/{ross86}/", None, False),
    ("member list", "/members/", None, False),
    ("login", "/accounts/login/", None, False),
    ("login with errors", "/accounts/login/", None, True),
    ("register", "/accounts/register/", None, False),
    ("register with errors", "/accounts/register/", None, True),
    ("reply", "/threads/1/reply/?quote={ross86_post}", "member", False),
    ("reply with errors", "/threads/1/reply/", "member", True),
    ("new thread", "/forums/cardio/new-thread/", "member", False),
    ("settings", "/accounts/profile/", "member", False),
    ("avatar", "/accounts/avatar/", "member", False),
    ("avatar with errors", "/accounts/avatar/", "member", True),
    ("email change", "/accounts/email/", "member", False),
    ("email change with errors", "/accounts/email/", "member", True),
    ("two-factor setup", "/accounts/two-factor/", "member", False),
    ("sessions", "/accounts/sessions/", "member", False),
    ("download my data", "/accounts/data/", "member", False),
    ("leave", "/accounts/leave/", "member", False),
    ("leave with errors", "/accounts/leave/", "member", True),
    ("new posts", "/new/", "member", False),
    ("search form", "/search/", None, False),
    ("search results", "/search/?q=back+pain", None, False),
    ("password reset", "/accounts/password/reset/", None, False),
    ("confirmation again", "/accounts/confirm-again/", None, False),
    ("moderation queue", "/moderation/queue/", "moderator", False),
    ("post addresses", "/posts/{ross86_post}/addresses/", "moderator", False),
    ("infraction form", "/posts/{ross86_post}/infraction/", "moderator", False),
    ("infraction form with errors", "/posts/{ross86_post}/infraction/", "moderator", True),
    ("member's infractions", "/members/{ross86}/infractions/", "moderator", False),
    ("thread with a poll, thanks and beans", "/threads/{long}/rowing-log/?page=2", "member", False),
    ("poll voters", "/polls/{poll}/voters/", None, False),
    ("new poll", "/threads/{open}/poll/new/", "author", False),
    ("new poll with errors", "/threads/{open}/poll/new/", "author", True),
    ("reputation form", "/posts/{ross86_post}/reputation/", "member", False),
    ("member's reputation", "/members/{ross86}/reputation/", None, False),
    ("notifications", "/notifications/", "author", False),
    ("notification mail", "/notifications/settings/", "author", False),
    ("who's online", "/online/", None, False),
    ("forum sorted by title", "/forums/cardio/?sort=title", None, False),
]
PAGE_IDS = [page[0] for page in PAGES]
# Dark mode changes the colours of the same templates, so axe checks it on one page of each
# kind whose colours differ (tables with sticky and alternate rows, posts with quotes, code,
# polls and the staff's outline buttons, forms with their error colours, badges and lists),
# not on every page again: light mode still runs on every page above.
DARK_PAGES = {
    "board index as a member",
    "forum as a member",
    "thread as a moderator",
    "thread with a poll, thanks and beans",
    "profile",
    "login with errors",
    "register with errors",
    "avatar with errors",
    "email change with errors",
    "search results",
    "moderation queue",
    "infraction form with errors",
    "member's infractions",
    "reputation form",
    "member's reputation",
    "notifications",
}
# A renamed page keeps its dark run.
assert set(PAGE_IDS) >= DARK_PAGES, DARK_PAGES - set(PAGE_IDS)
AXE_RUNS = [
    pytest.param(*page, mode, id=f"{page[0]}-{mode}")
    for mode in ("light", "dark")
    for page in PAGES
    if mode == "light" or page[0] in DARK_PAGES
]


@pytest.fixture(scope="module")
def busy_board_copy() -> dict:
    """busy_board's ids and rows, filled by the first test of this module (on each xdist
    worker) that asks for it."""
    return {}


@pytest.fixture
def busy_board(transactional_db, busy_board_copy):
    """The sample plus what other pages show: a sticky thread, a closed one and a long one
    with quotes, code, lists, links, smilies and an edited post, so axe sees every badge,
    pager and widget. The new threads are unread for members.

    Building it took most of each page's test time, so it is built once and then copied back
    for each test: after the flush that ends every live-server test, the tables hold exactly
    the rows the built board had (a member, read mark or session one test wrote is gone), in
    any test order. Only the cache starts empty, as on a restarted server."""
    if busy_board_copy:
        put_back_rows(busy_board_copy["rows"])
    else:
        call_command("loaddata", "sample_thread", verbosity=0)
        busy_board_copy["ids"] = build_busy_board()
        busy_board_copy["rows"] = copy_rows()
    return busy_board_copy["ids"]


def build_busy_board() -> dict:
    forum = Forum.objects.get(slug="cardio")
    author = make_member("Busy_Bee")
    moderator = User.objects.create_superuser("Axe_Mod", "axe-mod@example.com", "a-long-pass-42")
    ross86_post = Post.objects.get(thread__slug="cardio-back-pain", number=2)
    first = actions.create_thread(
        forum=forum,
        author=author,
        title="Rowing log",
        body="[b]Day 1[/b] :) [list][*]5 km[*]stretching[/list] [color=red]sore[/color]",
    )
    actions.edit_post(post=first, editor=author, body=first.body + " (edited)")
    for day in range(2, 16):  # two pages
        body = f"Day {day}: [i]rowed[/i] again, [url=https://example.com/log]my log[/url] ;)"
        if day == 12:
            body = f"{ross86_post.quote_source()}\n[code]2000 m in 7:30[/code] :cool:"
        actions.add_reply(thread=first.thread, author=author, body=body)
    sticky = actions.create_thread(
        forum=forum, author=moderator, title="Read this first", body="Be kind."
    ).thread
    actions.stick_thread(thread=sticky, moderator=moderator)
    closed = actions.create_thread(
        forum=forum, author=author, title="Closed for winter", body="See you in spring."
    ).thread
    actions.lock_thread(thread=closed, moderator=moderator)
    poll = community_actions.create_poll(
        thread=first.thread, question="Best erg?", options=["Concept2", "Water"], is_public=True
    )
    community_actions.vote(poll=poll, member=moderator, option_ids=[poll.options.first().pk])
    open_thread = actions.create_thread(
        forum=forum, author=author, title="Open question", body="Poll coming."
    ).thread
    last = first.thread.last_post  # on page 2
    community_actions.thank_post(post=last, member=moderator)
    community_actions.give_reputation(post=last, giver=moderator, amount=1, comment="Great log")
    community_actions.give_reputation(post=ross86_post, giver=author, amount=1, comment="Wise")
    # A subforum and an announcement, shown on the index and the forum's page.
    Forum.objects.create(category=forum.category, name="Rowing", slug="rowing", parent=forum)
    Announcement.objects.create(
        forum=forum, title="Race day", body="[b]Sunday[/b]", body_html="<strong>Sunday</strong>"
    )
    actions.rebuild_forum_tree()
    return {
        "long": first.thread.pk,
        "closed": closed.pk,
        "ross86": ross86_post.author_id,
        "ross86_post": ross86_post.pk,
        "poll": poll.pk,
        "open": open_thread.pk,
    }


def open_board_page(tab, path: str, who: str | None, ids: dict) -> None:
    if who == "member":
        log_in(tab, make_member("Axe_Member"))
    elif who == "moderator":
        log_in(tab, User.objects.get(username="Axe_Mod"))
    elif who == "author":  # Busy_Bee: started the threads, has notices
        log_in(tab, User.objects.get(username="Busy_Bee"))
    response = tab.page.goto(path.format(**ids))
    assert response.status == 200, f"{path} answered {response.status}"


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=AXE)
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                          summary: n.failureSummary})),
            }));
        }"""
    )


def submit_empty(page) -> None:
    form = page.locator("main form[method=post]").first
    typed = (
        "input:visible:not([type=checkbox]):not([type=radio]):not([type=file]), textarea:visible"
    )
    for field in form.locator(typed).all():
        field.fill("")
    form.locator("button[type=submit]").first.click()
    expect(page.locator("main .invalid-feedback, main .alert-danger").first).to_be_visible()


@pytest.mark.parametrize(("name", "path", "who", "submit", "mode"), AXE_RUNS)
def test_the_page_has_no_serious_or_critical_axe_violations(
    axe_tab, busy_board, name, path, who, submit, mode
):
    # The system's colour setting, which the board follows until someone picks one.
    axe_tab.page.emulate_media(color_scheme=mode)
    open_board_page(axe_tab, path, who, busy_board)
    page = axe_tab.page
    assert page.evaluate("document.documentElement.dataset.bsTheme") == mode
    if submit:
        submit_empty(page)
    blocking = {}
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        found = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
        if found:
            blocking[f"{viewport['width']} px"] = found
    assert not blocking, f"axe on the {name} page ({mode}):\n" + json.dumps(blocking, indent=2)


@pytest.mark.parametrize(("name", "path", "who", "submit"), PAGES, ids=PAGE_IDS)
def test_the_page_has_a_language_landmarks_a_skip_link_and_labelled_fields(
    tab, busy_board, name, path, who, submit
):
    open_board_page(tab, path, who, busy_board)
    page = tab.page
    if submit:
        submit_empty(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)

    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input, textarea, select")]
            .filter(f => !["hidden", "submit", "button", "reset"].includes(f.type))
            .filter(f => !(f.labels && f.labels.length) && !f.getAttribute("aria-label")
                         && !f.getAttribute("aria-labelledby") && !f.getAttribute("title"))
            .map(f => f.outerHTML)"""
    )
    assert not unlabelled, f"fields without a label on the {name} page: {unlabelled}"

    # The skip link comes first in the tab order (some forms autofocus their first field, so
    # the first Tab is proven on the thread page below); it shows itself when focused and
    # moves focus to the content.
    first_tabbable = page.evaluate(
        """() => [...document.querySelectorAll("a[href], button, input, select, textarea")]
            .find(e => e.tabIndex >= 0 && e.type !== "hidden" && !e.disabled).textContent"""
    )
    assert first_tabbable == "Skip to content"
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_have_attribute("href", "#content")
    skip.focus()
    box = skip.bounding_box()  # visually hidden (1 px) until focused
    assert box["width"] > 50 and box["height"] > 20, f"the focused skip link stays hidden: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()


def test_a_member_replies_to_a_thread_with_the_keyboard_alone(tab, board):
    member = make_member("Keyboard_Kim")
    log_in(tab, member)
    page = tab.page
    page.goto(SAMPLE_URL)

    stops = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement;"
            " return `${e.tagName.toLowerCase()}#${e.id}|${(e.textContent || '').trim()}`; })()"
        )
        stops.append(focused)
        if focused.startswith("textarea#id_body"):
            break
    else:
        pytest.fail(f"200 Tabs never reached the Quick Reply box; they went through {stops}")
    assert stops[0].endswith("|Skip to content"), stops[:3]
    tab.snap("quick reply focused")

    page.keyboard.type("Typed without a mouse: the rower is kind to backs.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Post Quick Reply")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"{SAMPLE_URL}\?page=2#post\d+$"))
    reply = Post.objects.get(thread=Thread.objects.get(slug="cardio-back-pain"), number=11)
    assert page.url.endswith(f"#post{reply.pk}")
    assert reply.author == member
    article = page.locator(f"article#post{reply.pk}")
    expect(article).to_contain_text("Typed without a mouse: the rower is kind to backs.")
    expect(article).to_be_in_viewport()
    tab.snap("reply posted by keyboard")
