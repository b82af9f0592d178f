"""pictures' part of a member's data (accounts.personal_data): their avatar and the files they
attached to posts, listed in data.json and included in the archive as stored.

Erasure deletes the avatar (its files leave the storage once the erasure commits). Attachments
stay with their posts, which stay under "Former member #N" (forum.personal_data); when the
board removes an erased member's posts, their attachments go with them.
"""

from django.conf import settings

from accounts.models import User
from accounts.personal_data import register, stamp
from forum.models import Post
from pictures.actions import (
    AVATAR_PIXELS,
    avatar_name,
    delete_attachment,
    forget_avatar,
    refresh_html,
    storage,
)
from pictures.models import Attachment


def export_pictures(member: User) -> dict:
    return {
        "avatar": (
            {"file": avatar_file_name(member), "pixels": AVATAR_PIXELS["post"]}
            if member.avatar_key
            else None
        ),
        "may_set_avatar": member.may_set_avatar,
        "attachments": [
            {
                "id": attachment.pk,
                "post": attachment.post_id,
                "name": attachment.name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "uploaded_at": stamp(attachment.created_at),
                "file": attachment_file_name(attachment),
            }
            for attachment in Attachment.objects.filter(owner=member).order_by("pk")
        ],
    }


def avatar_file_name(member: User) -> str:
    return f"pictures/avatar-{member.avatar_key}.webp"


def attachment_file_name(attachment: Attachment) -> str:
    return f"pictures/attachments/{attachment.pk}-{attachment.name}"


def picture_files(member: User) -> dict[str, bytes]:
    """The avatar at its larger size and every attachment as stored (images as the board
    re-encoded them). A file missing from the storage is left out rather than failing the
    whole archive."""
    wanted = {}
    if member.avatar_key:
        stored = avatar_name(member.pk, member.avatar_key, AVATAR_PIXELS["post"])
        wanted[avatar_file_name(member)] = stored
    for attachment in Attachment.objects.filter(owner=member).order_by("pk"):
        wanted[attachment_file_name(attachment)] = attachment.stored_name
    files = {}
    for name, stored in wanted.items():
        try:
            with storage().open(stored, "rb") as opened:
                files[name] = opened.read()
        except (FileNotFoundError, OSError):
            continue
    return files


def erase_pictures(member: User, old_username: str) -> None:
    forget_avatar(member)
    member.avatar_key = ""
    User.objects.filter(pk=member.pk).update(avatar_key="")
    # forum's part (registered before this one) renamed the quotes of the member and rendered
    # those posts again from their source; the ones carrying files get their files back.
    from accounts.actions import former_name

    renamed = Post.objects.filter(body__icontains=f"[quote={former_name(member)}")
    for post in renamed.filter(attachments__isnull=False).distinct():
        refresh_html(post)
    if settings.BOARD_ERASURE_REMOVES_POSTS:
        for attachment in Attachment.objects.filter(owner=member):
            delete_attachment(attachment=attachment)


register("pictures", export=export_pictures, files=picture_files, erase=erase_pictures)
