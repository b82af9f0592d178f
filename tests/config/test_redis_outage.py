"""With Redis unreachable the board serves every page without the cache, and when Redis is back
caching resumes by itself, with nothing stale from before the outage."""

import os
import signal

import pytest
import redis
from django.core.cache import caches
from django.test import Client

from accounts.models import ThrottleCount
from config.cache import CacheUnavailable, ResilientRedisCache, strict
from forum.models import Post, Thread
from tests.conftest import make_member

SAMPLE_THREAD = "/threads/1/cardio-back-pain/"
VISITORS_PAGES = ["/", "/forums/cardio/", SAMPLE_THREAD, "/accounts/login/", "/members/"]


@pytest.fixture
def ross_client(sample):
    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="Ross86"))
    return client


def reply(client, body: str):
    return client.post("/threads/1/reply/", {"body": body})


@pytest.mark.parametrize("url", VISITORS_PAGES)
def test_visitors_pages_answer_while_redis_is_unreachable(client, sample, board_on_redis, url):
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200


def test_a_member_reads_and_replies_while_redis_is_unreachable(board_on_redis, ross_client):
    assert "Log out" in ross_client.get("/").text  # the session came from the database
    response = reply(ross_client, "Posted while Redis was down.")
    assert response.status_code == 302
    assert Post.objects.filter(body="Posted while Redis was down.").exists()
    assert "Posted while Redis was down." in ross_client.get(response["Location"]).text


def test_logging_in_and_out_works_while_redis_is_unreachable(client, member, board_on_redis):
    # The login throttle counts in the database (accounts.throttle), so it holds without Redis:
    # failures still lock the account, and the right password still logs in before that.
    for _ in range(5):
        client.post("/accounts/login/", {"username": "Member_One", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "Member_One", "password": "a-long-pass-42"}
    )
    assert "Too many failed logins for this account" in response.text
    ThrottleCount.objects.all().delete()
    response = client.post(
        "/accounts/login/", {"username": "Member_One", "password": "a-long-pass-42"}
    )
    assert response.status_code == 302
    assert "Log out" in client.get("/").text
    assert client.post("/accounts/logout/").status_code == 302
    assert "Log out" not in client.get("/").text


def test_views_go_straight_to_the_thread_row_while_redis_is_unreachable(
    client, sample, board_on_redis
):
    before = Thread.objects.get(pk=1).view_count
    for _ in range(3):
        client.get(SAMPLE_THREAD)
    assert Thread.objects.get(pk=1).view_count == before + 3


def test_only_callers_that_ask_for_it_get_an_error_from_an_unreachable_redis(board_on_redis):
    cache = caches["default"]
    assert cache.get("anything", "default") == "default"
    assert cache.add("anything", 1) is False
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    with pytest.raises(CacheUnavailable):
        cache.incr("anything")  # no number would be true
    with pytest.raises(CacheUnavailable):
        strict().get("anything")


def test_caching_resumes_without_a_restart_when_redis_comes_back(
    client, sample, board_on_redis, django_assert_num_queries
):
    assert client.get(SAMPLE_THREAD).status_code == 200  # rendered: Redis is down
    board_on_redis.start()
    client.get(SAMPLE_THREAD)  # rendered and stored
    with django_assert_num_queries(0):
        page = client.get(SAMPLE_THREAD)
    assert page.status_code == 200 and "Cardio = Back pain" in page.text
    # Logins are counted again, so they are tried again.
    make_member("Member_Three")
    response = client.post(
        "/accounts/login/", {"username": "Member_Three", "password": "a-long-pass-42"}
    )
    assert response.status_code == 302


def test_nothing_cached_before_an_outage_outlives_a_write_made_during_it(
    client, sample, board_on_redis, ross_client, monkeypatch, settings
):
    settings.BOARD_POSTS_PER_PAGE = 100  # the reply lands on the page stored below
    board_on_redis.start()
    logged_out = Client()
    logged_out.force_login(make_member("Member_Three"))
    logged_out.get("/")  # the session is now in Redis too
    old_session = logged_out.cookies["sessionid"].value
    client.get(SAMPLE_THREAD)  # the visitors' page is stored
    # Redis stops answering but keeps its data, as on a network partition.
    monkeypatch.setattr(ResilientRedisCache, "BACKOFF", 60)
    os.kill(board_on_redis.process.pid, signal.SIGSTOP)
    try:
        assert reply(ross_client, "Written during the outage.").status_code == 302
        assert logged_out.post("/accounts/logout/").status_code == 302
    finally:
        os.kill(board_on_redis.process.pid, signal.SIGCONT)
    caches["default"].breaker.open_until = 0  # as if the back-off had run out
    assert "Written during the outage." in client.get(SAMPLE_THREAD).text
    replayed = Client()
    replayed.cookies["sessionid"] = old_session
    assert "Log out" not in replayed.get("/").text


def test_cache_calls_share_one_redis_client_and_still_reconnect_after_a_restart(board_on_redis):
    # Django builds a redis.Redis per call, which costs more CPU than the round trip itself.
    board_on_redis.start()
    cache = caches["default"]
    cache.set("kept", 1)
    client = cache._cache.get_client(None, write=True)
    assert cache.get("kept") == 1
    assert cache._cache.get_client(None) is client
    board_on_redis.stop()
    assert cache.get("kept", "cold") == "cold"
    board_on_redis.start()
    cache.set("kept", 2)
    assert cache.get("kept") == 2


def test_incr_counts_existing_keys_in_one_round_trip_and_refuses_missing_ones(
    board_on_redis, monkeypatch
):
    board_on_redis.start()
    cache = caches["default"]
    cache.set("views", 4, timeout=60)
    assert cache.incr("views") == 5  # the first call also loads the script into Redis
    sent = []
    send = redis.Redis.execute_command
    monkeypatch.setattr(
        redis.Redis,
        "execute_command",
        lambda self, *args, **kw: sent.append(args[0]) or send(self, *args, **kw),
    )
    assert cache.incr("views") == 6
    assert cache.decr("views", 2) == 4
    assert sent == ["EVALSHA", "EVALSHA"]
    assert 0 < cache._cache.get_client().ttl(cache.make_key("views")) <= 60
    with pytest.raises(ValueError):
        cache.incr("never-set")
    assert cache.get("never-set") is None
