"""Querysets compiled once per process (config/prepared.py): each use gives the instances its
queryset gives, select_related included, and anything it cannot be sure of runs uncached."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.test.utils import CaptureQueriesContext

from accounts.models import ACTIVE_MEMBER, NEWEST_MEMBER, User
from config import replicas
from config.prepared import PreparedQuery
from forum import actions
from forum.models import (
    FORUM_BY_SLUG,
    FORUMS_FOR_INDEX,
    GUESTS_RECENT_POSTS,
    LISTING_ORDER,
    POSTS_NUMBERED,
    THREAD_FOR_PAGE,
    THREADS_LISTED,
    Forum,
    Post,
    Thread,
    listing_order,
    listing_page_of,
    page_of_posts,
    recent_posts_by,
)
from forum.search import GUESTS_POSTS_PAGE, Search
from forum.views import load_thread


def loaded(obj):
    """An instance as loaded: its class, database, fields, and what select_related brought."""
    if obj is None:
        return None
    fields = {name: value for name, value in vars(obj).items() if name != "_state"}
    related = {name: loaded(value) for name, value in obj._state.fields_cache.items()}
    return type(obj), obj._state.db, obj._state.adding, fields, related


def all_loaded(objs) -> list:
    return [loaded(obj) for obj in objs]


def compiled_shapes(prepared: PreparedQuery) -> list:
    return [compiled for compiled in prepared.compiled.values() if compiled is not None]


@pytest.fixture(autouse=True)
def fresh_shapes():
    """Each test compiles from nothing (another test's database may have other ids)."""
    for prepared in (
        FORUMS_FOR_INDEX, FORUM_BY_SLUG, THREAD_FOR_PAGE, POSTS_NUMBERED, THREADS_LISTED,
        NEWEST_MEMBER, ACTIVE_MEMBER, GUESTS_RECENT_POSTS, GUESTS_POSTS_PAGE,
    ):  # fmt: skip
        prepared.compiled.clear()


@pytest.fixture
def busy_thread(thread, member, other_member, settings):
    """A thread of five posts over three pages, one edited by another member."""
    settings.BOARD_POSTS_PER_PAGE = 2
    for n in range(4):
        actions.add_reply(thread=thread, author=other_member, body=f"Reply {n}.")
    post = thread.posts.get(number=2)
    post.edited_by = member
    post.save(update_fields=["edited_by"])
    return thread


def test_a_page_of_posts_is_the_querysets_posts_with_authors_and_editors(busy_thread):
    for _ in range(2):  # the first call compiles, the second runs what it compiled
        for page in (1, 2, 3, 4):
            plain = list(Post.objects.page_of(busy_thread, page))
            assert all_loaded(page_of_posts(busy_thread, page)) == all_loaded(plain)
    assert len(compiled_shapes(POSTS_NUMBERED)) == 1
    second = page_of_posts(busy_thread, 1)[1]
    assert second.edited_by.username == "Member_One" and second.author.username == "Member_Two"


def test_a_page_of_posts_costs_one_query_and_no_compiling_after_the_first(
    busy_thread, django_assert_num_queries, monkeypatch
):
    page_of_posts(busy_thread, 1)
    monkeypatch.setattr(Post.objects, "numbered", None)  # building it again would fail
    with django_assert_num_queries(1):
        assert [post.number for post in page_of_posts(busy_thread, 2)] == [3, 4]


@pytest.mark.parametrize("polls", [True, False])
def test_a_thread_by_its_key_is_the_querysets_thread_with_forum_category_and_merge(
    busy_thread, forum, member, settings, polls
):
    settings.BOARD_POLLS = polls
    other = actions.create_thread(forum=forum, author=member, title="Other", body="x").thread
    Thread.objects.filter(pk=other.pk).update(merged_into=busy_thread)
    related = ["forum__category", "merged_into__forum", *(["poll"] if polls else [])]
    for _ in range(2):
        for pk in (busy_thread.pk, other.pk, 999_999, 10**15):
            plain = list(Thread.objects.select_related(*related).filter(pk=pk)[:1])
            assert loaded(load_thread(pk)) == loaded(next(iter(plain), None))
    merged_into = load_thread(other.pk).merged_into
    assert (
        merged_into.pk == busy_thread.pk
        and merged_into._state.fields_cache["forum"].name == "Running"
    )
    # 10**15 is beyond an integer column: it runs uncached rather than compiled.
    assert len(compiled_shapes(THREAD_FOR_PAGE)) == 1


def test_a_forums_page_of_threads_is_the_querysets_threads_in_each_order(forum, member):
    for n in range(5):
        actions.create_thread(forum=forum, author=member, title=f"Thread {n}", body="x")
    removed = Thread.objects.get(title="Thread 3")
    removed.is_removed = True
    removed.save(update_fields=["is_removed"])
    for _ in range(2):
        for order in (LISTING_ORDER, listing_order("title", "asc")):
            for page in (1, 2, 3):
                plain = list(Thread.objects.visible().in_forum(forum).listing_page(page, 2, order))
                assert all_loaded(listing_page_of(forum, page, 2, order)) == all_loaded(plain)
    assert len(compiled_shapes(THREADS_LISTED)) == 6


def test_the_index_forums_and_member_statistics_are_the_querysets(thread, other_member):
    for _ in range(2):
        assert all_loaded(FORUMS_FOR_INDEX.fetch()) == all_loaded(Forum.objects.for_index())
        statistics = User.objects.board_statistics()
        plain = User.objects.newest_with_count().first()
        assert loaded(statistics["newest"]) == loaded(plain)
        assert statistics["count"] == 2
    assert compiled_shapes(FORUMS_FOR_INDEX) and compiled_shapes(NEWEST_MEMBER)


def test_a_forum_by_its_slug_is_the_querysets_forum_with_its_category(forum):
    for _ in range(2):
        for slug in ("running", "walking"):
            plain = list(Forum.objects.select_related("category").filter(slug=slug)[:1])
            assert all_loaded(FORUM_BY_SLUG.fetch(slug)) == all_loaded(plain)
    assert FORUM_BY_SLUG.fetch("running")[0].category.name == "Training"
    assert compiled_shapes(FORUM_BY_SLUG)


def test_a_profiles_member_and_recent_posts_are_the_querysets(busy_thread, member, other_member):
    other_member.is_active = False
    other_member.save(update_fields=["is_active"])
    for _ in range(2):
        for pk in (member.pk, other_member.pk, 999_999):
            plain = list(User.objects.filter(is_active=True, pk=pk)[:1])
            assert all_loaded(ACTIVE_MEMBER.fetch(pk)) == all_loaded(plain)
        for author in (member, other_member):
            plain = list(Post.objects.recent_by(author, AnonymousUser())[:3])
            assert all_loaded(recent_posts_by(author, AnonymousUser(), 3)) == all_loaded(plain)
    assert compiled_shapes(ACTIVE_MEMBER) and compiled_shapes(GUESTS_RECENT_POSTS)


@pytest.mark.parametrize("titles", [False, True])
def test_a_guests_search_page_is_the_querysets_posts_ranked_with_snippets(
    busy_thread, forum, member, titles
):
    actions.create_thread(forum=forum, author=member, title="Shin care", body="Ice the shins.")
    for _ in range(2):
        for words, forum_id in [("shins", None), ("shin -ice", forum.pk), ("reply", forum.pk + 1)]:
            search = Search(words=words, forum_id=forum_id, titles_only=titles)
            for page in (1, 2):
                plain = list(search.posts_on_page(page))
                forum_value = (forum_id,) if forum_id else ()
                prepared = GUESTS_POSTS_PAGE.fetch(
                    words, *forum_value, page=page, per_page=search.per_page, titles=titles
                )
                assert all_loaded(prepared) == all_loaded(plain)
    assert len(compiled_shapes(GUESTS_POSTS_PAGE)) == 4
    assert [post.body for post in Search(words="shins").page(1)] == [
        "Ice the shins.", "My shins hurt."
    ]  # fmt: skip


def test_a_value_written_into_the_sql_runs_uncached(thread, other_member):
    first_n = PreparedQuery(User, lambda n: User.objects.order_by("pk")[:n])
    assert [user.pk for user in first_n.fetch(1)] == [User.objects.order_by("pk")[0].pk]
    assert len(first_n.fetch(2)) == 2
    assert list(first_n.compiled.values()) == [None]


def test_a_value_changed_on_its_way_into_the_sql_runs_uncached(member, other_member):
    named = PreparedQuery(User, lambda part: User.objects.filter(username__icontains=part))
    assert [user.username for user in named.fetch("two")] == ["Member_Two"]
    assert list(named.compiled.values()) == [None]


def test_a_value_whose_sql_depends_on_it_runs_uncached(member):
    by_name = PreparedQuery(User, lambda pk: User.objects.filter(pk__in=range(pk % 3)))
    assert by_name.fetch(2) == list(User.objects.filter(pk__in=range(2)))
    assert list(by_name.compiled.values()) == [None]


def test_querysets_that_do_more_than_fetch_instances_run_uncached(member):
    values = PreparedQuery(User, lambda pk: User.objects.filter(pk=pk).values("username"))
    assert values.fetch(member.pk) == [{"username": "Member_One"}]
    prefetching = PreparedQuery(
        User, lambda pk: User.objects.filter(pk=pk).prefetch_related("groups")
    )
    assert prefetching.fetch(member.pk) == [member]
    assert list(values.compiled.values()) == list(prefetching.compiled.values()) == [None]


def test_a_build_that_fails_is_not_refused_for_good(member):
    failing = [True]

    def build(pk):
        if failing:
            raise ValueError("down")
        return User.objects.filter(pk=pk)

    prepared = PreparedQuery(User, build)
    with pytest.raises(ValueError):
        prepared.fetch(member.pk)
    failing.clear()
    assert prepared.fetch(member.pk) == [member]
    assert len(compiled_shapes(prepared)) == 1


def test_a_shape_per_page_stops_at_the_limit_and_the_rest_run_uncached(forum, member):
    for n in range(3):
        actions.create_thread(forum=forum, author=member, title=f"Thread {n}", body="x")
    prepared = PreparedQuery(
        Thread,
        lambda forum_id, *, page: Thread.objects.filter(forum_id=forum_id).listing_page(page, 1),
        max_shapes=2,
    )
    titles = [[t.title for t in prepared.fetch(forum.pk, page=page)] for page in (1, 2, 3)]
    assert titles == [["Thread 2"], ["Thread 1"], ["Thread 0"]]
    assert len(prepared.compiled) == 2


def test_each_database_alias_is_compiled_and_read_on_its_own(transactional_db, settings, thread):
    """With a replica (the test database through a second connection, as in test_replicas),
    the router picks the alias per call; each gets its own compiled SQL and connection."""
    from tests.config.test_replicas import add_replica, remove_replica

    settings.DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]
    add_replica(settings)
    replicas.health.forget()
    try:
        primary = page_of_posts(thread, 1)
        with replicas.from_replica(), CaptureQueriesContext(connections["replica1"]) as mirror:
            from_mirror = page_of_posts(thread, 1)
        assert [key[0] for key in POSTS_NUMBERED.compiled] == ["default", "replica1"]
        assert len([q for q in mirror.captured_queries if "forum_post" in q["sql"]]) == 1
        assert [post._state.db for post in from_mirror] == ["replica1"]
        assert [loaded(post)[3] for post in from_mirror] == [loaded(post)[3] for post in primary]
    finally:
        remove_replica(settings)
        replicas.health.forget()


