"""Pictures in a real browser: a member uploads an avatar and sees it beside their post; a
member attaches two photos to a reply, one placed in the text with [ATTACH]."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.models import User
from forum.models import Post
from pictures.models import Attachment
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
SAMPLE_URL = "/threads/1/cardio-back-pain/"


def photo(name: str, size, color) -> dict:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def loaded(image) -> bool:
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_a_member_uploads_an_avatar_and_sees_it_on_the_thread_page(tab, board):
    ross = User.objects.get(username="Ross86")
    log_in(tab, ross)
    page = tab.page
    page.goto(SAMPLE_URL)
    first_post = page.locator("article.postbit").nth(1)
    expect(first_post.locator(".avatar-initials")).to_have_text("RO")
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Change your avatar").click()
    expect(page.get_by_role("heading", level=1, name="Your avatar")).to_be_visible()
    tab.snap("avatar form")
    page.get_by_label("Picture").set_input_files(photo("me.jpg", (400, 300), (30, 120, 200)))
    page.get_by_label("The top (or left) part").check()
    page.get_by_role("button", name="Upload avatar").click()
    expect(page.get_by_text("Your avatar was saved.")).to_be_visible()
    tab.snap("avatar saved")

    page.goto(SAMPLE_URL)
    ross.refresh_from_db()
    avatar = first_post.locator("img.avatar-post")
    expect(avatar).to_have_attribute("src", f"/avatars/{ross.pk}/{ross.avatar_key}-post.webp")
    expect(avatar).to_be_visible()
    assert loaded(avatar)
    tab.snap("thread with the avatar")

    page.goto("/accounts/avatar/")
    page.get_by_role("button", name="Remove avatar").click()
    expect(page.get_by_text("Your avatar was removed.")).to_be_visible()
    page.goto(SAMPLE_URL)
    expect(first_post.locator(".avatar-initials")).to_have_text("RO")


def test_a_member_attaches_two_photos_to_a_reply_one_inline(tab, board):
    log_in(tab, User.objects.get(username="Ross86"))
    page = tab.page
    page.goto("/threads/1/reply/")
    page.get_by_label("Message").fill("Week 1 front: [ATTACH]1[/ATTACH] Side view below.")
    page.get_by_label("Attach files").set_input_files(
        [
            photo("front.jpg", (800, 600), (200, 60, 60)),
            photo("side.jpg", (600, 800), (60, 160, 60)),
        ]
    )
    tab.snap("reply with two photos")
    page.get_by_role("button", name="Submit Reply").click()

    reply = Post.objects.filter(thread_id=1).order_by("-pk").first()
    front, side = Attachment.objects.filter(post=reply).order_by("position")
    article = page.locator(f"article#post{reply.pk}")
    expect(article).to_be_visible()
    message = article.locator(".postbit-message")
    inline = message.locator(f'a[href="/attachments/{front.pk}/front.jpg"] img')
    listed = message.locator(
        f'.attachment-thumbnails a[href="/attachments/{side.pk}/side.jpg"] img'
    )
    expect(inline).to_be_visible()
    expect(listed).to_be_visible()
    expect(message.locator(".attachment-thumbnails img")).to_have_count(1)
    assert loaded(inline) and loaded(listed)
    assert "[ATTACH]" not in message.inner_text()
    tab.snap("reply with the photos")

    # The thumbnail was made once by the task; the link opens the whole photo.
    front.refresh_from_db()
    assert front.thumbnail_name
    with page.expect_response(f"**/attachments/{front.pk}/front.jpg") as opened:
        inline.click()
    response = opened.value
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_thread_with_photos_files_and_avatars_has_no_serious_axe_violations(axe_tab, board):
    from pictures.actions import attach, set_avatar
    from pictures.images import prepare
    from tests.browser.test_accessibility import axe_violations

    ross = User.objects.get(username="Ross86")
    set_avatar(
        member=ross, content=photo("me.jpg", (90, 90), (20, 20, 90))["buffer"], name="me.jpg"
    )
    reply = Post.objects.get(thread_id=1, number=2)
    files = [
        prepare(photo("front.jpg", (300, 200), (200, 60, 60))["buffer"], "front.jpg"),
        prepare(photo("side.jpg", (200, 300), (60, 160, 60))["buffer"], "side.jpg"),
        prepare(b"Mon: squat 5x5\n", "plan.txt"),
    ]
    attach(post=reply, member=reply.author, files=files)
    page = axe_tab.page
    page.goto(SAMPLE_URL)
    expect(page.locator(".attachment-thumbnails img")).to_have_count(2)
    found = [v for v in axe_violations(page) if v["impact"] in {"serious", "critical"}]
    assert not found, found
