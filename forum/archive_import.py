"""Importing archived threads (forum/archive.py and forum/archive_html.py read them):
plan_import and import_thread.

These are multi-model writes like those in forum/actions.py, kept apart because they follow
their own rules: rows are written in bulk, counters are raised by what was added rather than
one post at a time, and one archive is one thread and one transaction.
"""

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User, username_key
from forum.actions import newer_last_post, recount
from forum.archive import ArchivedPost, ArchivedThread, ArchiveError
from forum.archive_html import Profile
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
    members: dict[str, User]  # the authors (and editors) who are members already, by key
    new_members: dict[str, str]  # username_key -> username: authors of new posts to create
    is_new_thread: bool  # the import creates the thread
    edits: list[tuple[str, datetime] | None] = field(default_factory=list)  # editor key, UTC
    # Posts the thread has already, without the old id this import knows: (pk, legacy id).
    legacy_ids_to_add: list[tuple[int, int]] = field(default_factory=list)

    def archived_post(self, number: int) -> ArchivedPost:
        return self.archived.posts[number - self.archived.first_number]

    def time_of(self, number: int) -> datetime:
        return self.times[number - self.archived.first_number]

    def author_of(self, number: int) -> str:
        return self.authors[number - self.archived.first_number]

    @property
    def new_posts(self) -> list[tuple[int, ArchivedPost, datetime]]:
        return [(n, self.archived_post(n), self.time_of(n)) for n in self.new_numbers]


def plan_import(
    *,
    forum: Forum,
    archived: ArchivedThread,
    time_zone: tzinfo,
    legacy_thread_id: int | None = None,
    legacy_post_ids: list[int | None] | None = None,
    lock: bool = False,
) -> ImportPlan:
    """Works out what importing `archived` into `forum` creates, without writing anything.

    The thread is the one with `legacy_thread_id`, else the one in `forum` with the archive's
    title, first author and first time. Posts it has (same number, author and time, to the
    minute the archive shows) are left alone; a post that contradicts the archive raises
    ArchiveError. An archive that starts past post #1 (saved pages of a thread) adds to a
    thread found by its legacy id, and only right after the thread's last post. With `lock`,
    the rows are locked in the board's order: members, then the thread (or the forum, for a
    new thread).
    """
    first_number = archived.first_number
    # In UTC: an aware time in a DST gap or fold never equals one in another zone (PEP 495).
    times = [in_utc(post.posted_at, time_zone) for post in archived.posts]
    authors = [username_key(post.username) for post in archived.posts]
    edits = [
        (username_key(post.edited_by), in_utc(post.edited_at, time_zone))
        if post.edited_by and post.edited_at
        else None
        for post in archived.posts
    ]
    wanted = set(authors) | {edit[0] for edit in edits if edit}
    known = User.objects.filter(username_key__in=wanted).order_by("pk")
    members = {m.username_key: m for m in (known.select_for_update() if lock else known)}
    thread = imported_thread(
        forum,
        archived,
        authors[0] if first_number == 1 else None,
        times[0],
        legacy_thread_id,
        lock,
    )
    if thread is None and first_number > 1:
        raise ArchiveError(
            archived.posts[0].line,
            f"these posts start at #{first_number} and the thread is not on the board yet: "
            "import its first page with them",
        )
    have = {}
    if thread is not None:
        have = {
            number: (author, at.replace(second=0, microsecond=0), pk, legacy_id)
            for number, author, at, pk, legacy_id in thread.posts.values_list(
                "number", "author__username_key", "created_at", "pk", "legacy_id"
            )
        }
    new_numbers, legacy_ids_to_add = [], []
    for number, post in enumerate(archived.posts, start=first_number):
        index = number - first_number
        legacy_id = legacy_post_ids[index] if legacy_post_ids else None
        if number not in have:
            new_numbers.append(number)
            continue
        author, at, pk, known_legacy_id = have[number]
        if (author, at) != (authors[index], times[index]):
            raise ArchiveError(
                post.line, f"the thread's post #{number} is not this one: another author or time"
            )
        if legacy_id is not None and known_legacy_id is None:
            legacy_ids_to_add.append((pk, legacy_id))
        elif None not in (legacy_id, known_legacy_id) and legacy_id != known_legacy_id:
            raise ArchiveError(
                post.line,
                f"the thread's post #{number} has old id {known_legacy_id}, not {legacy_id}",
            )
    last_number = max(have, default=0)
    if new_numbers and new_numbers[0] > last_number + 1:
        raise ArchiveError(
            archived.posts[0].line,
            f"posts #{last_number + 1} to #{new_numbers[0] - 1} are missing from the thread: "
            "import the pages that hold them first",
        )
    if legacy_post_ids:
        check_legacy_ids_are_free(
            [
                (legacy_post_ids[n - first_number], archived.posts[n - first_number].line)
                for n in new_numbers
            ]
            + [(legacy_id, 0) for _, legacy_id in legacy_ids_to_add]
        )
    new_members = {}
    for number in new_numbers:
        index = number - first_number
        if authors[index] not in members:
            new_members.setdefault(authors[index], archived.posts[index].username)
        if edits[index] and edits[index][0] not in members:
            new_members.setdefault(edits[index][0], archived.posts[index].edited_by)
    return ImportPlan(
        archived,
        thread,
        times,
        authors,
        new_numbers,
        members,
        new_members,
        thread is None,
        edits,
        legacy_ids_to_add,
    )


