"""Avatars: uploaded, cropped square, shown at two sizes; initials when there is none;
removable by the member and by administrators, who may also block them."""

import io

import pytest
from django.core.files.storage import storages
from PIL import Image

from accounts.models import User
from pictures.actions import AVATAR_PIXELS, avatar_name


def set_avatar(client, upload, name="me.png", content=None, place="centre"):
    return client.post(
        "/accounts/avatar/", {"image": upload(name, content), "place": place}, follow=True
    )


def test_a_member_uploads_an_avatar_and_it_shows_beside_their_posts(
    member_client, member, thread, upload, make_image
):
    response = set_avatar(member_client, upload, content=make_image("PNG", size=(300, 200)))
    assert "Your avatar was saved." in response.text
    member.refresh_from_db()
    assert member.avatar_key
    post_url = f"/avatars/{member.pk}/{member.avatar_key}-post.webp"
    assert f'src="{post_url}"' in member_client.get(thread.get_absolute_url()).text
    served = member_client.get(post_url)
    assert served["Content-Type"] == "image/webp" and "immutable" in served["Cache-Control"]
    assert served["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert image.size == (AVATAR_PIXELS["post"], AVATAR_PIXELS["post"])


def test_the_list_size_shows_in_the_member_list_and_the_post_size_on_the_profile(
    client, member, member_client, upload
):
    set_avatar(member_client, upload)
    member.refresh_from_db()
    listing = client.get("/members/").text
    assert f"/avatars/{member.pk}/{member.avatar_key}-list.webp" in listing
    profile = client.get(f"/members/{member.pk}/").text
    assert f"/avatars/{member.pk}/{member.avatar_key}-post.webp" in profile


def test_without_an_avatar_the_postbit_shows_initials_and_asks_for_no_image(client, thread):
    html = client.get(thread.get_absolute_url()).text
    assert "avatar-initials" in html and ">ME</span>" in html and "/avatars/" not in html


def test_a_new_avatar_replaces_the_old_one_and_its_files_go(
    member_client, member, upload, django_capture_on_commit_callbacks
):
    set_avatar(member_client, upload)
    member.refresh_from_db()
    old = avatar_name(member.pk, member.avatar_key, AVATAR_PIXELS["post"])
    with django_capture_on_commit_callbacks(execute=True):
        set_avatar(member_client, upload)
    member.refresh_from_db()
    assert not storages["default"].exists(old)
    assert storages["default"].exists(avatar_name(member.pk, member.avatar_key, 160))


def test_a_member_removes_their_avatar(member_client, member, upload):
    set_avatar(member_client, upload)
    response = member_client.post("/accounts/avatar/remove/", follow=True)
    assert "Your avatar was removed." in response.text
    member.refresh_from_db()
    assert member.avatar_key == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.svg", b"<svg onload=alert(1)></svg>", "is not a JPEG, PNG, WebP or GIF image"),
        ("x.jpg", b"<html></html>", "is not a JPEG, PNG, WebP or GIF image"),
        ("x.jpg", b"", "The submitted file is empty."),
        ("plan.pdf", b"%PDF-1.4", "is not a JPEG, PNG, WebP or GIF image"),
    ],
)
def test_an_avatar_that_is_not_an_image_is_refused(
    member_client, member, upload, name, content, message
):
    response = set_avatar(member_client, upload, name, content)
    assert message in response.text
    member.refresh_from_db()
    assert member.avatar_key == ""


def test_an_avatar_past_the_size_limit_is_refused(settings, member_client, upload, make_image):
    settings.BOARD_AVATAR_MAX_BYTES = 100
    response = set_avatar(member_client, upload, content=make_image("PNG", size=(300, 300)))
    assert "a file may be at most 100" in response.text


def test_a_blocked_member_may_not_set_an_avatar(member_client, member, upload):
    User.objects.filter(pk=member.pk).update(may_set_avatar=False)
    assert member_client.get("/accounts/avatar/").status_code == 403
    assert set_avatar(member_client, upload).status_code == 403


def test_a_guest_is_sent_to_log_in(client, db):
    assert client.get("/accounts/avatar/")["Location"].startswith("/accounts/login/")
    assert client.post("/accounts/avatar/remove/")["Location"].startswith("/accounts/login/")


def test_an_unknown_avatar_is_the_404_page(client, db):
    assert client.get("/avatars/1/abc-post.webp").status_code == 404
    assert client.get("/avatars/1/abc-huge.webp").status_code == 404


def test_an_administrator_removes_an_avatar_and_blocks_the_member(
    client, superuser, member, member_client, upload
):
    set_avatar(member_client, upload)
    client.force_login(superuser)
    changelist = "/admin/pictures/memberpictures/"
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "block_avatar", "_selected_action": [member.pk]})
    member.refresh_from_db()
    assert (member.avatar_key, member.may_set_avatar) == ("", False)
    client.post(changelist, {"action": "allow_avatar", "_selected_action": [member.pk]})
    member.refresh_from_db()
    assert member.may_set_avatar
