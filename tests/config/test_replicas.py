"""The read-replica router (config/replicas.py), with the test database as its replica.

A replica here is a second connection to the test database (as Django's TEST MIRROR makes
it), so these tests commit their data (transactional_db): a second connection sees only
committed rows, as a real replica does.
"""

import copy
import time

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import connections, router, transaction
from django.db.utils import load_backend
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from config import replicas
from forum.models import Post

THREAD_PAGE = "/threads/{pk}/shin-splints/"


def add_replica(settings, **changes) -> None:
    """replica1: the test database (or `changes` to it) through a connection of its own. Made
    by hand rather than listed in DATABASES at start-up, so that the rest of the suite runs
    without a router."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict.update(changes)
    settings.BOARD_REPLICA_ALIASES = ["replica1"]
    backend = load_backend(settings_dict["ENGINE"])
    connections["replica1"] = backend.DatabaseWrapper(settings_dict, "replica1")


def remove_replica(settings) -> None:
    connections["replica1"].close()
    del connections["replica1"]


@pytest.fixture
def replica(transactional_db, settings):
    settings.DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]
    add_replica(settings)
    replicas.health.forget()
    yield "replica1"
    remove_replica(settings)
    replicas.health.forget()


@pytest.fixture
def dead_replica(replica, settings, closed_port):
    remove_replica(settings)
    add_replica(settings, PORT=closed_port, OPTIONS={"connect_timeout": 2})
    return replica


def queries_on(alias: str):
    return CaptureQueriesContext(connections[alias])


def sticky_cookie(client, *, age_seconds: int, monkeypatch) -> None:
    """Gives the client the cookie a write sets, as set `age_seconds` ago."""
    with monkeypatch.context() as patch:
        patch.setattr(
            signing.TimestampSigner,
            "timestamp",
            lambda self: signing.b62_encode(int(time.time()) - age_seconds),
        )
        response = HttpResponse()
        response.set_signed_cookie(replicas.STICKY_COOKIE, "1", salt=replicas.STICKY_SALT)
    client.cookies[replicas.STICKY_COOKIE] = response.cookies[replicas.STICKY_COOKIE].value


def test_a_visitors_thread_page_reads_its_posts_from_the_replica(replica, client, thread):
    with queries_on("default") as primary, queries_on(replica) as mirror:
        response = client.get(THREAD_PAGE.format(pk=thread.pk))
    assert response.status_code == 200
    assert b"My shins hurt." in response.content
    assert any("forum_post" in q["sql"] for q in mirror.captured_queries)
    assert not any("forum_post" in q["sql"] for q in primary.captured_queries)


def test_a_member_who_just_replied_reads_the_thread_from_the_primary(
    replica, member_client, thread
):
    response = member_client.post(f"/threads/{thread.pk}/reply/", {"body": "Ice them twice."})
    assert response.status_code == 302
    assert replicas.STICKY_COOKIE in response.cookies
    with queries_on(replica) as mirror:
        page = member_client.get(THREAD_PAGE.format(pk=thread.pk))
    assert b"Ice them twice." in page.content
    assert mirror.captured_queries == []


def test_the_write_cookie_sends_reads_to_the_primary_only_for_the_configured_seconds(
    replica, client, thread, settings, monkeypatch
):
    settings.BOARD_REPLICA_STICKY_SECONDS = 15
    sticky_cookie(client, age_seconds=5, monkeypatch=monkeypatch)
    with queries_on(replica) as mirror:
        client.get(THREAD_PAGE.format(pk=thread.pk))
    assert mirror.captured_queries == []

    sticky_cookie(client, age_seconds=20, monkeypatch=monkeypatch)
    with queries_on(replica) as mirror:
        client.get(THREAD_PAGE.format(pk=thread.pk))
    assert mirror.captured_queries != []


def test_a_forged_write_cookie_is_ignored(replica, client, thread):
    client.cookies[replicas.STICKY_COOKIE] = "1:forged:signature"
    with queries_on(replica) as mirror:
        client.get(THREAD_PAGE.format(pk=thread.pk))
    assert mirror.captured_queries != []


def test_a_replica_lagging_past_the_threshold_is_skipped(replica, client, thread, settings):
    settings.BOARD_REPLICA_MAX_LAG_SECONDS = -1  # any replica lags more than that
    with queries_on(replica) as mirror:
        response = client.get(THREAD_PAGE.format(pk=thread.pk))
    assert response.status_code == 200
    # Only the lag check itself ran there.
    assert [q["sql"] for q in mirror.captured_queries] == [replicas.LAG_SQL]


def test_a_dead_replica_is_skipped_and_checked_again_only_after_the_interval(
    dead_replica, client, thread, monkeypatch
):
    checks = []
    real_check = replicas.health.check
    monkeypatch.setattr(
        replicas.health, "check", lambda alias: checks.append(alias) or real_check(alias)
    )
    for _ in range(3):
        response = client.get(THREAD_PAGE.format(pk=thread.pk))
        assert response.status_code == 200
        assert b"My shins hurt." in response.content
    assert checks == [dead_replica]


def test_a_replica_that_dies_mid_page_leaves_the_page_to_the_primary(
    dead_replica, client, thread, monkeypatch
):
    monkeypatch.setattr(replicas.health, "is_fit", lambda alias: True)  # passed its last check
    response = client.get(THREAD_PAGE.format(pk=thread.pk))
    assert response.status_code == 200
    assert b"My shins hurt." in response.content


def test_cacheable_visitor_pages_are_rendered_from_the_primary(replica, client, thread, settings):
    settings.BOARD_PAGE_CACHE_SECONDS = 300  # local memory here; Redis in production
    with queries_on(replica) as mirror:
        first = client.get(THREAD_PAGE.format(pk=thread.pk))
    assert first.status_code == 200
    assert mirror.captured_queries == []


def test_the_shared_data_members_pages_are_built_from_is_read_from_the_primary(
    replica, member_client, thread, settings
):
    # The thread and its page of posts are kept under the page cache's generation: read from a
    # replica behind the last write, they would be kept stale for every reader.
    settings.BOARD_PAGE_CACHE_SECONDS = 300
    with queries_on("default") as primary, queries_on(replica) as mirror:
        response = member_client.get(THREAD_PAGE.format(pk=thread.pk))
    assert response.status_code == 200
    assert any('FROM "forum_post"' in q["sql"] for q in primary.captured_queries)
    assert not any('FROM "forum_post"' in q["sql"] for q in mirror.captured_queries)
    assert not any('FROM "forum_thread"' in q["sql"] for q in mirror.captured_queries)


def test_pages_not_listed_as_stale_safe_read_from_the_primary(replica, member_client, member):
    with queries_on(replica) as mirror:
        response = member_client.get("/accounts/profile/")
    assert response.status_code == 200
    assert mirror.captured_queries == []


def test_the_member_list_reads_from_the_replica(replica, member_client, member):
    with queries_on(replica) as mirror:
        response = member_client.get("/members/")
    assert response.status_code == 200
    assert mirror.captured_queries != []


def test_writes_reads_in_a_transaction_and_sessions_stay_on_the_primary(replica):
    with replicas.from_replica():
        assert router.db_for_read(Post) == replica
        assert router.db_for_write(Post) == "default"
        assert router.db_for_read(Session) == "default"
        with transaction.atomic():
            assert router.db_for_read(Post) == "default"
    assert router.db_for_read(Post) == "default"  # outside a marked request


def test_migrations_run_only_on_the_primary(replica):
    assert router.allow_migrate("default", "forum")
    assert not router.allow_migrate(replica, "forum")
