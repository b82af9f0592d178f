"""The moderation queue: new members' first posts, and every post in forums that hold them,
wait for a moderator. Until then only their author and the forum's moderators see them."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.test import Client

from following.models import record_reading, subscribe
from forum import actions
from forum.models import Forum, Post, Thread
from tests.conftest import make_member
from tests.moderation.conftest import reply

SECRET = "zanzibarquokka"  # a word that appears nowhere else, to look for in pages


@pytest.fixture(autouse=True)
def hold_first_post(settings, thread):
    # After the thread fixture, whose starter posted before holding was on.
    settings.BOARD_HOLD_FIRST_POSTS = 1


@pytest.fixture
def newcomer(db):
    return make_member("New_Comer")


@pytest.fixture
def established(thread, member):
    """The thread's starter: the thread fixture counted their first post (holding was off)."""
    member.refresh_from_db()
    assert member.post_count == 1
    return member


@pytest.fixture
def held_reply(thread, newcomer):
    return reply(thread, newcomer, f"Buy cheap {SECRET} now")


@pytest.fixture
def held_thread(forum, newcomer):
    return actions.create_thread(
        forum=forum, author=newcomer, title=f"Great {SECRET} deals", body=f"{SECRET} inside"
    ).thread


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page(client, url: str) -> str:
    response = client.get(url)
    return response.content.decode() if response.status_code == 200 else ""


def test_a_new_members_first_reply_waits_unnumbered_and_uncounted(thread, held_reply, newcomer):
    thread.refresh_from_db()
    newcomer.refresh_from_db()

    assert held_reply.is_held and held_reply.number is None
    assert (thread.post_count, thread.last_number, thread.held_reply_count) == (1, 1, 1)
    assert thread.last_post_id == thread.first_post_id
    assert Forum.objects.get(pk=thread.forum_id).post_count == 1
    assert newcomer.post_count == 0


def test_a_held_reply_is_seen_on_the_thread_page_by_its_author_and_the_forums_moderators_only(
    thread, held_reply, newcomer, other_member, forum_moderator, other_forum_moderator
):
    url = thread.get_absolute_url()

    for viewer in (None, other_member, other_forum_moderator):
        assert SECRET not in page(client_for(viewer), url)
    author_page = page(client_for(newcomer), url)
    assert SECRET in author_page and "Awaiting moderation" in author_page
    moderator_page = page(client_for(forum_moderator), url)
    assert SECRET in moderator_page and 'value="approve"' in moderator_page


def test_a_held_reply_is_in_no_feed_search_profile_print_export_or_permalink_for_others(
    client, thread, held_reply, newcomer, other_member
):
    other = client_for(other_member)
    slugged = f"/threads/{thread.pk}/{thread.slug}"
    for searcher in (client, other):  # the query itself is echoed back: look for the post
        assert f"/posts/{held_reply.pk}/" not in page(searcher, f"/search/?q={SECRET}")
        assert "No results" in page(searcher, f"/search/?q={SECRET}")
    for url in (
        f"/feeds/threads/{thread.pk}/rss/",
        "/feeds/threads/rss/",
        f"/members/{newcomer.pk}/",
        f"{slugged}/print/",
        f"{slugged}/archive.txt",
        f"/threads/{thread.pk}/reply/?quote={held_reply.pk}",
    ):
        assert SECRET not in page(client, url), url
        assert SECRET not in page(other, url), url
    assert client.get(f"/posts/{held_reply.pk}/").status_code == 404
    assert other.get(f"/posts/{held_reply.pk}/").status_code == 404
    assert other.get(f"/posts/{held_reply.pk}/report/").status_code == 404
    assert client_for(newcomer).get(f"/posts/{held_reply.pk}/").status_code == 302


def test_a_held_reply_does_not_make_the_thread_unread_for_others(thread, held_reply, member):
    record_reading(member, thread, 1)

    assert "Shin splints" not in page(client_for(member), "/new/")


