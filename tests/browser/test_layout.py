"""The layout holds from a small phone to a wide desktop, with the longest header there is."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
WIDTHS = [320, 390, 576, 768, 992, 1024, 1200, 1280, 1440]


def test_no_page_scrolls_sideways_at_any_width_even_for_staff_with_a_long_name(tab, board):
    # Staff see the most header links; usernames run to 25 characters.
    log_in(tab, User.objects.create_superuser("A_Rather_Long_Username_25", "s@example.com", "pw"))
    page = tab.page
    overflowing = []
    for path in ["/", "/forums/cardio/", "/threads/1/cardio-back-pain/", "/search/?q=back"]:
        page.goto(path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            scroll, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if scroll > client:
                overflowing.append(f"{path} at {width} px: {scroll} px wide")
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
