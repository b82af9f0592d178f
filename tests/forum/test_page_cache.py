"""Visitors' pages from the cache: served without a query, never stale after a write."""

import io
import uuid

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.mail import CONFIRM_SALT
from accounts.models import User
from forum import actions, pagecache
from forum.models import Forum, Thread
from tests.conftest import make_member
from tests.moderation.conftest import make_moderator

# Writes make pages stale once they commit (transaction.on_commit): these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)

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


def test_a_visitors_repeated_thread_page_costs_one_cache_round_trip(client, sample, monkeypatch):
    # The page depends on its posters' scopes, which the view cannot name before the page is
    # read; the process remembers them from the first hit, so later hits ask in one get_many.
    client.get(SAMPLE_THREAD)
    client.get(SAMPLE_THREAD)
    reads = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(keys) or get_many(keys))

    assert client.get(SAMPLE_THREAD).status_code == 200

    assert len(reads) == 1


@pytest.mark.parametrize(
    ("url", "round_trips"),
    [("/", 1), ("/forums/cardio/", 3), (SAMPLE_THREAD, 1), ("/search/?q=cardio", 2)],
)
def test_a_members_page_asks_for_its_shared_data_together(
    ross_client, url, round_trips, monkeypatch
):
    # The index's forums, who is online and the member's unread forums; the forum and its page
    # of threads; the thread and its page of posts; a search's count and page of results: each
    # in one get_many (pagecache.read_ahead). The forum page then asks for its rows' pending
    # views and HTML; the search, first, for the forums of its form.
    ross_client.get(url)
    reads = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(keys) or get_many(keys))

    assert ross_client.get(url).status_code == 200

    assert len(reads) == round_trips


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


def test_a_refused_login_stales_nothing(client, sample, django_assert_num_queries):
    # Anyone may post a login form: it must not send the board's pages back to rendering.
    client.get(SAMPLE_THREAD)
    Client().post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    Client().post("/admin/login/", {"username": "nobody", "password": "wrong"})
    with django_assert_num_queries(0):
        client.get(SAMPLE_THREAD)


def test_a_follow_a_read_mark_and_a_private_message_stale_nothing(
    client, sample, ross_client, django_assert_num_queries
):
    client.get(SAMPLE_THREAD)
    client.get("/forums/cardio/")
    ross_client.post("/threads/1/follow/")
    ross_client.post("/forums/cardio/mark-read/")
    ross_client.post("/mark-all-read/")
    with django_assert_num_queries(0):
        client.get(SAMPLE_THREAD)
        client.get("/forums/cardio/")


def reply_as(member, thread_pk: int, body: str) -> None:
    author = Client()
    author.force_login(member)
    author.post(f"/threads/{thread_pk}/reply/", {"body": body, "submission_key": uuid.uuid4()})


def test_a_reply_leaves_another_threads_cached_page_served(
    client, sample, thread, django_assert_num_queries
):
    # `thread` is in another forum, started by a member who does not post in the sample thread.
    client.get(thread.get_absolute_url())
    reply_as(make_member("Quinn"), 1, "Intervals help.")
    with django_assert_num_queries(0):
        assert client.get(thread.get_absolute_url()).status_code == 200


def test_a_reply_stales_its_thread_forum_index_author_profile_and_search(client, sample, ross):
    pages = [SAMPLE_THREAD, "/forums/cardio/", "/", f"/members/{ross.pk}/", "/search/?q=elliptical"]
    before = {url: client.get(url).text for url in pages}
    reply_as(ross, 1, "The elliptical spares the back.")
    for url in pages:
        assert client.get(url).text != before[url], url


def test_a_signature_change_reaches_every_thread_page_showing_the_member(
    client, sample, ross, thread
):
    reply_as(ross, thread.pk, "Ice after running.")  # Ross now posts in both threads
    pages = [SAMPLE_THREAD, thread.get_absolute_url(), f"/members/{ross.pk}/"]
    for url in pages:
        assert "Lifting since 1999" not in client.get(url).text
    ross_client = Client()
    ross_client.force_login(ross)
    ross_client.post("/accounts/profile/", {"signature": "Lifting since 1999", "time_zone": ""})
    for url in pages[:2]:
        assert "Lifting since 1999" in client.get(url).text, url


def test_a_members_change_leaves_threads_they_do_not_post_in_cached(
    client, sample, ross, thread, django_assert_num_queries
):
    client.get(thread.get_absolute_url())
    ross_client = Client()
    ross_client.force_login(ross)
    ross_client.post("/accounts/profile/", {"signature": "Lifting since 1999", "time_zone": ""})
    with django_assert_num_queries(0):
        client.get(thread.get_absolute_url())


def test_a_members_change_while_their_posts_render_is_never_served_after_it(
    client, sample, ross, monkeypatch
):
    # The page's posts are loaded, then the member changes, then the page reads the member's
    # token: it holds the old member, so neither the posts nor the page may be kept as current.
    from forum import views

    shown = views.posters_shown
    monkeypatch.setattr(
        views,
        "posters_shown",
        lambda posts: (pagecache.stale(member=ross.pk), shown(posts))[1],
    )
    client.get(SAMPLE_THREAD)
    monkeypatch.undo()
    with CaptureQueriesContext(connection) as queries:
        client.get(SAMPLE_THREAD)
    assert len(queries) > 0


def test_a_thread_write_while_its_page_renders_is_never_served_after_it(
    client, sample, monkeypatch
):
    pending = Thread.add_view
    monkeypatch.setattr(Thread, "add_view", lambda pk: (pagecache.stale(thread=pk), pending(pk))[1])
    client.get(SAMPLE_THREAD)
    monkeypatch.undo()
    with CaptureQueriesContext(connection) as queries:
        client.get(SAMPLE_THREAD)
    assert len(queries) > 0


