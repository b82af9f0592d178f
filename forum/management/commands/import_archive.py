"""Imports plain-text thread archives (see forum/archive.py for the format) into a forum.

Each file is one thread and one transaction: a file that fails leaves nothing behind and the
others still import. Errors read FILE:LINE: reason; the exit status is 1 if any file failed.
"""

import time
import zoneinfo
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from forum import archive_import
from forum.archive import TIMESTAMP_FORMAT, ArchiveError, read_archive
from forum.models import Forum
from forum.pagecache import note_write


class Command(BaseCommand):
    help = "Imports plain-text thread archives (files, or folders of *.txt) into a forum."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Archive files or folders.")
        parser.add_argument("--forum", required=True, help="The forum's slug or id.")
        parser.add_argument(
            "--time-zone",
            default=settings.TIME_ZONE,
            help="The zone the archive's times were printed in (default: %(default)s).",
        )
        parser.add_argument(
            "--legacy-thread-id",
            type=int,
            help="The thread's id on the old board, for its old links (one PATH only).",
        )
        parser.add_argument(
            "--legacy-post-ids",
            help="The posts' ids on the old board, comma-separated, one per post (one PATH only).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would be created.")

    def handle(self, *args, paths, forum, time_zone, dry_run, **options):
        forum = find_forum(forum)
        try:
            zone = zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"Unknown time zone: {time_zone}") from None
        legacy_thread_id, legacy_post_ids = legacy_ids(options, paths)
        files = archive_files(paths)
        progress = Progress(files, self.stderr) if len(files) > 1 else None
        failed = 0
        for path in files:
            try:
                archived = read_archive(path.read_bytes())
                if legacy_post_ids and len(legacy_post_ids) != len(archived.posts):
                    raise ArchiveError(
                        1, f"{len(legacy_post_ids)} legacy post ids for {len(archived.posts)} posts"
                    )
                given = {"forum": forum, "archived": archived, "time_zone": zone}
                if dry_run:
                    plan = archive_import.plan_import(**given, legacy_thread_id=legacy_thread_id)
                else:
                    plan = archive_import.import_thread(
                        **given, legacy_thread_id=legacy_thread_id, legacy_post_ids=legacy_post_ids
                    )
            except ArchiveError as error:
                failed += 1
                self.report(progress, f"{path}:{error.line}: {error.reason}", self.stderr)
            except (OSError, DatabaseError) as error:
                failed += 1
                reason = "; ".join(str(error).split("\n")).strip("; ")
                self.report(progress, f"{path}: {reason}", self.stderr)
            else:
                self.report(progress, f"{path}: {describe(plan, forum, dry_run)}", self.stdout)
            if progress:
                progress.advance(path)
        if not dry_run:
            note_write()
        if failed:
            raise CommandError(
                f"{failed} of {len(files)} archives failed; the others were imported."
            )

    def report(self, progress, line: str, stream) -> None:
        if progress:
            progress.clear()
        stream.write(line)


def find_forum(value: str) -> Forum:
    forum = Forum.objects.filter(slug=value).first()
    if forum is None and value.isascii() and value.isdigit() and len(value) < 10:
        forum = Forum.objects.filter(pk=int(value)).first()
    if forum is None:
        raise CommandError(f"No forum with slug or id {value!r}.")
    return forum


def archive_files(paths: list[str]) -> list[Path]:
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(child for child in path.glob("*.txt") if child.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"No such file or folder: {name}")
    if not files:
        raise CommandError("No archives found (a folder is read for *.txt files).")
    return files


def legacy_ids(options, paths: list[str]) -> tuple[int | None, list[int] | None]:
    thread_id, post_ids = options["legacy_thread_id"], options["legacy_post_ids"]
    single = len(paths) == 1 and not Path(paths[0]).is_dir()
    if (thread_id is not None or post_ids) and not single:
        raise CommandError("--legacy-thread-id and --legacy-post-ids need a single archive PATH.")
    if thread_id is not None and not 0 < thread_id < 2**31:
        raise CommandError("--legacy-thread-id must be a positive number.")
    if post_ids:
        try:
            post_ids = [int(part) for part in post_ids.split(",")]
        except ValueError:
            raise CommandError("--legacy-post-ids takes numbers separated by commas.") from None
        if not all(0 < number < 2**31 for number in post_ids):
            raise CommandError("--legacy-post-ids must be positive numbers.")
    return thread_id, post_ids or None


def describe(plan: archive_import.ImportPlan, forum: Forum, dry_run: bool) -> str:
    title = plan.archived.title
    if not plan.new_numbers:
        return f'nothing new for "{title}" (thread {plan.thread.pk})'
    posts = f"{len(plan.new_numbers)} post{'s' if len(plan.new_numbers) != 1 else ''}"
    members = f"{len(plan.new_members)} new member{'s' if len(plan.new_members) != 1 else ''}"
    if plan.new_members:
        members += " (" + ", ".join(sorted(plan.new_members.values(), key=str.lower)) + ")"
    first, last = (
        post.posted_at.strftime(TIMESTAMP_FORMAT)
        for post in (plan.archived.posts[0], plan.archived.posts[-1])
    )
    if plan.is_new_thread:
        thread = f'new thread "{title}" in {forum}'
        if not dry_run:
            thread = f'thread {plan.thread.pk} "{title}" (new) in {forum}'
    else:
        thread = f'thread {plan.thread.pk} "{title}"'
    verb = "would add" if dry_run else "added"
    return f"{verb} {posts} and {members} to {thread}, {first} to {last}"


class Progress:
    """A one-line progress bar: files done, time taken and time left (estimated by bytes)."""

    WIDTH = 30

    def __init__(self, files: list[Path], stream):
        self.sizes = {path: path.stat().st_size for path in files}
        self.total = sum(self.sizes.values()) or 1
        self.done_files = self.done_bytes = 0
        self.started = time.monotonic()
        self.stream = stream

    def advance(self, path: Path) -> None:
        self.done_files += 1
        self.done_bytes += self.sizes[path]
        share = self.done_bytes / self.total
        elapsed = time.monotonic() - self.started
        left = elapsed / share - elapsed if share else 0
        bar = "#" * round(share * self.WIDTH)
        finished = self.done_files == len(self.sizes)
        self.stream.write(
            f"\r[{bar:<{self.WIDTH}}] {self.done_files}/{len(self.sizes)} files, "
            f"{elapsed:.0f}s, about {left:.0f}s left ",
            ending="\n" if finished else "",
        )
        self.stream.flush()

    def clear(self) -> None:
        if self.done_files:
            self.stream.write("\r\033[K", ending="")
