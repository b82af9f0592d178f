"""import_archive: members, times, idempotence, partial re-imports, failures and legacy ids."""

import zoneinfo
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError

from accounts.models import User
from forum import actions, archive_import
from forum.archive import parse_archive
from forum.management.commands.build_fixtures import SAMPLE_ARCHIVE
from forum.markup import render_bbcode
from forum.models import Forum, Post, Thread
from tests.conftest import make_member

SAMPLE = SAMPLE_ARCHIVE.read_text(encoding="utf-8")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def run_import(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_archive", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_import(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_archive", *map(str, args), stdout=out, stderr=err)
    return str(caught.value), err.getvalue()


def first_posts_of_sample(count: int) -> str:
    """The sample as an older copy of the archive would hold it: its first `count` posts."""
    cut = parse_archive(SAMPLE).posts[count].line
    return "\n".join(SAMPLE.split("\n")[: cut - 1])


def board_state():
    return (
        list(Thread.objects.values_list("pk", "post_count", "last_number", "last_post_id")),
        list(Forum.objects.values_list("pk", "thread_count", "post_count", "last_post_id")),
        list(User.objects.order_by("pk").values_list("pk", "post_count", "last_activity_at")),
        list(Post.objects.order_by("pk").values_list("pk", "number", "body")),
    )


def test_importing_the_sample_creates_its_thread_posts_and_members(forum):
    out, _ = run_import(SAMPLE_ARCHIVE, "--forum", "running")
    assert "added 10 posts and 5 new members" in out
    thread = Thread.objects.get()
    assert (thread.forum, thread.title, thread.slug) == (
        forum,
        "Cardio = Back pain...",
        "cardio-back-pain",
    )
    posts = list(thread.posts.select_related("author").order_by("number"))
    archived = parse_archive(SAMPLE).posts
    assert [(p.number, p.author.username, p.body) for p in posts] == [
        (n, a.username, a.body) for n, a in enumerate(archived, start=1)
    ]
    assert all(post.body_html == render_bbcode(post.body) for post in posts)
    assert (thread.starter.username, thread.first_post.number, thread.last_post.number) == (
        "iron_worker",
        1,
        10,
    )


def test_imported_members_have_no_password_and_joined_at_their_first_post(forum):
    run_import(SAMPLE_ARCHIVE, "--forum", "running")
    ross = User.objects.get(username="Ross86")
    assert ross.is_imported and not ross.has_usable_password()
    assert ross.date_joined == datetime(2007, 12, 11, 22, 23, tzinfo=NEW_YORK)
    assert ross.last_activity_at == datetime(2007, 12, 12, 21, 59, tzinfo=NEW_YORK)
    assert ross.post_count == 4


def test_counters_are_exact_after_an_import(forum, thread):
    run_import(SAMPLE_ARCHIVE, "--forum", "running")
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}
    forum.refresh_from_db()
    assert (forum.thread_count, forum.post_count) == (2, 11)
    assert forum.last_post == thread.last_post  # the import's posts are from 2007


def test_members_already_on_the_board_are_matched_whatever_the_case(forum):
    ross = make_member("ROSS86")
    run_import(SAMPLE_ARCHIVE, "--forum", "running")
    assert User.objects.count() == 5
    ross.refresh_from_db()
    assert (ross.post_count, ross.is_imported, ross.has_usable_password()) == (4, False, True)
    assert Post.objects.filter(author=ross).count() == 4


def test_an_import_raises_last_activity_to_the_newest_imported_post_and_never_lowers_it(forum):
    recent = datetime(2024, 5, 1, tzinfo=UTC)
    ross = make_member("Ross86")
    User.objects.filter(pk=ross.pk).update(last_activity_at=recent, post_count=7)
    iron = make_member("iron_worker")
    User.objects.filter(pk=iron.pk).update(last_activity_at=datetime(2001, 1, 1, tzinfo=UTC))
    run_import(SAMPLE_ARCHIVE, "--forum", "running")
    ross.refresh_from_db()
    iron.refresh_from_db()
    assert (ross.post_count, ross.last_activity_at) == (11, recent)
    # Posts #1, #4 and #7, the last at 12-12-2007 05:50 PM.
    assert iron.post_count == 3
    assert iron.last_activity_at == datetime(2007, 12, 12, 17, 50, tzinfo=NEW_YORK)


def test_bodies_are_stored_exactly_whatever_characters_they_hold(forum, tmp_path):
    # Backslashes, tabs and "\\N" mean something to PostgreSQL's COPY, which writes the posts.
    body = "Paths: C:\\new\\N and \\.\tTabbed\\\n[b]Ünïcode[/b] 😀 'quoted' \"too\" <b>&amp;"
    archive = tmp_path / "odd.txt"
    archive.write_text(f"Odd_One 01-05-2008 10:00 AM\n\nOdd characters\n{body}\n", encoding="utf-8")
    run_import(archive, "--forum", "running")
    post = Post.objects.get()
    assert (post.body, post.body_html) == (body, render_bbcode(body))


