"""Importing archived threads (forum/archive.py reads them): plan_import and import_thread.

These are multi-model writes like those in forum/actions.py, kept apart because they follow
their own rules: rows are written in bulk, counters are raised by what was added rather than
one post at a time, and one archive is one thread and one transaction.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User, username_key
from forum.actions import newer_last_post, recount
from forum.archive import ArchivedPost, ArchivedThread, ArchiveError
from forum.markup import render_bbcode
from forum.models import Forum, Post, Thread


@dataclass
class ImportPlan:
    """What importing an archive changes, worked out before anything is written."""

    archived: ArchivedThread
    thread: Thread | None  # the thread that holds this archive already, if any
    times: list[datetime]  # each archived post's time, in UTC
    authors: list[str]  # each archived post's author, as a username_key
    new_numbers: list[int]  # the numbers of the archived posts the thread lacks
    members: dict[str, User]  # the authors who are members already, by username_key
    new_members: dict[str, str]  # username_key -> username: authors of new posts to create
    is_new_thread: bool  # the import creates the thread

    @property
    def new_posts(self) -> list[tuple[int, ArchivedPost, datetime]]:
        return [(n, self.archived.posts[n - 1], self.times[n - 1]) for n in self.new_numbers]


def plan_import(
    *,
    forum: Forum,
    archived: ArchivedThread,
    time_zone: tzinfo,
    legacy_thread_id: int | None = None,
    lock: bool = False,
) -> ImportPlan:
    """Works out what importing `archived` into `forum` creates, without writing anything.

    The thread is the one with `legacy_thread_id`, else the one in `forum` with the archive's
    title, first author and first time. Posts it has (same number, author and time, to the
    minute the archive shows) are left alone; a post that contradicts the archive raises
    ArchiveError. With `lock`, the rows are locked in the board's order: members, then the
    thread (or the forum, for a new thread).
    """
    # In UTC: an aware time in a DST gap or fold never equals one in another zone (PEP 495).
    times = [
        timezone.make_aware(post.posted_at, time_zone).astimezone(UTC) for post in archived.posts
    ]
    authors = [username_key(post.username) for post in archived.posts]
    known = User.objects.filter(username_key__in=set(authors)).order_by("pk")
    members = {m.username_key: m for m in (known.select_for_update() if lock else known)}
    thread = imported_thread(forum, archived, authors[0], times[0], legacy_thread_id, lock)
    have = {}
    if thread is not None:
        have = {
            number: (author, at.replace(second=0, microsecond=0))
            for number, author, at in thread.posts.values_list(
                "number", "author__username_key", "created_at"
            )
        }
    new_numbers = []
    for number, post in enumerate(archived.posts, start=1):
        if number not in have:
            new_numbers.append(number)
        elif have[number] != (authors[number - 1], times[number - 1]):
            raise ArchiveError(
                post.line, f"the thread's post #{number} is not this one: another author or time"
            )
    new_members = {}
    for number in new_numbers:
        if authors[number - 1] not in members:
            new_members.setdefault(authors[number - 1], archived.posts[number - 1].username)
    return ImportPlan(
        archived, thread, times, authors, new_numbers, members, new_members, thread is None
    )


def imported_thread(
    forum: Forum,
    archived: ArchivedThread,
    starter_key: str,
    created_at: datetime,
    legacy_thread_id: int | None,
    lock: bool,
) -> Thread | None:
    """The thread an archive was imported into before, if any (see plan_import)."""
    same_content = Thread.objects.filter(
        forum=forum,
        title=archived.title,
        starter__username_key=starter_key,
        created_at__gte=created_at,
        created_at__lt=created_at + timedelta(minutes=1),  # archives show whole minutes
    )
    queries = [same_content]
    if legacy_thread_id is not None:
        queries = [
            Thread.objects.filter(legacy_id=legacy_thread_id),
            same_content.filter(legacy_id=None),
        ]

    def find() -> Thread | None:
        for query in queries:
            if lock:
                query = query.select_for_update(of=("self",))
            found = query.order_by("pk").first()
            if found is not None:
                return found
        return None

    thread = find()
    if thread is None and lock:
        # Two imports of one new thread queue on the forum's row; the second then finds it.
        Forum.objects.select_for_update().get(pk=forum.pk)
        thread = find()
    return thread


@transaction.atomic
def import_thread(
    *,
    forum: Forum,
    archived: ArchivedThread,
    time_zone: tzinfo,
    legacy_thread_id: int | None = None,
    legacy_post_ids: list[int] | None = None,
) -> ImportPlan:
    """Imports an archived thread into `forum`: the whole thread, or the posts it lacks.

    Importing an archive again changes nothing; a longer version adds only its new posts.
    Members and posts are bulk inserted; the thread is recounted and the forum's and authors'
    counters are raised by what was added. `legacy_post_ids` (one per archived post) go to the
    posts this import creates. Returns the plan it carried out, with the thread filled in.
    """
    plan = plan_import(
        forum=forum,
        archived=archived,
        time_zone=time_zone,
        legacy_thread_id=legacy_thread_id,
        lock=True,
    )
    thread = plan.thread
    if thread is not None and legacy_thread_id is not None and thread.legacy_id is None:
        Thread.objects.filter(pk=thread.pk).update(legacy_id=legacy_thread_id)
    if not plan.new_numbers:
        return plan
    members = plan.members | create_imported_members(plan)
    if thread is None:
        thread = plan.thread = Thread.objects.create(
            forum=forum,
            title=archived.title,
            starter=members[plan.authors[0]],
            created_at=plan.times[0],
            legacy_id=legacy_thread_id,
        )
    new_posts = plan.new_posts
    authors = [members[plan.authors[number - 1]].pk for number, _, _ in new_posts]
    post_ids = insert_rows(
        Post,
        ["thread_id", "number", "author_id", "created_at", "body", "body_html", "legacy_id"],
        (
            (
                thread.pk,
                number,
                author_id,
                posted_at,
                post.body,
                # Rendered as the rows stream out, while PostgreSQL indexes the ones before.
                render_bbcode(post.body),
                legacy_post_ids[number - 1] if legacy_post_ids else None,
            )
            for (number, post, posted_at), author_id in zip(new_posts, authors, strict=True)
        ),
        count=len(new_posts),
    )
    recount(
        threads=Thread.objects.filter(pk=thread.pk),
        forums=Forum.objects.none(),
        members=User.objects.none(),
    )
    if not thread.is_removed and not thread.is_held:
        newest_at, newest_id = max(zip([at for *_, at in new_posts], post_ids, strict=True))
        Forum.objects.filter(pk=thread.forum_id).update(
            thread_count=F("thread_count") + int(plan.is_new_thread),
            post_count=F("post_count") + len(post_ids),
            **newer_last_post(Post(pk=newest_id, created_at=newest_at)),
        )
        count_imported_posts(authors, [at for *_, at in new_posts])
    return plan


def create_imported_members(plan: ImportPlan) -> dict[str, User]:
    """Creates the authors who are not members yet: no usable password, joined at their first
    post, marked as imported."""
    joined = {}
    for number, _, posted_at in plan.new_posts:
        joined.setdefault(plan.authors[number - 1], posted_at)
    new = []
    for key, username in sorted(plan.new_members.items()):
        member = User(
            username=username, username_key=key, is_imported=True, date_joined=joined[key]
        )
        member.set_unusable_password()
        new.append(member)
    return {member.username_key: member for member in User.objects.bulk_create(new)}


def count_imported_posts(author_ids: list[int], times: list[datetime]) -> None:
    """Adds imported posts (each one's author id and time) to their authors' post counts, and
    raises each author's last activity to their newest one. Archives are in time order, so that
    is also their newest post in the thread.

    One UPDATE for all the authors, from a VALUES list: a thread has hundreds of them, and
    looking up each one's newest post in the database took 50 ms a thread of 1,000 posts."""
    added = Counter(author_ids)
    newest = {}
    for author_id, at in zip(author_ids, times, strict=True):
        newest[author_id] = max(at, newest.get(author_id, at))
    table = User._meta.db_table
    bigger = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    params = []
    for author_id, count in added.items():
        params += [author_id, count, connection.ops.adapt_datetimefield_value(newest[author_id])]
    with connection.cursor() as cursor:
        # column1..3 of a VALUES list are its author id, post count and newest post time.
        cursor.execute(
            f"UPDATE {table} SET post_count = post_count + added.column2, last_activity_at = "
            f"{bigger}(COALESCE(last_activity_at, added.column3), added.column3) "
            f"FROM (VALUES {', '.join(['(%s, %s, %s)'] * len(added))}) AS added "
            f"WHERE {table}.id = added.column1",
            params,
        )


def insert_rows(model, columns: list[str], rows: Iterable[tuple], *, count: int) -> list[int]:
    """Inserts `count` rows (values for `columns`) into `model`'s table; returns their ids.

    On PostgreSQL with COPY, several times faster than INSERT for thousands of rows, the ids
    taken from the table's sequence first so they need not be read back. Elsewhere (SQLite)
    with bulk_create."""
    if connection.vendor != "postgresql":
        created = model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=1000
        )
        return [row.pk for row in created]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    copy_rows(
        model,
        [model._meta.pk.column, *columns],
        ((pk, *row) for pk, row in zip(ids, rows, strict=True)),
    )
    return ids


def copy_rows(model, columns: list[str], rows: Iterable[tuple], progress=None, total=0) -> None:
    """COPYs `rows` (values for `columns`) into `model`'s table; every other column the model
    declares gets its field's default, or NULL where the field allows it and has none."""
    fixed_fields = [
        f
        for f in model._meta.concrete_fields
        if f.column not in columns
        and not f.primary_key  # the table gives it out
        and not (f.null and not f.has_default())
    ]
    fixed = tuple(f.get_db_prep_save(f.get_default(), connection) for f in fixed_fields)
    all_columns = [*columns, *(f.column for f in fixed_fields)]
    sql = f"COPY {model._meta.db_table} ({', '.join(all_columns)}) FROM STDIN"
    # The raw psycopg cursor raises psycopg's errors: made Django's, as callers expect.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for n, row in enumerate(rows, start=1):
            copy.write_row(row + fixed)
            if progress and n % 10_000 == 0:
                progress(model._meta.db_table, n, total)
    if progress:
        progress(model._meta.db_table, total, total)
