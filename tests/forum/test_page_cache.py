"""Visitors' pages from the cache: served without a query, never stale after a write."""

import io
import uuid

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, RequestFactory

from accounts.mail import CONFIRM_SALT
from accounts.models import User
from forum import actions, pagecache
from forum.models import Forum, Thread
from tests.conftest import make_member
from tests.moderation.conftest import make_moderator

SAMPLE_THREAD = "/threads/1/cardio-back-pain/"
CACHED_PAGES = [
    "/",
    "/forums/cardio/",
    SAMPLE_THREAD,
    f"{SAMPLE_THREAD}?page=1",
    "/members/",
    "/members/?sort=posts",
    "/search/?q=cardio",
]


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.BOARD_PAGE_CACHE_SECONDS = 300


@pytest.fixture
def ross(sample):
    return User.objects.get(username="Ross86")


@pytest.fixture
def ross_client(ross):
    client = Client()
    client.force_login(ross)
    return client


@pytest.mark.parametrize("url", CACHED_PAGES)
def test_a_visitors_second_request_is_answered_without_a_query(
    client, sample, url, django_assert_num_queries
):
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content


def test_a_profile_is_cached_for_visitors_too(client, ross, django_assert_num_queries):
    client.get(f"/members/{ross.pk}/")
    with django_assert_num_queries(0):
        assert client.get(f"/members/{ross.pk}/").status_code == 200


def test_a_reply_shows_on_the_visitors_next_request(client, ross_client):
    client.get(f"{SAMPLE_THREAD}?page=2")
    client.get("/")
    ross_client.post(
        "/threads/1/reply/",
        {"body": "Rowing machine instead?", "submission_key": str(uuid.uuid4())},
    )
    assert "Rowing machine instead?" in client.get(f"{SAMPLE_THREAD}?page=2").text
    assert "10 replies" in client.get(SAMPLE_THREAD).text


def test_an_edit_shows_on_the_visitors_next_request(client, thread, member):
    client.get(thread.get_absolute_url())
    author = Client()
    author.force_login(member)
    author.post(f"/posts/{thread.first_post_id}/edit/", {"body": "Edited: try the bike."})
    assert "Edited: try the bike." in client.get(thread.get_absolute_url()).text


def test_a_moderators_action_shows_on_the_visitors_next_request(client, sample):
    moderator = Client()
    moderator.force_login(make_moderator("Mod_Squad"))
    assert "Closed" not in client.get(SAMPLE_THREAD).text
    moderator.post("/threads/1/moderate/", {"step": "lock", "reason": ""})
    assert "Closed" in client.get(SAMPLE_THREAD).text


def test_any_post_even_a_refused_one_makes_cached_pages_stale(
    client, sample, django_assert_num_queries
):
    # The admin, the profile form, logins: whatever a POST wrote, the next visitor sees it.
    client.get(SAMPLE_THREAD)
    Client().post("/admin/login/", {"username": "nobody", "password": "wrong"})
    with django_assert_num_queries(2):
        client.get(SAMPLE_THREAD)


def test_a_management_command_that_writes_makes_cached_pages_stale(client, db):
    assert "Cardio = Back pain" not in client.get("/").text
    call_command("load_sample", verbosity=0)
    assert "Cardio = Back pain" in client.get("/").text


def test_a_page_rendered_before_a_write_is_never_served_after_it(
    client, sample, monkeypatch, django_assert_num_queries
):
    # A write that commits while a visitor's page renders: that page may hold the old data.
    pending_views = Thread.pending_views
    monkeypatch.setattr(
        Thread, "pending_views", lambda threads: (pagecache.note_write(), pending_views(threads))
    )
    client.get("/forums/cardio/")
    monkeypatch.undo()
    with django_assert_num_queries(2):
        client.get("/forums/cardio/")


def test_members_never_get_a_visitors_page_nor_leave_theirs(client, ross, ross_client):
    client.get(SAMPLE_THREAD)
    page = ross_client.get(SAMPLE_THREAD).text
    assert "Log out" in page and "Quick Reply" in page
    page = client.get(SAMPLE_THREAD).text
    assert "Log out" not in page and "Quick Reply" not in page