def test_importing_the_same_file_twice_changes_nothing(forum):
    run_import(SAMPLE_ARCHIVE, "--forum", "running")
    before = board_state()
    out, _ = run_import(SAMPLE_ARCHIVE, "--forum", "running")
    assert 'nothing new for "Cardio = Back pain..."' in out
    assert board_state() == before


def test_a_longer_version_of_an_archive_adds_only_its_new_posts(forum, tmp_path):
    older = tmp_path / "older.txt"
    older.write_text(first_posts_of_sample(5), encoding="utf-8")
    run_import(older, "--forum", "running")
    first_five = list(Post.objects.order_by("number").values_list("pk", "number"))
    out, _ = run_import(SAMPLE_ARCHIVE, "--forum", "running")
    assert "added 5 posts and 2 new members (Eddie0206, Pitysister)" in out
    thread = Thread.objects.get()
    assert list(thread.posts.order_by("number").values_list("pk", "number"))[:5] == first_five
    assert (thread.post_count, thread.last_number, thread.last_post.number) == (10, 10, 10)
    assert User.objects.get(username="Ross86").post_count == 4
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}


def test_an_archive_that_contradicts_the_thread_imports_nothing(forum, tmp_path):
    run_import(SAMPLE_ARCHIVE, "--forum", "running")
    before = board_state()
    changed = tmp_path / "changed.txt"
    changed.write_text(SAMPLE.replace("Ross86 12-11-2007 10:23 PM", "Impostor 12-11-2007 10:23 PM"))
    message, err = failing_import(changed, "--forum", "running")
    assert f"{changed}:10: the thread's post #2 is not this one" in err
    assert "1 of 1 archives failed" in message
    assert board_state() == before


@pytest.mark.parametrize(
    ("zone", "first_post_at"),
    [
        (None, datetime(2007, 12, 12, 3, 22, tzinfo=UTC)),  # the board's zone, New York
        ("UTC", datetime(2007, 12, 11, 22, 22, tzinfo=UTC)),
        ("Europe/Berlin", datetime(2007, 12, 11, 21, 22, tzinfo=UTC)),
    ],
)
def test_times_are_read_in_the_given_time_zone(forum, zone, first_post_at):
    run_import(SAMPLE_ARCHIVE, "--forum", "running", *(["--time-zone", zone] if zone else []))
    assert Post.objects.get(number=1).created_at == first_post_at
    assert Thread.objects.get().created_at == first_post_at


def test_times_around_daylight_saving_changes_import_once(forum, tmp_path):
    # 02:30 on 03-11-2007 never happened in New York; 01:30 on 11-04-2007 happened twice.
    archive = tmp_path / "dst.txt"
    archive.write_text(
        "Ross86 03-11-2007 01:50 AM\n\nClocks\nGoing forward\n\n"
        "Eddie0206 03-11-2007 02:30 AM\n\nIn the gap\n\n"
        "Ross86 11-04-2007 01:30 AM\n\nIn the fold\n",
        encoding="utf-8",
    )
    run_import(archive, "--forum", "running")
    out, _ = run_import(archive, "--forum", "running")
    assert "nothing new" in out
    assert Post.objects.count() == 3


def test_an_unknown_time_zone_or_forum_is_refused(forum):
    with pytest.raises(CommandError, match="Unknown time zone"):
        run_import(SAMPLE_ARCHIVE, "--forum", "running", "--time-zone", "Mars/Olympus")
    with pytest.raises(CommandError, match="No forum"):
        run_import(SAMPLE_ARCHIVE, "--forum", "nowhere")
    assert not Thread.objects.exists()


def test_a_dry_run_says_what_it_would_create_and_writes_nothing(forum):
    out, _ = run_import(SAMPLE_ARCHIVE, "--forum", "running", "--dry-run")
    assert out.strip() == (
        f"{SAMPLE_ARCHIVE}: would add 10 posts and 5 new members (Eddie0206, iron_worker, "
        'MONSTAFACE, Pitysister, Ross86) to new thread "Cardio = Back pain..." in Running, '
        "12-11-2007 10:22 PM to 12-12-2007 09:59 PM"
    )
    assert not Thread.objects.exists() and not User.objects.exists()


