"""Avatars and attachments in "download my data" and in erasure (accounts.personal_data)."""

import io
import zipfile

from django.core.files.storage import storages

from accounts import actions as account_actions
from accounts.mail import build_archive
from accounts.personal_data import collect
from forum.models import Post
from pictures import actions
from pictures.actions import AVATAR_PIXELS, avatar_name
from pictures.images import prepare
from pictures.models import Attachment
from tests.conftest import make_member


def with_avatar(member, make_image):
    return actions.set_avatar(member=member, content=make_image("PNG", (120, 90)), name="me.png")


def attach_one(post, member, make_image):
    return actions.attach(post=post, member=member, files=[prepare(make_image(), "shin.jpg")])


def test_the_export_lists_the_avatar_and_attachments_and_carries_their_files(
    member, thread, make_image
):
    member = with_avatar(member, make_image)
    [attachment] = attach_one(thread.first_post, member, make_image)
    data, _ = collect(member)
    assert data["pictures"]["avatar"]["file"] == f"pictures/avatar-{member.avatar_key}.webp"
    [listed] = data["pictures"]["attachments"]
    assert (listed["name"], listed["post"]) == ("shin.jpg", thread.first_post.pk)
    archive = zipfile.ZipFile(io.BytesIO(build_archive(member)))
    with storages["default"].open(attachment.stored_name, "rb") as stored:
        assert archive.read(listed["file"]) == stored.read()
    assert archive.read(data["pictures"]["avatar"]["file"])[:4] == b"RIFF"  # WebP


def test_erasure_deletes_the_avatar_and_its_files_after_the_commit(
    member, make_image, django_capture_on_commit_callbacks
):
    member = with_avatar(member, make_image)
    stored = avatar_name(member.pk, member.avatar_key, AVATAR_PIXELS["post"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        erased = account_actions.erase_member(member=member, by=member)
        assert storages["default"].exists(stored)  # still there until the erasure commits
    for callback in callbacks:
        callback()
    assert not storages["default"].exists(stored)
    erased.refresh_from_db()
    assert erased.avatar_key == ""


def test_the_attachments_of_an_erased_member_go_when_the_board_removes_their_posts(
    member, thread, make_image, settings, django_capture_on_commit_callbacks
):
    [attachment] = attach_one(thread.first_post, member, make_image)
    settings.BOARD_ERASURE_REMOVES_POSTS = True
    with django_capture_on_commit_callbacks(execute=True):
        account_actions.erase_member(member=member, by=member)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not storages["default"].exists(attachment.stored_name)
    assert Post.objects.get(pk=thread.first_post.pk).body_html == ""


def test_a_post_quoting_an_erased_member_keeps_its_files_and_mention_links(
    member, other_member, thread, make_image
):
    third = make_member("Member_Three")
    first = thread.first_post
    reply = actions.add_reply(
        thread=thread,
        author=other_member,
        body=f"[QUOTE=Member_One;{first.pk}]My shins hurt.[/QUOTE]\nAsk @Member_Three.",
        attachments=[prepare(make_image(), "shin.jpg")],
    )
    account_actions.erase_member(member=member, by=member)
    reply.refresh_from_db()
    attachment = Attachment.objects.get(post=reply)
    assert f"Former member #{member.pk}" in reply.body_html
    assert attachment.get_absolute_url() in reply.body_html
    assert f'<a class="mention" href="/members/{third.pk}/">@Member_Three</a>' in reply.body_html