def test_thread_views_are_counted_when_the_cache_answers(client, sample):
    for _ in range(4):
        client.get(SAMPLE_THREAD)
    thread = Thread.objects.get(pk=1)
    before = thread.view_count
    Thread.pending_views([thread])
    assert thread.view_count == before + 4


def is_stored(url: str) -> bool:
    return cache.get(pagecache.page_key(RequestFactory().get(url))) is not None


@pytest.mark.parametrize("query", ["?utm_source=mail", "?sort=posts"])
def test_unknown_query_parameters_are_rendered_and_not_stored(client, sample, query):
    assert client.get(SAMPLE_THREAD + query).status_code == 200
    assert not is_stored(SAMPLE_THREAD + query)
    client.get(SAMPLE_THREAD)
    assert is_stored(SAMPLE_THREAD)


def test_a_visitor_with_a_message_waiting_sees_it_and_nobody_else_does(client, ross):
    client.get("/")
    token = signing.dumps(ross.pk, salt=CONFIRM_SALT)
    confirmed = Client().get(f"/accounts/confirm/{token}/", follow=True)
    assert "your email address is confirmed" in confirmed.text
    assert "your email address is confirmed" not in client.get("/").text


def test_without_a_shared_cache_every_page_is_rendered(
    client, sample, settings, django_assert_num_queries
):
    settings.BOARD_PAGE_CACHE_SECONDS = 0
    client.get(SAMPLE_THREAD)
    with django_assert_num_queries(2):
        client.get(SAMPLE_THREAD)


def test_error_pages_are_not_stored(client, sample):
    assert client.get("/threads/999/nothing/").status_code == 404
    assert not is_stored("/threads/999/nothing/")


def test_a_members_index_shows_the_newest_post_at_once(ross_client, sample):
    ross_client.get("/")
    poster = Client()
    poster.force_login(make_member("Fresh_Poster"))
    poster.post("/threads/1/reply/", {"body": "Hi all", "submission_key": str(uuid.uuid4())})
    assert "Fresh_Poster" in ross_client.get("/").text


def test_a_members_index_comes_from_the_shared_data_in_two_queries(
    ross_client, sample, django_assert_num_queries
):
    ross_client.get("/")
    # 1: session (not cached in tests); 2: member (the forums with unread posts are kept for
    # them until the next write or until their read marks move)
    with django_assert_num_queries(2):
        ross_client.get("/")


def test_a_members_index_drops_new_posts_as_soon_as_they_read_them(ross_client, sample):
    poster = Client()
    poster.force_login(make_member("Fresh_Poster"))

    def reply():
        poster.post("/threads/1/reply/", {"body": "Hi all", "submission_key": str(uuid.uuid4())})

    reply()
    assert "New posts</span>" in ross_client.get("/").text
    last_page = Thread.objects.get(pk=1).page_count()
    ross_client.get(f"{SAMPLE_THREAD}?page={last_page}")  # a GET: no write empties the cache
    assert "New posts</span>" not in ross_client.get("/").text
    reply()
    assert "New posts</span>" in ross_client.get("/").text
    ross_client.post("/forums/cardio/mark-read/")
    assert "New posts</span>" not in ross_client.get("/").text


def test_members_in_other_zones_see_shared_pages_in_their_own_time(ross_client, ross, sample):
    from django.utils import timezone

    from forum.models import Post

    first = Post.objects.get(thread=1, number=1)
    here = timezone.localtime(first.created_at).strftime("%I:%M %p")
    tokyo = timezone.localtime(first.created_at, timezone.get_fixed_timezone(9 * 60))
    assert here in ross_client.get(SAMPLE_THREAD).text
    traveller = make_member("Traveller")
    User.objects.filter(pk=traveller.pk).update(time_zone="Asia/Tokyo")
    other = Client()
    other.force_login(traveller)
    page = other.get(SAMPLE_THREAD).text
    assert tokyo.strftime("%I:%M %p") in page and here not in page
    assert here in ross_client.get(SAMPLE_THREAD).text