def in_utc(wall_clock: datetime, time_zone: tzinfo) -> datetime:
    return timezone.make_aware(wall_clock, time_zone).astimezone(UTC)


def check_legacy_ids_are_free(legacy_ids: list[tuple[int | None, int]]) -> None:
    """Old post ids (each with its post's line) are unique on the board: one already given
    elsewhere is an error, not a database failure half-way through the thread."""
    lines = {legacy_id: line for legacy_id, line in legacy_ids if legacy_id is not None}
    if len(lines) != sum(legacy_id is not None for legacy_id, _ in legacy_ids):
        raise ArchiveError(0, "an old post id appears twice")
    taken = Post.objects.filter(legacy_id__in=lines).values_list("legacy_id", "thread_id", "number")
    for legacy_id, thread_id, number in taken.order_by("legacy_id")[:1]:
        raise ArchiveError(
            lines[legacy_id],
            f"old post {legacy_id} is already on the board, as #{number} of thread {thread_id}",
        )


def imported_thread(
    forum: Forum,
    archived: ArchivedThread,
    starter_key: str | None,
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
    if starter_key is None:  # without post #1 only the legacy id can tell
        queries = [Thread.objects.filter(legacy_id=legacy_thread_id)] if legacy_thread_id else []
    elif legacy_thread_id is not None:
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
    legacy_post_ids: list[int | None] | None = None,
    profiles: Mapping[str, Profile] | None = None,
    legacy_quotes: bool = False,
) -> ImportPlan:
    """Imports an archived thread into `forum`: the whole thread, or the posts it lacks.

    Importing an archive again changes nothing; a longer version adds only its new posts.
    Members and posts are bulk inserted; the thread is recounted and the forum's and authors'
    counters are raised by what was added. `legacy_post_ids` (one per archived post) go to the
    posts this import creates, and to posts it finds without one. `profiles` (by username) fill
    in the members it creates. With `legacy_quotes`, the post ids in [QUOTE=name;id] are the
    old board's and become the board's own (or go, when the quoted post is not here). Returns
    the plan it carried out, with the thread filled in.
    """
    plan = plan_import(
        forum=forum,
        archived=archived,
        time_zone=time_zone,
        legacy_thread_id=legacy_thread_id,
        legacy_post_ids=legacy_post_ids,
        lock=True,
    )
    thread = plan.thread
    if thread is not None and legacy_thread_id is not None and thread.legacy_id is None:
        Thread.objects.filter(pk=thread.pk).update(legacy_id=legacy_thread_id)
    for pk, legacy_id in plan.legacy_ids_to_add:
        Post.objects.filter(pk=pk).update(legacy_id=legacy_id)
    if not plan.new_numbers:
        return plan
    members = plan.members | create_imported_members(plan, profiles or {})
    if thread is None:
        thread = plan.thread = Thread.objects.create(
            forum=forum,
            title=archived.title,
            starter=members[plan.authors[0]],
            created_at=plan.times[0],
            legacy_id=legacy_thread_id,
        )
    new_posts = plan.new_posts
    authors = [members[plan.author_of(number)].pk for number, _, _ in new_posts]
    edits = [plan.edits[number - archived.first_number] for number, _, _ in new_posts]
    legacy_ids = [
        legacy_post_ids[number - archived.first_number] if legacy_post_ids else None
        for number, _, _ in new_posts
    ]
    bodies = [post.body for _, post, _ in new_posts]
    quoting = legacy_quotes and any(LEGACY_QUOTE.search(body) for body in bodies)
    # Quotes of posts in this very import need the ids the new rows will get.
    post_ids = reserve_ids(Post, len(new_posts)) if quoting else None
    if post_ids is not None:
        bodies = link_legacy_quotes(bodies, dict(zip(legacy_ids, post_ids, strict=True)))
    post_ids = insert_rows(
        Post,
        [
            "thread_id",
            "number",
            "author_id",
            "created_at",
            "body",
            "body_html",
            "legacy_id",
            "edited_at",
            "edited_by_id",
        ],
        (
            (
                thread.pk,
                number,
                author_id,
                posted_at,
                body,
                # Rendered as the rows stream out, while PostgreSQL indexes the ones before.
                render_bbcode(body),
                legacy_id,
                edit[1] if edit else None,
                members[edit[0]].pk if edit else None,
            )
            for (number, _, posted_at), body, author_id, legacy_id, edit in zip(
                new_posts, bodies, authors, legacy_ids, edits, strict=True
            )
        ),
        count=len(new_posts),
        ids=post_ids,
    )
    if quoting and connection.vendor != "postgresql":
        # No ids to reserve without a sequence: the quotes are linked once the rows exist.
        linked = link_legacy_quotes(bodies, dict(zip(legacy_ids, post_ids, strict=True)))
        for pk, body, new_body in zip(post_ids, bodies, linked, strict=True):
            if new_body != body:
                Post.objects.filter(pk=pk).update(body=new_body, body_html=render_bbcode(new_body))
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


