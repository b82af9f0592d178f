"""Who's online (noted in memory, written in batches) and the forum list's vBulletin niceties:
page links beside long threads, "Moved:" stubs that expire, sorting."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from community import online
from community.models import MovedStub, OnlineRecord, Presence
from forum import actions
from forum.models import Forum, Thread
from tests.conftest import make_member


def test_the_index_shows_currently_active_users_and_their_names(client, member, other_member):
    Client().force_login(member)
    as_member = Client()
    as_member.force_login(member)
    as_member.get("/")
    client.get("/")  # a guest
    html = client.get("/").text
    assert "Currently Active Users: 2" in html
    assert "1 member and 1 guest" in html
    assert f'<a href="/members/{member.pk}/">Member_One</a>' in html


def test_pages_write_nothing_until_the_notes_are_due(
    client, member, settings, django_assert_num_queries
):
    client.force_login(member)
    client.get("/notifications/settings/")
    # 1: session; 2: member; 3: their mail choices: no presence written per request
    with django_assert_num_queries(3):
        client.get("/notifications/settings/")
    assert not Presence.objects.exists()
    settings.BOARD_ONLINE_FLUSH_SECONDS = 0
    client.get("/notifications/settings/")
    assert Presence.objects.get().member == member


def test_a_flush_is_one_upsert_and_moves_the_record(client, member, django_assert_num_queries):
    for n in range(3):
        Client(REMOTE_ADDR=f"10.0.0.{n}").get("/")
    # 1: the upsert; 2: day-old rows dropped; 3: count online; 4: record moved; 5: no record
    # yet, so 6: it is made
    with django_assert_num_queries(6):
        assert online.flush() == 3
    assert OnlineRecord.objects.get().count == 3
    assert online.flush() == 0  # nothing noted since


def test_the_record_is_the_most_ever_online(db):
    OnlineRecord.objects.create(count=50, at=timezone.now() - timedelta(days=300))
    Client().get("/")
    online.flush()
    assert OnlineRecord.objects.get().count == 50
    html = Client().get("/").text
    assert "Most users ever online was 50" in html


def test_visitors_seen_long_ago_are_not_online(db):
    Presence.objects.create(key="g:old", seen_at=timezone.now() - timedelta(hours=1))
    assert online.summary()["total"] == 0


def test_whos_online_names_a_thread_only_to_those_who_may_see_it(client, thread, member):
    reader = Client()
    reader.force_login(member)
    reader.get(thread.get_absolute_url())
    online.flush()
    assert "Shin splints" in client.get("/online/").text
    Thread.objects.filter(pk=thread.pk).update(is_removed=True)
    html = client.get("/online/").text
    assert "Member_One" in html and "Shin splints" not in html
    assert "Viewing a thread" in html


def test_whos_online_runs_a_fixed_number_of_queries(client, thread, django_assert_num_queries):
    for n in range(4):
        member = make_member(f"Reader{n}")
        reader = Client()
        reader.force_login(member)
        reader.get(thread.get_absolute_url())
    online.flush()
    online.forget_noted()
    # 1: who is here; 2: the threads they read that this visitor may see
    with django_assert_num_queries(2):
        assert client.get("/online/").status_code == 200


def test_whos_online_can_be_turned_off(client, settings, db):
    settings.BOARD_WHOS_ONLINE = False
    assert "Currently Active Users" not in client.get("/").text
    assert client.get("/online/").status_code == 404


@pytest.mark.parametrize(("posts", "links"), [(10, ""), (25, "1 2 3"), (45, "1 2 3 … Last Page")])
def test_long_threads_show_page_links_in_the_forum_list(client, forum, member, posts, links):
    thread = actions.create_thread(forum=forum, author=member, title="Long", body="x").thread
    Thread.objects.filter(pk=thread.pk).update(last_number=posts, post_count=posts)
    html = client.get("/forums/running/").text
    if not links:
        assert "thread-pages" not in html
        return
    assert f'href="/threads/{thread.pk}/long/?page=2" aria-label="Page 2 of Long"' in html
    assert ("Last Page" in html) == ("Last Page" in links)


def test_a_moved_thread_leaves_a_stub_in_its_old_forum_until_it_expires(
    client, thread, forum, superuser, settings
):
    to = Forum.objects.create(category=forum.category, name="Injuries", slug="injuries")
    actions.move_thread(thread=thread, moderator=superuser, to_forum=to)
    html = client.get("/forums/running/").text
    assert "Moved</span>" in html and "now in <a" in html and "Shin splints" in html
    forum.refresh_from_db()
    assert forum.thread_count == 0  # the stub is counted nowhere
    MovedStub.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "Shin splints" not in client.get("/forums/running/").text


def test_moving_a_thread_back_removes_the_stub_in_its_new_home(thread, forum, superuser):
    to = Forum.objects.create(category=forum.category, name="Injuries", slug="injuries")
    actions.move_thread(thread=thread, moderator=superuser, to_forum=to)
    actions.move_thread(
        thread=Thread.objects.get(pk=thread.pk), moderator=superuser, to_forum=forum
    )
    assert list(MovedStub.objects.values_list("forum__slug", flat=True)) == ["injuries"]


def test_no_stub_when_stubs_are_turned_off(thread, forum, superuser, settings):
    settings.BOARD_MOVED_STUB_DAYS = 0
    to = Forum.objects.create(category=forum.category, name="Injuries", slug="injuries")
    actions.move_thread(thread=thread, moderator=superuser, to_forum=to)
    assert not MovedStub.objects.exists()


@pytest.fixture
def three_threads(forum, member):
    made = {}
    for title, replies, views in (("Bravo", 5, 1), ("Alpha", 1, 9), ("Charlie", 3, 5)):
        thread = actions.create_thread(forum=forum, author=member, title=title, body="x").thread
        Thread.objects.filter(pk=thread.pk).update(post_count=replies + 1, view_count=views)
        made[title] = thread
    return made


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("", ["Charlie", "Alpha", "Bravo"]),
        ("?sort=replies", ["Bravo", "Charlie", "Alpha"]),
        ("?sort=views&order=asc", ["Bravo", "Charlie", "Alpha"]),
        ("?sort=title", ["Alpha", "Bravo", "Charlie"]),
        ("?sort=title&order=desc", ["Charlie", "Bravo", "Alpha"]),
        ("?sort=nonsense&order=sideways", ["Charlie", "Alpha", "Bravo"]),
    ],
)
def test_the_thread_list_sorts_by_last_post_replies_views_or_title(
    client, three_threads, query, order
):
    html = client.get(f"/forums/running/{query}").text
    positions = [html.index(f">{title}</a>") for title in order]
    assert positions == sorted(positions)


def test_sorted_pages_keep_their_sort_in_the_page_links(client, three_threads, settings):
    settings.BOARD_THREADS_PER_PAGE = 2
    html = client.get("/forums/running/?sort=title&order=asc").text
    assert 'href="?sort=title&amp;order=asc&amp;page=2"' in html
    assert ">Charlie</a>" in client.get("/forums/running/?sort=title&order=asc&page=2").text


def test_a_sorted_forum_page_runs_two_queries(client, three_threads, django_assert_num_queries):
    # 1: the forum; 2: the page of threads (stubs are listed only in the default order)
    with django_assert_num_queries(2):
        assert client.get("/forums/running/?sort=views").status_code == 200


def test_the_first_reader_of_the_index_counts_themselves(client, db):
    html = client.get("/").text
    assert "Currently Active Users: 1" in html and "0 members and 1 guest" in html


def test_a_forum_page_looks_for_stubs_only_while_one_is_live(
    client, thread, forum, superuser, django_assert_num_queries
):
    to = Forum.objects.create(category=forum.category, name="Injuries", slug="injuries")
    actions.move_thread(thread=thread, moderator=superuser, to_forum=to)
    # 1: the forum; 2: a page of threads; 3: the live stubs
    with django_assert_num_queries(3):
        assert "Shin splints" in client.get("/forums/running/").text
    Forum.objects.filter(pk=forum.pk).update(moved_stubs_until=timezone.now())
    with django_assert_num_queries(2):
        assert "Shin splints" not in client.get("/forums/running/").text