def test_a_members_forum_page_takes_the_threads_from_the_shared_data(
    ross_client, sample, django_assert_num_queries
):
    ross_client.get("/forums/cardio/")
    # 1: session (not cached in tests); 2: member; 3: their subscription and mark on the
    # forum and their read marks on its threads
    with django_assert_num_queries(3):
        assert "Back pain" in ross_client.get("/forums/cardio/").text


def test_a_members_forum_page_shows_new_posts_and_their_own_reading_at_once(
    ross_client, ross, sample
):
    page = ross_client.get("/forums/cardio/").text
    assert "is-unread" not in page  # the sample's posts are older than read tracking goes
    poster = Client()
    poster.force_login(make_member("Fresh_Poster"))
    poster.post("/threads/1/reply/", {"body": "Hi all", "submission_key": str(uuid.uuid4())})
    page = ross_client.get("/forums/cardio/").text
    assert "Fresh_Poster" in page and "is-unread" in page
    last_page = Thread.objects.get(pk=1).page_count()
    ross_client.get(f"{SAMPLE_THREAD}?page={last_page}")  # all of it read
    assert "is-unread" not in ross_client.get("/forums/cardio/").text


def test_a_members_search_is_answered_from_the_shared_results_until_a_write(
    ross_client, ross, sample, django_assert_num_queries
):
    ross_client.get("/search/?q=cardio")
    # 1: session (not cached in tests); 2: member
    with django_assert_num_queries(2):
        assert "Back pain" in ross_client.get("/search/?q=cardio").text
    actions.create_thread(
        forum=Forum.objects.get(slug="cardio"), author=ross, title="Rowing", body="cardio rowing"
    )
    pagecache.note_write()  # as the POST that wrote it would
    assert "Rowing" in ross_client.get("/search/?q=cardio").text


def test_searches_in_other_zones_are_kept_apart(ross_client, ross, sample):
    # The first two posts were written on 12-11-2007 in New York, on the 12th in Tokyo.
    url = "/search/?q=cardio&date_from=2007-12-11&date_to=2007-12-11"
    assert "Search results: 1 post" in ross_client.get(url).text
    User.objects.filter(pk=ross.pk).update(time_zone="Asia/Tokyo")
    assert "No results" in ross_client.get(url).text


def test_an_archive_import_makes_cached_pages_stale(client, sample, tmp_path):
    client.get("/forums/cardio/")
    archive = tmp_path / "rowing.txt"
    archive.write_text("Rower Ray 01-02-2008 07:00 AM\n\nRowing beats running\nNo impact.\n")
    call_command("import_archive", str(archive), "--forum", "cardio", stdout=io.StringIO())
    assert "Rowing beats running" in client.get("/forums/cardio/").text


def test_a_members_thread_page_reads_only_their_own_state_from_the_database(
    ross_client, sample, django_assert_num_queries
):
    ross_client.get(SAMPLE_THREAD)
    # 1: session (not cached in tests); 2: member; 3: their read mark and subscription
    with django_assert_num_queries(3):
        page = ross_client.get(SAMPLE_THREAD).text
    assert "Quick Reply" in page and "Log out" in page


def test_a_thread_removed_after_it_was_shared_is_gone_for_members_at_once(ross_client, sample):
    moderator = Client()
    moderator.force_login(make_moderator("Mod_Squad"))
    assert ross_client.get(SAMPLE_THREAD).status_code == 200
    moderator.post("/threads/1/moderate/", {"step": "remove", "reason": "Spam"})
    assert ross_client.get(SAMPLE_THREAD).status_code == 404
    assert moderator.get(SAMPLE_THREAD).status_code == 200


def test_a_thread_shows_its_views_rising_when_a_batch_reaches_the_row(
    ross_client, sample, settings
):
    settings.BOARD_VIEW_FLUSH_EVERY = 3
    shown = []
    for _ in range(7):
        page = ross_client.get(SAMPLE_THREAD).text
        shown.append(int(page.split(" view")[0].rsplit(",", 1)[-1].strip()))
    assert shown == sorted(shown) and shown[-1] - shown[0] == 6
