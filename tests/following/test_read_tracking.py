"""Unread marks, jumping to the first unread post, marking read, and the New posts page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum import actions
from forum.models import Post, Thread
from tests.conftest import make_member


@pytest.fixture
def reader(client, thread):
    member = make_member("Reader")
    client.force_login(member)
    return member


def reply_as_someone_else(thread, text="A new reply"):
    return actions.add_reply(thread=thread, author=make_member(f"Writer{text[-1]}"), body=text)


def test_threads_with_posts_the_member_has_not_read_are_marked(client, reader, thread):
    html = client.get("/forums/running/").content.decode()
    assert "is-unread" in html and "New posts" in client.get("/").content.decode()
    client.get(thread.get_absolute_url())
    assert "is-unread" not in client.get("/forums/running/").content.decode()
    assert "New posts</span>" not in client.get("/").content.decode()
    reply_as_someone_else(thread)
    assert "is-unread" in client.get("/forums/running/").content.decode()


def test_old_threads_count_as_read_for_everyone(client, sample):
    client.force_login(make_member("Newcomer"))
    assert "is-unread" not in client.get("/forums/cardio/").content.decode()


def test_first_unread_jumps_to_the_first_post_after_the_read_mark(client, reader, thread, settings):
    settings.BOARD_POSTS_PER_PAGE = 2
    client.get(thread.get_absolute_url())  # read #1
    second = reply_as_someone_else(thread, "two")
    reply_as_someone_else(thread, "three")
    response = client.get(f"/threads/{thread.pk}/unread/")
    assert response.url == f"{thread.get_absolute_url()}#post{second.pk}"
    client.get(thread.get_absolute_url() + "?page=2")  # reads #3 and so #2 before it
    last = Post.objects.get(thread=thread, number=3)
    assert client.get(f"/threads/{thread.pk}/unread/").url.endswith(f"#post{last.pk}")


def test_reading_an_earlier_page_never_moves_the_read_mark_back(client, reader, thread, settings):
    settings.BOARD_POSTS_PER_PAGE = 1
    reply_as_someone_else(thread)
    client.get(thread.get_absolute_url() + "?page=2")
    client.get(thread.get_absolute_url())
    assert "is-unread" not in client.get("/forums/running/").content.decode()


def test_mark_forum_read_and_mark_all_read(client, reader, thread):
    client.post("/forums/running/mark-read/")
    assert "is-unread" not in client.get("/forums/running/").content.decode()
    reply_as_someone_else(thread)
    assert "is-unread" in client.get("/forums/running/").content.decode()
    client.post("/mark-all-read/")
    assert "is-unread" not in client.get("/forums/running/").content.decode()


def test_marking_read_is_a_post_with_csrf(reader, thread, client):
    assert client.get("/mark-all-read/").status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reader)
    assert strict.post("/forums/running/mark-read/").status_code == 403


def test_new_posts_lists_unread_threads_newest_first(client, reader, forum, thread, member):
    other = actions.create_thread(forum=forum, author=member, title="Other", body="x").thread
    Thread.objects.filter(pk=other.pk).update(last_post_at=timezone.now())
    html = client.get("/new/").content.decode()
    assert html.index("Other") < html.index("Shin splints")
    client.get(thread.get_absolute_url())
    assert "Shin splints" not in client.get("/new/").content.decode()


def test_visitors_are_asked_to_log_in_for_new_posts(client, db):
    assert client.get("/new/").url.startswith("/accounts/login/")


@pytest.mark.parametrize("thread_count", [1, 15])
def test_tracking_keeps_member_page_query_counts_fixed(
    client, reader, forum, member, django_assert_num_queries, thread_count
):
    for n in range(thread_count):
        actions.create_thread(forum=forum, author=member, title=f"T{n}", body="x")
    # 1: session; 2: member; 3: forums; 4: member statistics; 5: who is online; 6: forums
    # with unread posts (with a shared cache, 3, 4 and 5 come from it, and the session too)
    with django_assert_num_queries(6):
        client.get("/")
    # 1: session; 2: member; 3: the forum; 4: threads (with a shared cache, both come from it:
    # tests/forum/test_page_cache.py); 5: the member's subscription and mark on the forum and
    # their read marks on those threads
    with django_assert_num_queries(5):
        client.get("/forums/running/")


def test_reading_the_last_unread_page_clears_the_go_to_unread_link_at_once(client, reader, thread):
    reply_as_someone_else(thread)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Go to first unread post" not in html


def test_reading_a_thread_again_writes_nothing_when_the_mark_does_not_move(client, reader, thread):
    from following.models import ThreadRead

    client.get(thread.get_absolute_url())
    first = ThreadRead.objects.get(user=reader, thread=thread)
    client.get(thread.get_absolute_url())
    assert ThreadRead.objects.get(user=reader, thread=thread).read_at == first.read_at


@pytest.mark.parametrize(
    "situation",
    ["never read", "read to the end", "read part-way", "forum marked", "all marked", "old"],
)
def test_one_threads_reading_state_follows_the_lists_rule(reader, thread, member, forum, situation):
    from following.models import (
        ForumRead,
        Subscription,
        ThreadRead,
        add_reading_state,
        with_follow_state,
        with_read_state,
    )

    for n in range(3):
        actions.add_reply(thread=thread, author=member, body=f"reply {n}")
    thread.refresh_from_db()
    if situation == "read to the end":
        ThreadRead.objects.create(user=reader, thread=thread, last_read_number=4)
    elif situation == "read part-way":
        ThreadRead.objects.create(user=reader, thread=thread, last_read_number=2)
        Subscription.objects.create(user=reader, thread=thread)
    elif situation == "forum marked":
        ForumRead.objects.create(user=reader, forum=forum, marked_at=timezone.now())
    elif situation == "all marked":
        type(reader).objects.filter(pk=reader.pk).update(marked_all_read_at=timezone.now())
        reader.refresh_from_db()
    elif situation == "old":
        Thread.objects.filter(pk=thread.pk).update(last_post_at=timezone.now() - timedelta(days=90))
        thread.refresh_from_db()
    listed = with_follow_state(
        with_read_state(Thread.objects.filter(pk=thread.pk), reader), reader, field="thread"
    ).get()
    add_reading_state(thread, reader)
    assert (thread.first_unread_number, thread.read_to, thread.is_followed) == (
        listed.first_unread_number,
        listed.read_to,
        listed.is_followed,
    )
