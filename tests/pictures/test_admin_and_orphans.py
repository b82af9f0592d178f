"""The attachments admin (sizes, owners, posts, totals per member, delete) and the command that
finds stored files nothing refers to."""

import os
import time

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command

from forum import actions
from pictures.actions import attach
from pictures.images import prepare
from pictures.models import Attachment


def attached(member, thread, *files):
    reply = actions.add_reply(thread=thread, author=member, body="[ATTACH]1[/ATTACH] text")
    return attach(post=reply, member=member, files=[prepare(c, n) for n, c in files])


def test_the_admin_lists_attachments_with_size_type_owner_and_post(
    client, superuser, member, thread
):
    attached(member, thread, ("plan.txt", b"x" * 2048))
    client.force_login(superuser)
    html = client.get("/admin/pictures/attachment/").text.replace("\xa0", " ")
    assert "plan.txt" in html and "2.0 KB" in html and "text/plain" in html
    assert "Member_One" in html and f"in thread {thread.pk}" in html
    totals = client.get("/admin/pictures/memberpictures/").text.replace("\xa0", " ")
    assert "2.0 KB" in totals


def test_deleting_an_attachment_in_the_admin_removes_its_file_and_takes_it_out_of_the_post(
    client, superuser, member, thread, django_capture_on_commit_callbacks
):
    (plan,) = attached(member, thread, ("plan.txt", b"5x5\n"))
    assert "plan.txt" in plan.post.__class__.objects.get(pk=plan.post_id).body_html
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/pictures/attachment/{plan.pk}/delete/", {"post": "yes"})
    assert not Attachment.objects.exists()
    assert not storages["default"].exists(plan.stored_name)
    post = plan.post.__class__.objects.get(pk=plan.post_id)
    assert "plan.txt" not in post.body_html and "[ATTACH]1[/ATTACH]" in post.body_html


def age(name: str, hours: float) -> None:
    path = storages["default"].path(name)
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_orphaned_files_are_listed_then_removed_and_young_ones_are_left(
    member, thread, upload, member_client, capsys
):
    (kept,) = attached(member, thread, ("keep.txt", b"keep\n"))
    member_client.post("/accounts/avatar/", {"image": upload("me.jpg"), "place": "centre"})
    storage = storages["default"]
    lost = storage.save("attachments/2026/01/feed/lost.jpg", ContentFile(b"x"))
    young = storage.save("attachments/2026/01/beef/young.jpg", ContentFile(b"x"))
    old_avatar = storage.save(f"avatars/{member.pk}/0ld-160.webp", ContentFile(b"x"))
    for name in (lost, old_avatar, kept.stored_name):
        age(name, 48)
    call_command("remove_orphaned_files", "--dry-run")
    out = capsys.readouterr().out
    assert f"orphan: {lost}" in out and f"orphan: {old_avatar}" in out
    assert "2 orphaned files found." in out and storage.exists(lost)
    call_command("remove_orphaned_files")
    assert not storage.exists(lost) and not storage.exists(old_avatar)
    assert storage.exists(young) and storage.exists(kept.stored_name)
    member.refresh_from_db()
    assert storage.exists(f"avatars/{member.pk}/{member.avatar_key}-160.webp")