def test_malformed_files_fail_with_name_line_and_reason_while_the_others_import(forum, tmp_path):
    (tmp_path / "good.txt").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "bad-date.txt").write_text("Ross86 13-45-2007 10:22 PM\n\nTitle\nBody\n")
    (tmp_path / "no-header.txt").write_text("Hello there\n\nRoss86 12-11-2007 10:22 PM\n\nT\nB\n")
    (tmp_path / "empty-body.txt").write_text("Ross86 12-11-2007 10:22 PM\n\nTitle\n")
    (tmp_path / "binary.txt").write_bytes(b"Ross86 12-11-2007 10:22 PM\n\n\x00\x01\x02")
    (tmp_path / "latin1.txt").write_bytes(
        "Ross86 12-11-2007 10:22 PM\n\nCafé\nB\n".encode("latin-1")
    )
    message, err = failing_import(tmp_path, "--forum", "running")
    assert "5 of 6 archives failed" in message
    for expected in (
        "bad-date.txt:1: bad date or time: 13-45-2007 10:22 PM",
        "no-header.txt:1: expected a post header",
        "empty-body.txt:1: the first post has a title but an empty body",
        "binary.txt:3: a NUL byte: this is not a text file",
        "latin1.txt:3: not UTF-8 text (byte 0xe9)",
    ):
        assert f"{tmp_path / expected}" in err
    assert "6/6 files" in err  # the progress bar
    assert Thread.objects.get().posts.count() == 10


@pytest.mark.parametrize(
    ("stamp", "zone"),
    [("12-31-9999 11:59 PM", "America/New_York"), ("01-01-0001 12:00 AM", "Asia/Tokyo")],
)
def test_dates_at_the_edges_of_the_calendar_are_refused_not_overflowed(
    forum, tmp_path, stamp, zone
):
    (tmp_path / "edge.txt").write_text(f"Ross86 {stamp}\n\nTitle\nBody\n", encoding="utf-8")
    message, err = failing_import(tmp_path, "--forum", "running", "--time-zone", zone)
    assert f"edge.txt:1: date out of range: {stamp[:10]} (years 1970 to 2100)" in err
    assert not Thread.objects.exists()


def test_a_thread_that_fails_half_way_leaves_nothing_behind(forum, tmp_path, monkeypatch):
    run_import(SAMPLE_ARCHIVE, "--forum", "running")
    other = tmp_path / "other.txt"
    other.write_text("Newcomer 01-05-2008 10:00 AM\n\nFresh thread\nHello\n", encoding="utf-8")

    def fail(**kwargs):
        raise DatabaseError("the server went away")

    # Fails after the member, the thread and the posts were written.
    monkeypatch.setattr(archive_import, "recount", fail)
    message, err = failing_import(other, "--forum", "running")
    assert f"{other}: the server went away" in err
    assert not User.objects.filter(username="Newcomer").exists()
    assert Thread.objects.count() == 1
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}


def test_an_old_post_id_already_on_the_board_is_refused_before_anything_is_written(forum, tmp_path):
    run_import(
        SAMPLE_ARCHIVE, "--forum", "running", "--legacy-post-ids", ",".join(map(str, range(1, 11)))
    )
    other = tmp_path / "other.txt"
    other.write_text("Newcomer 01-05-2008 10:00 AM\n\nFresh thread\nHello\n", encoding="utf-8")
    message, err = failing_import(other, "--forum", "running", "--legacy-post-ids", "5")
    thread = Thread.objects.get()
    assert f"{other}:1: old post 5 is already on the board, as #5 of thread {thread.pk}" in err
    assert not User.objects.filter(username="Newcomer").exists()


def test_legacy_ids_are_stored_and_find_the_thread_after_its_title_changed(forum):
    ids = ",".join(str(n) for n in range(9001, 9011))
    run_import(
        SAMPLE_ARCHIVE,
        "--forum",
        "running",
        "--legacy-thread-id",
        "12345",
        "--legacy-post-ids",
        ids,
    )
    thread = Thread.objects.get(legacy_id=12345)
    assert list(thread.posts.order_by("number").values_list("legacy_id", flat=True)) == list(
        range(9001, 9011)
    )
    Thread.objects.filter(pk=thread.pk).update(title="Back pain when running")
    out, _ = run_import(SAMPLE_ARCHIVE, "--forum", "running", "--legacy-thread-id", "12345")
    assert "nothing new" in out
    assert Thread.objects.count() == 1


def test_a_legacy_id_given_later_is_added_to_the_thread_already_imported(forum):
    run_import(SAMPLE_ARCHIVE, "--forum", "running")
    run_import(SAMPLE_ARCHIVE, "--forum", "running", "--legacy-thread-id", "777")
    assert Thread.objects.get().legacy_id == 777


def test_legacy_ids_need_a_single_archive_and_one_id_per_post(forum, tmp_path):
    with pytest.raises(CommandError, match="single archive"):
        run_import(SAMPLE_ARCHIVE, SAMPLE_ARCHIVE, "--forum", "running", "--legacy-thread-id", "1")
    with pytest.raises(CommandError, match="single archive"):
        run_import(tmp_path, "--forum", "running", "--legacy-thread-id", "1")
    message, err = failing_import(SAMPLE_ARCHIVE, "--forum", "running", "--legacy-post-ids", "1,2")
    assert "2 legacy post ids for 10 posts" in err
    assert not Thread.objects.exists()
