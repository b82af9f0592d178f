"""Finds stored files no row refers to (a post's transaction rolled back after its files were
written, a task that died midway, rows deleted by hand) and removes them. Files younger than
--min-age-hours are left alone: they may belong to a post being written right now."""

from datetime import timedelta

from django.core.files.storage import storages
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import User
from pictures.actions import AVATAR_PIXELS, avatar_name
from pictures.models import Attachment

FOLDERS = ["attachments", "avatars"]


def stored_files(storage, folder: str):
    """Every file name under `folder` of the storage, recursively."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from stored_files(storage, f"{folder}/{sub}")


def referenced_files() -> set[str]:
    names = set()
    for stored, thumbnail in Attachment.objects.values_list("stored_name", "thumbnail_name"):
        names.update((stored, thumbnail))
    for pk, key in User.objects.exclude(avatar_key="").values_list("pk", "avatar_key"):
        names.update(avatar_name(pk, key, pixels) for pixels in AVATAR_PIXELS.values())
    return names


class Command(BaseCommand):
    help = "Lists the stored avatar and attachment files no row refers to, and removes them."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List them; remove none.")
        parser.add_argument(
            "--min-age-hours",
            type=float,
            default=24,
            help="Leave files younger than this alone (default 24).",
        )

    def handle(self, *args, dry_run: bool, min_age_hours: float, **options):
        storage = storages["default"]
        referenced = referenced_files()
        cutoff = timezone.now() - timedelta(hours=min_age_hours)
        found = 0
        for folder in FOLDERS:
            for name in stored_files(storage, folder):
                if name in referenced or storage.get_modified_time(name) > cutoff:
                    continue
                found += 1
                self.stdout.write(f"{'orphan' if dry_run else 'removed'}: {name}")
                if not dry_run:
                    storage.delete(name)
        verb = "found" if dry_run else "removed"
        self.stdout.write(f"{found} orphaned file{'s' if found != 1 else ''} {verb}.")
