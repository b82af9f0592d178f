"""The public pages: what they show, their query counts, pagination edges and 404s."""

import pytest
from django.test import override_settings

from forum import actions
from forum.models import Category, Forum, Thread
from tests.conftest import make_member


def fill_thread(thread, author, up_to: int):
    while thread.last_number < up_to:
        actions.add_reply(thread=thread, author=author, body=f"Reply {thread.last_number + 1}")
        thread.refresh_from_db()
    return thread


def test_board_index_lists_categories_forums_counts_and_last_post(client, sample):
    html = client.get("/").content.decode()
    assert "Training" in html
    assert "Cardio &amp; Conditioning" in html
    assert "Cardio = Back pain..." in html  # last post's thread
    assert "12-12-2007 09:59 PM" in html
    assert "Threads: 1, Posts: 10, Members: 5" in html
    assert "Welcome to our newest member" in html


@pytest.mark.parametrize("forum_count", [1, 20])
def test_board_index_runs_three_queries_whatever_the_number_of_forums(
    client, django_assert_num_queries, member, forum_count
):
    category = Category.objects.create(name="Cat", slug="cat")
    for n in range(forum_count):
        forum = Forum.objects.create(category=category, name=f"F{n}", slug=f"f{n}")
        actions.create_thread(forum=forum, author=member, title=f"T{n}", body="x")
    # 1: forums with category, last post, its thread and author; 2: member count and newest;
    # 3: who is online (with the most ever online in the same query)
    with django_assert_num_queries(3):
        assert client.get("/").status_code == 200


def test_forum_page_lists_stickies_first_then_by_last_activity(client, forum, member):
    old = actions.create_thread(forum=forum, author=member, title="Old news", body="x").thread
    actions.create_thread(forum=forum, author=member, title="Fresh thread", body="x")
    Thread.objects.filter(pk=old.pk).update(is_sticky=True)
    html = client.get("/forums/running/").content.decode()
    assert html.index("Old news") < html.index("Fresh thread")
    assert "Sticky" in html


@pytest.mark.parametrize("thread_count", [1, 20])
def test_forum_page_runs_two_queries_whatever_it_shows(
    client, django_assert_num_queries, forum, member, thread_count
):
    for n in range(thread_count):
        actions.create_thread(
            forum=forum, author=make_member(f"Starter{n}"), title=f"T{n}", body="x"
        )
    # 1: the forum and its category; 2: a page of threads with starter and last poster
    with django_assert_num_queries(2):
        assert client.get("/forums/running/").status_code == 200


@override_settings(BOARD_THREADS_PER_PAGE=2)
def test_forum_pages_split_threads_by_the_page_size(client, forum, member):
    for n in range(5):
        actions.create_thread(forum=forum, author=member, title=f"Thread {n}", body="x")
    assert "Page 1 of 3" in client.get("/forums/running/").content.decode()
    last = client.get("/forums/running/?page=3").content.decode()
    assert "Thread 0" in last and "Thread 1" not in last


@override_settings(BOARD_THREADS_PER_PAGE=3)
def test_forum_pages_together_list_every_visible_thread_once_in_order(client, forum, member):
    threads = [
        actions.create_thread(forum=forum, author=member, title=f"Thread {n}", body="x").thread
        for n in range(8)
    ]
    Thread.objects.filter(pk__in=[threads[2].pk, threads[6].pk]).update(is_sticky=True)
    Thread.objects.filter(pk=threads[4].pk).update(is_removed=True)
    Forum.objects.filter(pk=forum.pk).update(thread_count=7)
    listed = []
    for page in (1, 2, 3):
        html = client.get(f"/forums/running/?page={page}").text
        on_page = [t.title for t in threads if f">{t.title}</a>" in html]
        listed += sorted(on_page, key=lambda title: html.index(f">{title}</a>"))
    expected = ["Thread 6", "Thread 2", "Thread 7", "Thread 5", "Thread 3", "Thread 1", "Thread 0"]
    assert listed == expected


