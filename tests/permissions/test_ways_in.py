"""Every way to reach a thread honours forum permissions: a staff-only forum's thread, whose
title and text are unusual words, is found by its moderators and by no guest or member,
whatever page, feed, search or old link they try."""

import pytest
from django.test import Client

from forum import actions
from forum.models import Post, Thread
from tests.conftest import make_member
from tests.permissions.conftest import SECRET_BODY, SECRET_TITLE

OUTSIDERS = ["guest", "member"]


@pytest.fixture
def outsider(request, db):
    """A client for a guest, or for an ordinary member."""
    client = Client()
    if request.param == "member":
        client.force_login(make_member("Outsider"))
    return client


def leaks(response) -> bool:
    text = response.content.decode()
    return SECRET_TITLE in text or SECRET_BODY in text or "Staff Room" in text


@pytest.fixture
def public_thread(forum, member):
    return actions.create_thread(
        forum=forum, author=member, title="Shin splints", body="My shins hurt."
    ).thread


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_the_index_shows_neither_the_forum_nor_its_last_post_nor_counts_it(
    outsider, secret_thread, public_thread
):
    response = outsider.get("/")
    assert response.status_code == 200
    assert not leaks(response)
    # One public thread with one post: the staff forum's thread and two posts are not counted.
    assert "Threads: 1, Posts: 1," in response.content.decode()


def test_the_index_shows_the_staff_forum_to_its_moderators(staff_client, secret_thread):
    html = staff_client.get("/").content.decode()
    assert "Staff Room" in html and SECRET_TITLE in html


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_the_forum_page_and_its_feeds_are_not_found(outsider, secret_thread):
    for url in [
        "/forums/staff-room/",
        "/forums/staff-room/?page=2",
        "/feeds/forums/staff-room/rss/",
        "/feeds/forums/staff-room/atom/",
    ]:
        assert outsider.get(url).status_code == 404, url


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_the_thread_its_print_view_text_export_feed_and_permalinks_are_not_found(
    outsider, secret_post
):
    thread = secret_post.thread
    for url in [
        f"/threads/{thread.pk}/{thread.slug}/",
        f"/threads/{thread.pk}/wrong-slug/",
        f"/threads/{thread.pk}/{thread.slug}/print/",
        f"/threads/{thread.pk}/{thread.slug}/archive.txt",
        f"/feeds/threads/{thread.pk}/rss/",
        f"/feeds/threads/{thread.pk}/atom/",
        f"/posts/{secret_post.pk}/",
    ]:
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert not leaks(response), url


def test_moderators_reach_the_thread_by_every_way(staff_client, secret_post):
    thread = secret_post.thread
    for url in [
        f"/threads/{thread.pk}/{thread.slug}/",
        f"/threads/{thread.pk}/{thread.slug}/print/",
        f"/threads/{thread.pk}/{thread.slug}/archive.txt",
        f"/feeds/threads/{thread.pk}/rss/",
        "/forums/staff-room/",
    ]:
        assert staff_client.get(url).status_code == 200, url
    assert staff_client.get(f"/posts/{secret_post.pk}/").status_code == 302


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_old_vbulletin_links_are_not_found(outsider, secret_post):
    Thread.objects.filter(pk=secret_post.thread_id).update(legacy_id=777)
    Post.objects.filter(pk=secret_post.pk).update(legacy_id=888)
    for url in [
        "/showthread.php?t=777",
        "/showthread.php?p=888",
        "/showpost.php?p=888",
        "/printthread.php?t=777",
        "/archive/index.php/t-777.html",
    ]:
        assert outsider.get(url).status_code == 404, url


def test_old_vbulletin_links_still_lead_moderators_there(staff_client, secret_post):
    Thread.objects.filter(pk=secret_post.thread_id).update(legacy_id=777)
    assert staff_client.get("/showthread.php?t=777").status_code == 301


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_search_finds_nothing_and_counts_nothing(outsider, secret_thread, public_thread):
    for query in [SECRET_BODY, "Zebra", f"{SECRET_BODY}&show=threads", "Zebra&titles=on"]:
        response = outsider.get(f"/search/?q={query}")
        assert response.status_code == 200
        assert SECRET_TITLE not in response.content.decode(), query
        assert response.context["count"] == 0, query
    # Nor may the forum be chosen as a filter.
    staff_forum = secret_thread.forum
    response = outsider.get(f"/search/?q=splints&forum={staff_forum.pk}")
    assert response.context.get("count") is None