def test_no_follower_is_mailed_about_a_held_reply_until_it_is_approved(
    thread, newcomer, other_member, forum_moderator, django_capture_on_commit_callbacks
):
    subscribe(other_member, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        held = reply(thread, newcomer, "Hello all")
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        approved = actions.approve_post(post=held, moderator=forum_moderator)

    # The thread's starter follows it too (subscribe_on_reply).
    assert sorted(m.to[0] for m in mail.outbox) == [thread.starter.email, other_member.email]
    assert approved.number == 2 and not approved.is_held


def test_approving_a_reply_numbers_dates_and_counts_it_as_posted_then(
    thread, held_reply, newcomer, member, forum_moderator
):
    record_reading(member, thread, 1)

    approved = actions.approve_post(post=held_reply, moderator=forum_moderator)

    thread.refresh_from_db()
    newcomer.refresh_from_db()
    assert approved.created_at > held_reply.created_at
    assert (thread.post_count, thread.last_number, thread.held_reply_count) == (2, 2, 0)
    assert (thread.last_post_id, thread.last_post_at) == (approved.pk, approved.created_at)
    forum = Forum.objects.get(pk=thread.forum_id)
    assert (forum.post_count, forum.last_post_id) == (2, approved.pk)
    assert newcomer.post_count == 1
    assert "Shin splints" in page(client_for(member), "/new/")  # unread for the reader again
    assert SECRET in page(Client(), thread.get_absolute_url())
    assert LogEntry.objects.filter(change_message="Approved post.").exists()


def test_approving_twice_counts_once(thread, held_reply, forum_moderator):
    actions.approve_post(post=held_reply, moderator=forum_moderator)
    actions.approve_post(post=held_reply, moderator=forum_moderator)

    thread.refresh_from_db()
    assert (thread.post_count, thread.last_number) == (2, 2)


def test_a_moderator_of_another_forum_may_not_approve(held_reply, other_forum_moderator):
    with pytest.raises(actions.ModerationRefused):
        actions.approve_post(post=held_reply, moderator=other_forum_moderator)

    assert Post.objects.get(pk=held_reply.pk).is_held


def test_once_a_post_is_approved_the_members_next_posts_are_not_held(
    thread, held_reply, newcomer, forum_moderator
):
    actions.approve_post(post=held_reply, moderator=forum_moderator)
    newcomer.refresh_from_db()

    assert not reply(thread, newcomer, "Second one").is_held


def test_a_new_members_first_thread_waits_and_others_cannot_open_or_find_it(
    forum, held_thread, newcomer, other_member, other_forum_moderator, forum_moderator
):
    forum.refresh_from_db()
    assert held_thread.is_held and (forum.thread_count, forum.post_count) == (1, 1)
    url = held_thread.get_absolute_url()
    for viewer in (None, other_member, other_forum_moderator):
        client = client_for(viewer)
        assert client.get(url).status_code == 404
        for listing in (
            "/forums/running/",
            "/feeds/threads/rss/",
            "/feeds/forums/running/atom/",
            f"/members/{newcomer.pk}/",
            "/",
        ):
            assert SECRET not in page(client, listing), listing
        for search in (f"/search/?q={SECRET}", f"/search/?q={SECRET}&show=threads"):
            assert f"/threads/{held_thread.pk}/" not in page(client, search)
    assert client_for(other_member).get(f"/feeds/threads/{held_thread.pk}/rss/").status_code == 404
    assert "awaiting moderation" in page(client_for(newcomer), url)
    assert "awaiting moderation" in page(client_for(forum_moderator), url)


def test_nobody_replies_to_a_held_thread_before_it_is_approved(held_thread, other_member):
    with pytest.raises(actions.PostingRefused, match="waiting for a moderator"):
        reply(held_thread, other_member)


def test_approving_a_thread_counts_it_and_mails_the_forums_followers_then(
    forum, newcomer, other_member, forum_moderator, django_capture_on_commit_callbacks
):
    subscribe(other_member, forum=forum)
    with django_capture_on_commit_callbacks(execute=True):
        held_thread = actions.create_thread(
            forum=forum, author=newcomer, title=f"Great {SECRET} deals", body="Hello"
        ).thread
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_thread(thread=held_thread, moderator=forum_moderator)

    forum.refresh_from_db()
    newcomer.refresh_from_db()
    assert (forum.thread_count, forum.post_count) == (2, 2)
    assert forum.last_post_id == held_thread.first_post_id
    assert newcomer.post_count == 1
    assert [message.to for message in mail.outbox] == [[other_member.email]]
    assert SECRET in page(Client(), "/forums/running/")


def test_rejecting_removes_with_a_reason_and_counts_nothing(
    thread, held_reply, held_thread, forum_moderator, newcomer
):
    actions.reject_post(post=held_reply, moderator=forum_moderator, reason="Spam")
    actions.reject_thread(thread=held_thread, moderator=forum_moderator)

    held_reply.refresh_from_db()
    held_thread.refresh_from_db()
    thread.refresh_from_db()
    assert held_reply.is_removed and held_reply.removed_reason == "Spam"
    assert held_thread.removed_reason == actions.REJECTED
    assert thread.held_reply_count == 0 and thread.post_count == 1
    assert not Post.objects.held().exists() and not Thread.objects.held().exists()
    assert SECRET not in page(client_for(newcomer), thread.get_absolute_url())


def test_a_forum_that_holds_all_posts_holds_established_members_but_not_its_moderators(
    forum, thread, established, forum_moderator
):
    Forum.objects.filter(pk=forum.pk).update(holds_all_posts=True)
    thread.forum.refresh_from_db()

    assert reply(thread, established).is_held
    assert not reply(thread, forum_moderator).is_held


def test_holding_is_off_with_zero(settings, thread, newcomer):
    settings.BOARD_HOLD_FIRST_POSTS = 0

    assert not reply(thread, newcomer).is_held


def test_recount_keeps_held_posts_out_of_the_counters(thread, held_reply, held_thread, newcomer):
    Thread.objects.filter(pk=thread.pk).update(held_reply_count=0, post_count=7)

    actions.recount()

    thread.refresh_from_db()
    newcomer.refresh_from_db()
    assert (thread.post_count, thread.last_number, thread.held_reply_count) == (1, 1, 1)
    assert Forum.objects.get(pk=thread.forum_id).thread_count == 1
    assert newcomer.post_count == 0


def test_posting_a_held_reply_through_the_page_says_it_waits(thread, newcomer):
    client = client_for(newcomer)

    response = client.post(f"/threads/{thread.pk}/reply/", {"body": "Hi"}, follow=True)

    assert "a moderator will look at your post" in response.content.decode()
    assert Post.objects.get(body="Hi").is_held


def test_the_queue_lists_what_waits_in_the_moderators_forums_only(
    held_reply, held_thread, forum_moderator, other_forum_moderator, global_moderator
):
    for moderator, expected in ((forum_moderator, 2), (global_moderator, 2)):
        html = page(client_for(moderator), "/moderation/queue/")
        assert html.count(SECRET) >= 2
        assert f'aria-label="{expected} waiting"' in html
    html = page(client_for(other_forum_moderator), "/moderation/queue/")
    assert SECRET not in html and "Nothing is waiting" in html


def test_members_and_guests_have_no_queue_and_no_queue_link(client, member, held_reply):
    assert client.get("/moderation/queue/").status_code == 302  # to the login page
    member_client = client_for(member)
    assert member_client.get("/moderation/queue/").status_code == 404
    assert "/moderation/queue/" not in page(member_client, "/")


def test_the_queue_approves_and_rejects_in_bulk(
    thread, held_reply, held_thread, newcomer, forum_moderator
):
    other_held = reply(thread, make_member("Second_New"), "Me too")
    client = client_for(forum_moderator)

    client.post(
        "/moderation/queue/",
        {"step": "approve", "thread": [held_thread.pk], "post": [held_reply.pk]},
    )
    client.post("/moderation/queue/", {"step": "reject", "post": [other_held.pk], "reason": "No"})

    assert not Thread.objects.get(pk=held_thread.pk).is_held
    assert Post.objects.get(pk=held_reply.pk).number == 2
    rejected = Post.objects.get(pk=other_held.pk)
    assert rejected.is_removed and rejected.removed_reason == "No"
    assert "Nothing is waiting" in page(client, "/moderation/queue/")


@pytest.mark.parametrize(
    "data",
    [
        {"step": "approve"},
        {"step": "publish", "post": ["1"]},
        {"step": "approve", "post": ["1; DROP"]},
        {"step": "approve", "post": ["9" * 30]},
        {"step": "reject", "post": ["1"], "reason": "a\x00b"},
    ],
)
def test_the_queue_refuses_bad_input_with_a_message(forum_moderator, held_reply, data):
    response = client_for(forum_moderator).post("/moderation/queue/", data, follow=True)

    assert response.status_code == 200
    assert 'class="alert alert-danger' in response.content.decode()
    assert Post.objects.get(pk=held_reply.pk).is_held


def test_a_moderator_of_another_forum_cannot_decide_through_the_queue(
    held_reply, other_forum_moderator
):
    client_for(other_forum_moderator).post(
        "/moderation/queue/", {"step": "approve", "post": [held_reply.pk]}
    )

    assert Post.objects.get(pk=held_reply.pk).is_held


def test_approving_from_the_thread_page_returns_to_it(thread, held_reply, forum_moderator):
    url = thread.get_absolute_url()

    response = client_for(forum_moderator).post(
        "/moderation/queue/", {"step": "approve", "post": [held_reply.pk], "next": url}
    )

    assert response["Location"] == url


def test_the_queue_page_runs_a_fixed_number_of_queries(
    thread, forum, forum_moderator, django_assert_num_queries
):
    for number in range(5):
        reply(thread, make_member(f"Spammer_{number}"), f"Spam {number}")
        actions.create_thread(
            forum=forum, author=make_member(f"Starter_{number}"), title=f"T{number}", body="x"
        )
    client = client_for(forum_moderator)
    # 1 session, 2 user, 3 the moderator's forums, 4 held threads with forum, starter and
    # first post, 5 held replies with thread, forum and author, 6 the header's count
    with django_assert_num_queries(6):
        response = client.get("/moderation/queue/")
    assert response.content.decode().count('name="post"') == 5


def test_the_admin_approves_and_rejects_held_posts_in_bulk(
    client, thread, held_reply, held_thread, forum_moderator
):
    client.force_login(forum_moderator)

    client.post(
        "/admin/forum/post/",
        {"action": "approve", "_selected_action": [held_reply.pk, thread.first_post_id]},
    )
    client.post(
        "/admin/forum/thread/",
        {"action": "reject", "_selected_action": [held_thread.pk], "apply": "1", "reason": ""},
    )

    assert Post.objects.get(pk=held_reply.pk).number == 2
    rejected = Thread.objects.get(pk=held_thread.pk)
    assert rejected.is_removed and rejected.is_held


@pytest.mark.django_db(transaction=True)  # pages go stale once the reply commits
def test_a_visitors_cached_page_never_shows_a_held_reply(settings, thread, newcomer, member):
    settings.BOARD_PAGE_CACHE_SECONDS = 300
    url = thread.get_absolute_url()
    Client().get(url)  # cached

    author = client_for(newcomer)
    author.post(f"/threads/{thread.pk}/reply/", {"body": f"{SECRET} again"})

    assert SECRET in page(author, url)
    assert SECRET not in page(Client(), url)
    assert SECRET not in page(client_for(member), url)