@pytest.mark.parametrize("post_count", [1, 10])
def test_thread_page_runs_two_queries_as_a_visitor_whatever_it_shows(
    client, django_assert_num_queries, thread, member, post_count
):
    fill_thread(thread, member, post_count)
    # 1: the thread with forum and category; 2: the page's posts with their authors
    with django_assert_num_queries(2):
        response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="postbit"') == post_count


def test_thread_page_shows_the_postbit_of_each_author(client, sample):
    html = client.get("/threads/1/cardio-back-pain/").content.decode()
    assert 'href="/members/2/">Ross86</a>' in html
    assert "Join Date:</dt> <dd>Dec 2007</dd>" in html
    assert "Junior Member" in html
    assert 'href="/posts/10/"' in html and "#10" in html


@override_settings(BOARD_POSTS_PER_PAGE=3)
def test_thread_pages_are_fetched_by_post_number(client, sample):
    page4 = client.get("/threads/1/cardio-back-pain/?page=4").content.decode()
    assert page4.count('class="postbit"') == 1
    assert "Cross trainers definitely are not meant" in page4
    assert "Page 4 of 4" in page4


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999", "1.5", "", "١", "9" * 40])
def test_odd_page_numbers_give_a_404_never_a_500(client, sample, page):
    for url in ("/threads/1/cardio-back-pain/", "/forums/cardio/"):
        assert client.get(url, {"page": page}).status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/threads/999/x/", "/forums/nope/", "/members/999/", "/posts/999/", "/threads/abc/x/"],
)
def test_unknown_ids_and_slugs_give_the_404_page(client, sample, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_a_thread_url_with_a_wrong_slug_redirects_to_the_right_one(client, sample):
    response = client.get("/threads/1/wrong/?page=1")
    assert response.status_code == 302
    assert response.url == "/threads/1/cardio-back-pain/?page=1"


def test_a_thread_url_without_its_slug_redirects_to_the_slugged_one(client, sample):
    response = client.get("/threads/1/?page=1")
    assert response.status_code == 302
    assert response.url == "/threads/1/cardio-back-pain/?page=1"


def test_a_thread_url_without_its_slug_gives_the_404_page_for_an_unknown_thread(client, sample):
    response = client.get("/threads/999/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


@override_settings(BOARD_POSTS_PER_PAGE=3)
def test_post_permalink_lands_on_the_posts_page_and_anchor(client, sample):
    response = client.get("/posts/8/")
    assert response.url == "/threads/1/cardio-back-pain/?page=3#post8"
    assert client.get("/posts/2/").url == "/threads/1/cardio-back-pain/#post2"


def test_removed_threads_are_not_shown_to_visitors(client, sample):
    Thread.objects.filter(pk=1).update(is_removed=True)
    assert client.get("/threads/1/cardio-back-pain/").status_code == 404
    assert "Cardio = Back pain" not in client.get("/forums/cardio/").content.decode()


def test_views_are_counted_without_writing_the_thread_row_each_time(
    client, sample, settings, django_assert_num_queries
):
    settings.BOARD_VIEW_FLUSH_EVERY = 3
    for _ in range(2):
        with django_assert_num_queries(2):
            client.get("/threads/1/cardio-back-pain/")
    assert Thread.objects.get(pk=1).view_count == 0
    # The third view writes the batch of three in a transaction of its own (here a savepoint,
    # released), with an asynchronous commit: the thread, the posts, then SAVEPOINT,
    # SET LOCAL synchronous_commit, UPDATE, RELEASE.
    with django_assert_num_queries(6):
        client.get("/threads/1/cardio-back-pain/")
    assert Thread.objects.get(pk=1).view_count == 3
    client.get("/threads/1/cardio-back-pain/")
    html = client.get("/forums/cardio/").content.decode()
    assert ">4</td>" in html  # three written plus one pending in the cache


def test_profile_shows_title_join_date_post_count_and_recent_posts(
    client, sample, django_assert_num_queries
):
    # 1: the member; 2: their recent posts with threads
    with django_assert_num_queries(2):
        html = client.get("/members/2/").content.decode()
    assert "Ross86" in html and "Junior Member" in html
    assert "12-11-2007" in html  # join date: first post
    assert 'Total Posts</dt><dd class="col-sm-9">4</dd>' in html
    assert html.count("Cardio = Back pain...") >= 4