SQLITE_CHECK = """
from accounts.models import User
from forum import actions
from forum.models import Forum, Post, Thread, listing_page_of, page_of_posts, LISTING_ORDER
from forum.views import board_index_data, load_thread

def loaded(obj):
    if obj is None:
        return None
    fields = {k: v for k, v in vars(obj).items() if k != "_state"}
    related = {k: loaded(v) for k, v in obj._state.fields_cache.items()}
    return type(obj), obj._state.db, fields, related

thread = Thread.objects.get(pk=1)
checks = []
for _ in range(2):
    for page in (1, 2, 99):
        checks.append([loaded(p) for p in page_of_posts(thread, page)]
                      == [loaded(p) for p in Post.objects.page_of(thread, page)])
    checks.append(loaded(load_thread(1)) == loaded(
        Thread.objects.select_related("forum__category", "merged_into__forum", "poll").get(pk=1)))
    checks.append([loaded(t) for t in listing_page_of(thread.forum, 1, 20, LISTING_ORDER)]
                  == [loaded(t) for t in Thread.objects.visible().in_forum(thread.forum)
                      .listing_page(1, 20, LISTING_ORDER)])
    data = board_index_data()
    forums = Forum.objects.for_index()
    checks.append([loaded(f) for f in data["forums"]] == [loaded(f) for f in forums])
    newest = User.objects.newest_with_count().first()
    checks.append(loaded(data["members"]["newest"]) == loaded(newest))
from forum.models import POSTS_NUMBERED, THREAD_FOR_PAGE
compiled_on = [key[0] for key, compiled in POSTS_NUMBERED.compiled.items() if compiled]
print(checks, compiled_on, len(THREAD_FOR_PAGE.compiled))
"""


def test_on_sqlite_the_prepared_reads_are_the_querysets(tmp_path, migrated_sqlite):
    from tests.conftest import SqliteBoard

    board = SqliteBoard(tmp_path, ["load_sample", "--demo"], migrated=migrated_sqlite)
    printed = board.script(SQLITE_CHECK).strip().splitlines()[-1]
    assert printed == f"{[True] * 14} ['default'] 1"