def test_the_page_cache_keeps_one_page_per_language(monkeypatch):
    # The board is gaining a second language: a page's words follow the active one.
    request = RequestFactory().get("/")
    monkeypatch.setattr(pagecache, "get_language", lambda: "de")
    german = pagecache.page_key(request)
    monkeypatch.setattr(pagecache, "get_language", lambda: "en")
    assert pagecache.page_key(request) != german


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


def test_a_members_profile_comes_from_the_shared_data_and_shows_a_new_post_at_once(
    ross_client, ross, sample, django_assert_num_queries
):
    url = f"/members/{ross.pk}/"
    ross_client.get(url)
    # 1: session (not cached in tests); 2: member (their profile and recent posts are kept
    # for readers of the same forums until a write stales the member or one of those threads)
    with django_assert_num_queries(2):
        before = ross_client.get(url).text
    reply_as(ross, 1, "Rowing is kind to the knees.")
    after = ross_client.get(url).text
    assert after != before
    assert f"#{Thread.objects.get(pk=1).last_number}," in after


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


def test_a_value_kept_in_another_form_is_computed_again(db):
    # An older deployment kept (generation, value) pairs: they must not be served or crash.
    cache.set(pagecache.shared_key("board-index"), ("3f2a", "old"))
    assert pagecache.shared("board-index", lambda: "new", []) == "new"


def test_an_admin_save_stales_the_whole_board(client, thread, superuser):
    category = thread.forum.category
    assert "Endurance Corner" not in client.get("/").text
    admin = Client()
    admin.force_login(superuser)
    admin.post(
        f"/admin/forum/category/{category.pk}/change/",
        {"name": "Endurance Corner", "slug": category.slug, "position": 0},
    )
    assert "Endurance Corner" in client.get("/").text


def test_a_moved_thread_leaves_both_forums_pages_fresh(client, sample, forum):
    old_forum = client.get("/forums/cardio/").text
    assert "Back pain" not in client.get(f"/forums/{forum.slug}/").text
    moderator = Client()
    moderator.force_login(make_moderator("Mod_Squad"))
    moderator.post("/threads/1/move/", {"forum": forum.pk})
    assert Thread.objects.get(pk=1).forum_id == forum.pk
    assert "Back pain" in client.get(f"/forums/{forum.slug}/").text
    assert client.get("/forums/cardio/").text != old_forum  # its thread count, a stub


@pytest.fixture
def three_threads(settings, forum, member):
    """Threads A (oldest), B and C in `forum`, two to a page: page 1 lists C and B, page 2 A."""
    settings.BOARD_THREADS_PER_PAGE = 2
    return [
        actions.create_thread(forum=forum, author=member, title=title, body="Which shoes?").thread
        for title in ("Thread Alpha", "Thread Bravo", "Thread Charlie")
    ]


def test_a_reply_to_a_thread_on_its_forums_first_page_leaves_the_other_pages_cached(
    client, forum, three_threads, django_assert_num_queries
):
    page_2 = client.get(f"/forums/{forum.slug}/?page=2").text
    page_1 = client.get(f"/forums/{forum.slug}/").text
    assert page_1.index("Thread Charlie") < page_1.index("Thread Bravo")
    reply_as(make_member("Quinn"), three_threads[1].pk, "Trail shoes.")  # Bravo, on page 1
    page_1 = client.get(f"/forums/{forum.slug}/").text
    assert page_1.index("Thread Bravo") < page_1.index("Thread Charlie")
    with django_assert_num_queries(0):
        assert client.get(f"/forums/{forum.slug}/?page=2").text == page_2


def test_a_reply_to_a_thread_on_a_later_page_of_its_forum_stales_every_page(
    client, forum, three_threads
):
    assert "Thread Alpha" in client.get(f"/forums/{forum.slug}/?page=2").text
    client.get(f"/forums/{forum.slug}/")
    reply_as(make_member("Quinn"), three_threads[0].pk, "Trail shoes.")  # Alpha, on page 2
    assert "Thread Alpha" in client.get(f"/forums/{forum.slug}/").text
    page_2 = client.get(f"/forums/{forum.slug}/?page=2").text
    assert "Thread Alpha" not in page_2 and "Thread Bravo" in page_2


def test_a_reply_on_a_forums_first_page_stales_its_pages_in_other_orders(
    client, forum, three_threads
):
    # By replies (ties by newest id): Charlie, Bravo | Alpha. Alpha's reply puts it first and
    # Bravo on page 2, then Bravo's (a thread on page 1 in the default order) brings it back.
    by_replies = f"/forums/{forum.slug}/?sort=replies&page=2"
    before = client.get(by_replies).text
    reply_as(make_member("Quinn"), three_threads[0].pk, "Trail shoes.")
    reply_as(make_member("Rhea"), three_threads[1].pk, "Road shoes.")
    assert client.get(by_replies).text != before


def test_a_sticky_thread_change_stales_every_page_of_its_forum(client, forum, three_threads):
    assert "Thread Alpha" in client.get(f"/forums/{forum.slug}/?page=2").text
    moderator = Client()
    moderator.force_login(make_moderator("Mod_Squad"))
    moderator.post(f"/threads/{three_threads[0].pk}/moderate/", {"step": "stick", "reason": ""})
    assert Thread.objects.get(pk=three_threads[0].pk).is_sticky
    assert "Thread Alpha" not in client.get(f"/forums/{forum.slug}/?page=2").text
