"""The layout holds from a small phone to a wide desktop, with the longest header there is."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
WIDTHS = [320, 390, 576, 768, 992, 1024, 1200, 1280, 1440]


def sideways(page, paths) -> list[str]:
    """The pages, at the widths, that scroll sideways (say how wide they are)."""
    overflowing = []
    for path in paths:
        page.goto(path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            scroll, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if scroll > client:
                overflowing.append(f"{path} at {width} px: {scroll} px wide")
    return overflowing


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_page_scrolls_sideways_at_any_width_even_for_staff_with_a_long_name(
    tab, board, language
):
    # Staff see the most header links; usernames run to 25 characters; German words are longer.
    log_in(
        tab,
        User.objects.create_superuser(
            "A_Rather_Long_Username_25", "s@example.com", "pw", language=language
        ),
    )
    page = tab.page
    paths = ["/", "/forums/cardio/", "/threads/1/cardio-back-pain/", "/search/?q=back"]
    overflowing = sideways(page, paths)
    assert not overflowing, overflowing


def test_the_header_search_box_is_reachable_at_desktop_and_phone_width(tab, board):
    page = tab.page
    page.goto("/")
    search = page.get_by_role("searchbox", name="Search the forums")
    expect(search).to_be_visible()
    tab.snap("header at desktop width")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(search).to_be_hidden()
    page.get_by_role("button", name="Toggle navigation").click()
    expect(search).to_be_visible()
    search.fill("treadmill")
    search.press("Enter")
    expect(page.get_by_role("heading", name="Search results: 1 post")).to_be_visible()


LONG_WORD = "Ironworks" * 11 + "X"  # 100 characters with no break opportunity
RTL_TITLE = "تمارين القرفصاء الأمامية مع الحفاظ على الركبتين فوق أصابع القدمين كل يوم " * 1


@pytest.fixture
def long_text_board(board):
    """A moderator with the longest name, location and signature there are, a thread whose title
    is 100 unbroken characters, a right-to-left thread, and a post of one unbroken word."""
    from following import models as following_actions
    from forum import actions
    from forum.models import Forum, Thread

    writer = User.objects.create_user("W" * 25, "w@example.com", "pw")
    writer.location = "L" * 100
    writer.signature = "S" * 200
    writer.is_staff = writer.is_superuser = True  # the moderators' tools and pages too
    writer.save()
    forum = Forum.objects.get(slug="cardio")
    forum.name, forum.description = "F" * 50, "D" * 200
    forum.save()
    long = actions.create_thread(forum=forum, author=writer, title=LONG_WORD, body=LONG_WORD * 30)
    actions.add_reply(
        thread=long.thread, author=writer, body=f"[QUOTE]{LONG_WORD}[/QUOTE]{RTL_TITLE}"
    )
    rtl = actions.create_thread(
        forum=forum, author=writer, title=RTL_TITLE.strip()[:100], body=RTL_TITLE
    )
    following_actions.subscribe(writer, thread=long.thread)
    actions.edit_post(post=long, editor=writer, body=LONG_WORD * 31)
    return {
        "writer": writer,
        "thread": Thread.objects.get(pk=long.thread.pk),
        "rtl": Thread.objects.get(pk=rtl.thread.pk),
        "post": long,
    }


def test_long_unbroken_and_right_to_left_text_never_widens_a_page_at_any_width(
    tab, long_text_board
):
    writer, thread, rtl = (long_text_board[k] for k in ("writer", "thread", "rtl"))
    log_in(tab, writer)
    page = tab.page
    paths = [
        "/",
        f"/forums/{thread.forum.slug}/",
        thread.get_absolute_url(),
        rtl.get_absolute_url(),
        f"/threads/{thread.pk}/reply/",
        f"/posts/{long_text_board['post'].pk}/edit/",
        f"/search/?q={LONG_WORD}",
        f"/search/?member={writer.pk}",
        writer.get_absolute_url(),
        "/members/",
        "/new/",
        "/subscriptions/",
        f"{thread.get_absolute_url()}print/",
        f"/posts/{long_text_board['post'].pk}/history/",
        f"/posts/{long_text_board['post'].pk}/report/",
    ]
    overflowing = sideways(page, paths)
    assert not overflowing, overflowing


def test_a_long_title_leaves_the_forum_lists_replies_and_views_in_sight(tab, long_text_board):
    page = tab.page
    page.goto(f"/forums/{long_text_board['thread'].forum.slug}/")
    for width in [390, 768, 1280]:
        page.set_viewport_size({"width": width, "height": 800})
        for header in ["Replies", "Views"]:
            box = page.get_by_role("columnheader", name=header).bounding_box()
            assert box and box["x"] + box["width"] <= width, f"{header} cut off at {width} px"
    tab.snap("forum with a long title")


@pytest.mark.parametrize(
    ("language", "reports"), [("en", "Reports 1 open"), ("de", "Meldungen 1 offen")]
)
def test_the_logged_in_header_of_a_moderator_with_a_long_name_is_one_row_at_1280_px(
    tab, board, language, reports
):
    from forum import actions
    from forum.models import Post

    moderator = User.objects.create_superuser(
        "A_Rather_Long_Username_25", "s@example.com", "pw", language=language
    )
    reporter = User.objects.create_user("Reporter_Rita", "r@example.com", "pw")
    actions.report_post(post=Post.objects.get(pk=2), reporter=reporter, reason="Rude")
    log_in(tab, moderator)
    page = tab.page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    tops = page.evaluate(
        "[...document.querySelectorAll('.board-header .nav-link, .board-header .navbar-brand,"
        " .board-header input')].filter(e => e.offsetHeight)"
        ".map(e => e.getBoundingClientRect())"
        ".map(box => Math.round(box.top + box.height / 2))"
    )
    assert max(tops) - min(tops) <= 4, tops
    expect(page.get_by_role("link", name=reports)).to_be_visible()
