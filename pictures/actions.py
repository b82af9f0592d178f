"""Writes that touch pictures: posts with attachments (wrapping forum.actions in one
transaction), avatars, and removing either. Files are written to the storage before the
transaction commits; a rollback leaves them unreferenced, and `manage.py remove_orphaned_files`
finds them."""

import secrets
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum import actions as forum_actions
from forum import pagecache
from forum.actions import PostingRefused
from forum.models import Post
from pictures import tasks
from pictures.images import Prepared, square_crops
from pictures.models import Attachment
from pictures.rendering import with_attachments

# Avatars are stored square at these sizes (WebP), shown at half for sharp screens.
AVATAR_PIXELS = {"post": 160, "list": 64}


def storage():
    return storages["default"]


def add_reply(*, attachments: list[Prepared] = (), **kwargs) -> Post:
    """forum.actions.add_reply, with `attachments` (from AttachmentsField) on the reply."""
    if not attachments:
        # Its own transaction: one around it would add a savepoint (two statements) per reply.
        return forum_actions.add_reply(**kwargs)
    with transaction.atomic():
        post = forum_actions.add_reply(**kwargs)
        attach(post=post, member=post.author, files=attachments)
    return post


@transaction.atomic
def create_thread(*, attachments: list[Prepared] = (), **kwargs) -> Post:
    post = forum_actions.create_thread(**kwargs)
    attach(post=post, member=post.author, files=attachments)
    return post


@transaction.atomic
def edit_post(
    *,
    post: Post,
    editor: User,
    body: str,
    attachments=(),
    remove_attachments=(),
    **kwargs,
) -> Post:
    """forum.actions.edit_post, then the ticked attachments deleted, the new files added, and
    the attachments placed anew in the new text (the edit re-rendered it without them). The
    others keep their numbers, so [ATTACH]3[/ATTACH] still shows the same file."""
    if attachments:
        # The quota is the author's, whoever edits: their row is locked first, as for posting.
        User.objects.select_for_update().get(pk=post.author_id)
    edited = forum_actions.edit_post(post=post, editor=editor, body=body, **kwargs)
    for attachment in edited.attachments.filter(pk__in=remove_attachments):
        attachment.delete()
        forget_files(attachment)
    attach(post=edited, member=edited.author, files=attachments, render=False)
    refresh_html(edited)
    return edited


def refresh_html(post: Post) -> None:
    post.body_html = with_attachments(forum_actions.post_html(post.body), post.attachments.all())
    # Pages go stale through the action that called this (each stales its post on commit).
    Post.objects.filter(pk=post.pk).update(body_html=post.body_html)


def attach(*, post: Post, member: User, files, render: bool = True) -> list[Attachment]:
    """Stores `files` on `post` within the limits, or raises PostingRefused (rolling back the
    post). The member's row is locked by the caller (forum.actions.lock_poster), so two posts
    sent at once cannot both pass the quota."""
    if not files:
        return []
    have = post.attachments.count()
    last = post.attachments.aggregate(last=Max("position"))["last"] or 0
    per_post = settings.BOARD_ATTACHMENTS_PER_POST
    if have + len(files) > per_post:
        raise PostingRefused(_("A post may carry at most %(count)d files.") % {"count": per_post})
    quota = settings.BOARD_ATTACHMENT_QUOTA_BYTES
    used = Attachment.objects.used_bytes_of(member)
    adding = sum(len(f.content) for f in files)
    if used + adding > quota:
        raise PostingRefused(
            _(
                "These files would take you past your space for attachments (%(quota)s; "
                "you use %(used)s). Remove older attachments or send smaller ones."
            )
            % {"quota": filesizeformat(quota), "used": filesizeformat(used)}
        )
    made = []
    for position, prepared in enumerate(files, start=last + 1):
        stored = storage().save(
            f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(12)}/{prepared.name}",
            ContentFile(prepared.content),
        )
        made.append(
            Attachment.objects.create(
                post=post,
                owner=member,
                position=position,
                name=prepared.name,
                content_type=prepared.content_type,
                size=len(prepared.content),
                is_image=prepared.is_image,
                width=prepared.width,
                height=prepared.height,
                stored_name=stored,
            )
        )
    for attachment in made:
        if attachment.is_image:
            pk = attachment.pk
            transaction.on_commit(lambda pk=pk: tasks.make_thumbnail.enqueue(pk))
    if render:
        refresh_html(post)
    return made


@transaction.atomic
def delete_attachment(*, attachment: Attachment) -> None:
    """Deletes an attachment and its files (after the commit), and takes it out of its post."""
    post = Post.objects.select_for_update().select_related("thread").get(pk=attachment.post_id)
    attachment.delete()
    refresh_html(post)
    forget_files(attachment)
    transaction.on_commit(lambda: pagecache.stale(thread=post.thread_id, lists=True))


def forget_files(attachment: Attachment) -> None:
    """Deletes a deleted attachment's files once the deletion commits."""
    names = [attachment.stored_name, attachment.thumbnail_name]
    transaction.on_commit(lambda: delete_files(names))


def delete_files(names) -> None:
    for name in names:
        if name:
            storage().delete(name)


def avatar_name(member_id: int, key: str, pixels: int) -> str:
    return f"avatars/{member_id}/{key}-{pixels}.webp"


@transaction.atomic
def set_avatar(*, member: User, content: bytes, name: str, place: str = "centre") -> User:
    """Makes the member's avatar from an uploaded image (a square of it, at `place`)."""
    locked = User.objects.select_for_update().get(pk=member.pk)
    if not locked.may_set_avatar:
        raise PostingRefused(_("An administrator has blocked you from setting an avatar."))
    crops = square_crops(content, name, AVATAR_PIXELS.values(), place=place)
    key = f"{int(time.time()):x}{secrets.token_hex(4)}"
    for pixels, data in crops.items():
        storage().save(avatar_name(member.pk, key, pixels), ContentFile(data))
    forget_avatar(locked)
    locked.avatar_key = member.avatar_key = key
    locked.save(update_fields=["avatar_key"])
    stale_member(locked)
    return locked


@transaction.atomic
def remove_avatar(*, member: User, block: bool = False) -> User:
    """Removes the member's avatar; with `block`, they may not set another."""
    locked = User.objects.select_for_update().get(pk=member.pk)
    forget_avatar(locked)
    locked.avatar_key = member.avatar_key = ""
    fields = ["avatar_key"]
    if block:
        locked.may_set_avatar = member.may_set_avatar = False
        fields.append("may_set_avatar")
    locked.save(update_fields=fields)
    stale_member(locked)
    return locked


def allow_avatar(*, member: User) -> None:
    User.objects.filter(pk=member.pk).update(may_set_avatar=True)
    member.may_set_avatar = True


def stale_member(member: User) -> None:
    """The member's avatar shows in their profile and every postbit of theirs."""
    transaction.on_commit(lambda: pagecache.stale(member=member.pk, lists=True))


def forget_avatar(member: User) -> None:
    """Deletes the member's current avatar files once the change commits."""
    if member.avatar_key:
        names = [avatar_name(member.pk, member.avatar_key, p) for p in AVATAR_PIXELS.values()]
        transaction.on_commit(lambda: delete_files(names))
