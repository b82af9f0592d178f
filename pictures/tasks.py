"""Thumbnails, made once per image by the task worker after the post commits. Until one is
made, the thumbnail's URL serves the (already re-encoded) image itself."""

import logging
import time

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.tasks import task

from pictures.images import Refused, thumbnail
from pictures.models import THUMBNAIL_PIXELS, Attachment

log = logging.getLogger(__name__)


@task
def make_thumbnail(attachment_id: int) -> str | None:
    attachment = Attachment.objects.filter(pk=attachment_id, is_image=True).first()
    if attachment is None or attachment.thumbnail_name:
        return None  # deleted since, or made by an earlier run
    storage = storages["default"]
    started = time.perf_counter()
    with storage.open(attachment.stored_name, "rb") as stored:
        content = stored.read()
    try:
        data, _, _ = thumbnail(content, THUMBNAIL_PIXELS)
    except Refused:
        log.warning("attachment %s: the stored image cannot be read", attachment_id)
        return None
    name = storage.save(attachment.stored_name.rsplit(".", 1)[0] + "-thumb.webp", ContentFile(data))
    updated = Attachment.objects.filter(pk=attachment_id, thumbnail_name="").update(
        thumbnail_name=name
    )
    if not updated:
        storage.delete(name)  # deleted meanwhile, or another run was first
        return None
    log.info(
        "attachment %s: thumbnail in %.0f ms", attachment_id, (time.perf_counter() - started) * 1e3
    )
    return name