LEGACY_QUOTE = re.compile(r"\[QUOTE=([^\]\n;]*);(\d{1,10})\]", re.I)


def link_legacy_quotes(bodies: list[str], new_ids: dict[int | None, int]) -> list[str]:
    """The bodies with each [QUOTE=name;old id] pointed at the board's copy of the quoted post:
    one of this import's (`new_ids`, old id -> pk) or one already on the board. A quote of a
    post the board does not have keeps its name and loses the id."""
    wanted = {int(m[2]) for body in bodies for m in LEGACY_QUOTE.finditer(body)} - new_ids.keys()
    board_ids = dict(Post.objects.filter(legacy_id__in=wanted).values_list("legacy_id", "pk"))
    board_ids.update(new_ids)

    def linked(match: re.Match) -> str:
        pk = board_ids.get(int(match[2]))
        return f"[QUOTE={match[1]};{pk}]" if pk else f"[QUOTE={match[1]}]"

    return [LEGACY_QUOTE.sub(linked, body) for body in bodies]


def create_imported_members(plan: ImportPlan, profiles: Mapping[str, Profile]) -> dict[str, User]:
    """Creates the authors (and editors) who are not members yet: no usable password, joined at
    their first post (or the month their profile says, when earlier), marked as imported, with
    the location and title their profile showed."""
    joined = {}
    for number, _, posted_at in plan.new_posts:
        joined.setdefault(plan.author_of(number), posted_at)
        edit = plan.edits[number - plan.archived.first_number]
        if edit:
            joined.setdefault(edit[0], edit[1])
    new = []
    for key, username in sorted(plan.new_members.items()):
        profile = profiles.get(username) or Profile()
        joined_at = joined[key]
        if profile.joined:
            joined_at = min(joined_at, datetime.combine(profile.joined, time(), tzinfo=UTC))
        member = User(
            username=username,
            username_key=key,
            is_imported=True,
            date_joined=joined_at,
            location=profile.location,
            user_title=profile.user_title,
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


def insert_rows(
    model, columns: list[str], rows: Iterable[tuple], *, count: int, ids: list[int] | None = None
) -> list[int]:
    """Inserts `count` rows (values for `columns`) into `model`'s table; returns their ids.

    On PostgreSQL with COPY, several times faster than INSERT for thousands of rows, the ids
    taken from the table's sequence first (or given: see reserve_ids) so they need not be read
    back. Elsewhere (SQLite) with bulk_create."""
    if connection.vendor != "postgresql":
        created = model.objects.bulk_create(
            (model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=1000
        )
        return [row.pk for row in created]
    if ids is None:
        ids = reserve_ids(model, count)
    copy_rows(
        model,
        [model._meta.pk.column, *columns],
        ((pk, *row) for pk, row in zip(ids, rows, strict=True)),
    )
    return ids


def reserve_ids(model, count: int) -> list[int] | None:
    """`count` ids from the table's sequence, for rows about to be inserted; None where there
    is no sequence to take them from (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


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