def test_search_finds_the_thread_for_its_moderators(staff_client, secret_thread):
    response = staff_client.get(f"/search/?q={SECRET_BODY}")
    assert response.context["count"] == 2
    assert SECRET_TITLE in response.content.decode()


def test_search_results_kept_for_a_moderator_never_reach_a_guest(
    staff_client, secret_thread, settings
):
    settings.BOARD_PAGE_CACHE_SECONDS = 300  # results and counts are shared (pagecache.shared)
    client = Client()
    url = f"/search/?q={SECRET_BODY}"
    assert SECRET_TITLE in staff_client.get(url).content.decode()
    assert SECRET_TITLE not in client.get(url).content.decode()
    # the visitor's page again, from the page cache
    assert SECRET_TITLE not in client.get(url).content.decode()
    assert SECRET_TITLE in staff_client.get(url).content.decode()


@pytest.mark.parametrize("outsider", OUTSIDERS, indirect=True)
def test_the_board_feeds_leave_the_thread_out(outsider, secret_thread, public_thread):
    for url in ["/feeds/threads/rss/", "/feeds/threads/atom/"]:
        response = outsider.get(url)
        assert response.status_code == 200
        assert not leaks(response), url
        assert "Shin splints" in response.content.decode()


def test_new_posts_leaves_the_thread_out(client, secret_thread):
    reader = make_member("Reader")
    client.force_login(reader)
    response = client.get("/new/")
    assert response.status_code == 200
    assert not leaks(response)


def test_a_moderators_profile_lists_no_recent_post_from_the_forum(client, staff, secret_thread):
    response = client.get(f"/members/{staff.pk}/")
    assert response.status_code == 200
    assert not leaks(response)


def test_a_profile_kept_for_the_forums_readers_never_reaches_a_reader_of_fewer_forums(
    settings, client, staff, secret_thread
):
    settings.BOARD_PAGE_CACHE_SECONDS = 300  # recent posts are shared (pagecache.shared)
    client.force_login(staff)
    assert SECRET_TITLE in client.get(f"/members/{staff.pk}/").content.decode()
    client.force_login(make_member("Reader"))
    response = client.get(f"/members/{staff.pk}/")
    assert response.status_code == 200
    assert not leaks(response)
    assert not leaks(Client().get(f"/members/{staff.pk}/"))


def test_quoting_a_hidden_post_into_a_public_thread_quotes_nothing(
    member_client, secret_post, public_thread
):
    response = member_client.get(f"/threads/{public_thread.pk}/reply/?quote={secret_post.pk}")
    assert response.status_code == 200
    assert SECRET_BODY not in response.content.decode()
    multi = f"{secret_post.pk},{public_thread.first_post_id}"
    response = member_client.get(f"/threads/{public_thread.pk}/reply/?quote={multi}")
    assert "My shins hurt." in response.content.decode()
    assert SECRET_BODY not in response.content.decode()


def test_replying_to_or_quoting_in_a_hidden_thread_is_not_found(member_client, secret_post):
    thread = secret_post.thread
    url = f"/threads/{thread.pk}/reply/"
    assert member_client.get(f"{url}?quote={secret_post.pk}").status_code == 404
    assert member_client.post(url, {"body": "Let me in"}).status_code == 404
    assert thread.posts.count() == 2


def test_following_or_marking_a_hidden_forum_is_not_found(member_client, staff_forum):
    assert member_client.post("/forums/staff-room/follow/", {"follow": "1"}).status_code == 404
    assert member_client.post("/forums/staff-room/mark-read/").status_code == 404


def test_starting_a_thread_in_a_hidden_forum_is_not_found(member_client, staff_forum):
    assert member_client.get("/forums/staff-room/new-thread/").status_code == 404
    response = member_client.post(
        "/forums/staff-room/new-thread/", {"title": "Hello", "body": "Let me in"}
    )
    assert response.status_code == 404
    assert not staff_forum.threads.exists()
