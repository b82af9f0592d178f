"""pictures' part of a member's data (accounts.personal_data): the files they attached (listed,
with the posts they belong to) and whether they have an avatar; erasure deletes the avatar and
its files. Attachments stay with their posts, as the posts stay (forum.personal_data)."""

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
    actions.remove_avatar(member=member)


register("pictures", export=export_pictures, erase=erase_pictures)
