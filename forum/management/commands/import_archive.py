"""Imports thread archives into a forum: plain-text archives (forum/archive.py) and vBulletin
3.x thread pages saved as HTML (forum/archive_html.py).

Each text file is one thread and one transaction; HTML pages are first grouped by thread, and
each thread (all its pages) is one transaction. A file or thread that fails leaves nothing
behind and the others still import. Errors read FILE:LINE: reason (FILE: reason for pages); the
exit status is 1 if any failed.
"""

import time
import zoneinfo
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from accounts.validators import DATE_RANGE_MESSAGE, is_sane_date
from forum import archive_html, archive_import
from forum.archive import TIMESTAMP_FORMAT, ArchiveError, read_archive
from forum.models import Forum
from forum.pagecache import note_write


class Command(BaseCommand):
    help = (
        "Imports thread archives into a forum: plain-text archives and vBulletin 3.x thread "
        "pages saved as HTML (files, or folders of *.txt, *.html and *.htm)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Archive files or folders.")
        parser.add_argument("--forum", required=True, help="The forum's slug or id.")
        parser.add_argument(
            "--time-zone",
            help=f"The zone the archive's times were printed in (default: for text "
            f"{settings.TIME_ZONE}; for pages, what their footer says, else UTC).",
        )
        parser.add_argument(
            "--captured-at",
            help="When pages that do not say so were saved, for their 'Today' and 'Yesterday' "
            "(ISO 8601, e.g. 2007-02-12T15:00Z; without an offset, in --time-zone).",
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

    def handle(self, *args, paths, forum, time_zone, captured_at, dry_run, **options):
        forum = find_forum(forum)
        given_zone = None
        if time_zone:
            try:
                given_zone = zoneinfo.ZoneInfo(time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise CommandError(f"Unknown time zone: {time_zone}") from None
        zone = given_zone or zoneinfo.ZoneInfo(settings.TIME_ZONE)
        captured = parse_captured_at(captured_at, given_zone or UTC) if captured_at else None
        legacy_thread_id, legacy_post_ids = legacy_ids(options, paths)
        files = archive_files(paths)
        pages = [path for path in files if is_page(path)]
        if pages and (legacy_thread_id is not None or legacy_post_ids):
            raise CommandError("Pages carry their old ids: --legacy-* options are for text.")
        files = [path for path in files if not is_page(path)]
        progress = Progress(sizes_of(files), self.stderr) if len(files) > 1 else None
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
        if pages:
            failed += self.import_pages(pages, forum, given_zone, captured, dry_run)
        if not dry_run:
            note_write()
        if failed:
            raise CommandError(
                f"{failed} of {len(files) + len(pages)} archives failed; the others were imported."
            )

    def import_pages(self, paths, forum, zone: tzinfo | None, captured, dry_run) -> int:
        """Reads every page, then imports each thread (all its pages) in one transaction.
        Returns how many pages failed, or belonged to a thread that failed."""
        failed_ids, failed = set(), 0
        pages = []
        progress = (
            Progress(sizes_of(paths), self.stderr, unit="pages read") if len(paths) > 1 else None
        )
        for path in paths:
            try:
                pages.append(
                    archive_html.read_page(
                        path.read_bytes(), str(path), time_zone=zone, captured_at=captured
                    )
                )
            except (ArchiveError, OSError) as error:
                failed += 1
                failed_ids.add(getattr(error, "thread_id", None))
                reason = error.reason if isinstance(error, ArchiveError) else str(error)
                self.report(progress, f"{path}: {reason}", self.stderr)
            if progress:
                progress.advance(path)
        groups = archive_html.thread_groups(pages)
        progress = (
            Progress(
                {i: sum(len(page.posts) for page in group) for i, group in enumerate(groups)},
                self.stderr,
                unit="threads imported",
            )
            if len(groups) > 1
            else None
        )
        for index, group in enumerate(groups):
            names = ", ".join(page.name for page in group)
            try:
                if group[0].thread_id is not None and group[0].thread_id in failed_ids:
                    raise ArchiveError(0, "not imported: another page of this thread failed")
                merged = archive_html.merge_pages(group)
                given = {
                    "forum": forum,
                    "archived": merged.archived,
                    "time_zone": UTC,
                    "legacy_thread_id": merged.thread_id,
                    "legacy_post_ids": merged.legacy_post_ids,
                }
                if dry_run:
                    plan = archive_import.plan_import(**given)
                else:
                    plan = archive_import.import_thread(
                        **given, profiles=merged.profiles, legacy_quotes=True
                    )
            except ArchiveError as error:
                failed += len(group)
                self.report(progress, f"{names}: {error.reason}", self.stderr)
            except DatabaseError as error:
                failed += len(group)
                reason = "; ".join(str(error).split("\n")).strip("; ")
                self.report(progress, f"{names}: {reason}", self.stderr)
            else:
                lines = [f"{names}: {describe(plan, forum, dry_run, zone_name='UTC')}"]
                lines += [f"  skipped: {reason}" for reason in merged.skipped]
                self.report(progress, "\n".join(lines), self.stdout)
            if progress:
                progress.advance(index)
        return failed

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


PAGE_SUFFIXES = {".html", ".htm"}


def is_page(path: Path) -> bool:
    return path.suffix.lower() in PAGE_SUFFIXES


def sizes_of(files: list[Path]) -> dict[Path, int]:
    return {path: path.stat().st_size for path in files}


def parse_captured_at(value: str, zone: tzinfo) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            f"--captured-at takes an ISO 8601 time such as 2007-02-12T15:00Z, not {value!r}."
        ) from None
    if not is_sane_date(moment):
        raise CommandError(f"--captured-at: {DATE_RANGE_MESSAGE}")
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def archive_files(paths: list[str]) -> list[Path]:
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(
                sorted(
                    child
                    for child in path.iterdir()
                    if child.is_file() and (child.suffix == ".txt" or is_page(child))
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"No such file or folder: {name}")
    if not files:
        raise CommandError("No archives found (a folder is read for *.txt, *.html, *.htm).")
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


def describe(
    plan: archive_import.ImportPlan, forum: Forum, dry_run: bool, zone_name: str = ""
) -> str:
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
    suffix = f" {zone_name}" if zone_name else ""
    return f"{verb} {posts} and {members} to {thread}, {first} to {last}{suffix}"


class Progress:
    """A one-line progress bar: files (or threads) done, time taken and time left, estimated
    by their sizes (bytes, or posts)."""

    WIDTH = 30

    def __init__(self, sizes: dict, stream, unit: str = "files"):
        self.sizes, self.unit = sizes, unit
        self.total = sum(self.sizes.values()) or 1
        self.done_files = self.done_bytes = 0
        self.started = time.monotonic()
        self.stream = stream

    def advance(self, key) -> None:
        self.done_files += 1
        self.done_bytes += self.sizes[key]
        share = self.done_bytes / self.total
        elapsed = time.monotonic() - self.started
        left = elapsed / share - elapsed if share else 0
        bar = "#" * round(share * self.WIDTH)
        finished = self.done_files == len(self.sizes)
        self.stream.write(
            f"\r[{bar:<{self.WIDTH}}] {self.done_files}/{len(self.sizes)} {self.unit}, "
            f"{elapsed:.0f}s, about {left:.0f}s left ",
            ending="\n" if finished else "",
        )
        self.stream.flush()

    def clear(self) -> None:
        if self.done_files:
            self.stream.write("\r\033[K", ending="")
