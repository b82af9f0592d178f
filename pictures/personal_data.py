"""pictures' part of a member's data (accounts.personal_data): the files they attached (listed,
with the posts they belong to) and whether they have an avatar; erasure deletes the avatar and
its files. Attachments stay with their posts while the posts stay (forum.personal_data)."""

from django.conf import settings

from accounts.models import User
from accounts.personal_data import register, stamp
from pictures import actions
from pictures.models import Attachment


def export_pictures(member: User) -> dict:
    return {
        "has_avatar": bool(member.avatar_key),
        "attachments": [
            {
                "post": row.post_id,
                "name": row.name,
                "type": row.content_type,
                "bytes": row.size,
                "at": stamp(row.created_at),
            }
            for row in Attachment.objects.filter(owner=member).order_by("pk")
        ],  # fmt: skip
    }


def erase_pictures(member: User, old_username: str) -> None:
    """The avatar goes; so do the member's attachments when erasure removes their posts
    (BOARD_ERASURE_REMOVES_POSTS), files and all, once the erasure commits."""
    actions.remove_avatar(member=member)
    if settings.BOARD_ERASURE_REMOVES_POSTS:
        for attachment in Attachment.objects.filter(owner=member):
            attachment.delete()
            actions.forget_files(attachment)


register("pictures", export=export_pictures, erase=erase_pictures)
