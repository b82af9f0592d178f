import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from forum import actions
from forum.models import Forum, Post, Thread
from tests.moderation.conftest import reply

NOTHING_TO_FIX = {"threads": 0, "forums": 0, "members": 0}


@pytest.fixture
def busy_thread(thread, member, other_member):
    for n in range(4):
        reply(thread, other_member if n % 2 else member, f"Reply {n}")
    return thread


def numbers_of(thread) -> list[int]:
    return list(thread.posts.order_by("number").values_list("number", flat=True))


def test_moving_a_thread_fixes_both_forums_counters(
    busy_thread, other_forum, forum, global_moderator
):
    actions.move_thread(thread=busy_thread, moderator=global_moderator, to_forum=other_forum)

    forum.refresh_from_db()
    other_forum.refresh_from_db()
    assert (forum.thread_count, forum.post_count, forum.last_post_id) == (0, 0, None)
    assert (other_forum.thread_count, other_forum.post_count) == (1, 5)
    assert actions.recount() == NOTHING_TO_FIX


def test_removing_a_post_keeps_the_numbers_and_fixes_every_counter(
    busy_thread, other_member, forum_moderator
):
    post = busy_thread.posts.get(number=3)

    actions.remove_post(post=post, moderator=forum_moderator, reason="Spam")

    busy_thread.refresh_from_db()
    assert numbers_of(busy_thread) == [1, 2, 3, 4, 5]
    assert busy_thread.post_count == 4
    assert User.objects.get(pk=other_member.pk).post_count == 1
    assert actions.recount() == NOTHING_TO_FIX
    post.refresh_from_db()
    assert (post.is_removed, post.removed_by, post.removed_reason) == (
        True,
        forum_moderator,
        "Spam",
    )


def test_restoring_a_post_brings_it_back_into_the_counters(busy_thread, forum_moderator):
    post = busy_thread.posts.get(number=2)
    actions.remove_post(post=post, moderator=forum_moderator, reason="Spam")

    actions.restore_post(post=post, moderator=forum_moderator)

    busy_thread.refresh_from_db()
    assert busy_thread.post_count == 5
    assert actions.recount() == NOTHING_TO_FIX


def test_removing_the_first_post_removes_the_whole_thread(busy_thread, forum, forum_moderator):
    actions.remove_post(
        post=busy_thread.posts.get(number=1), moderator=forum_moderator, reason="Troll"
    )

    busy_thread.refresh_from_db()
    forum.refresh_from_db()
    assert busy_thread.is_removed and busy_thread.removed_reason == "Troll"
    assert (forum.thread_count, forum.post_count) == (0, 0)
    assert actions.recount() == NOTHING_TO_FIX


def test_merging_numbers_the_posts_by_time_and_leaves_the_source_pointing_to_the_target(
    forum, member, other_member, global_moderator
):
    old = actions.create_thread(forum=forum, author=member, title="Old", body="1").thread
    new = actions.create_thread(forum=forum, author=other_member, title="New", body="2").thread
    reply(old, member, "3")
    reply(new, other_member, "4")

    target = actions.merge_threads(source=new, target=old, moderator=global_moderator)

    bodies = list(target.posts.order_by("number").values_list("number", "body"))
    assert bodies == [(1, "1"), (2, "2"), (3, "3"), (4, "4")]
    new.refresh_from_db()
    assert new.is_removed and new.merged_into_id == old.pk and new.post_count == 0
    assert (target.post_count, target.last_number) == (4, 4)
    assert Forum.objects.get(pk=forum.pk).thread_count == 1
    assert actions.recount() == NOTHING_TO_FIX


def test_a_merged_away_thread_leads_members_to_the_target(client, forum, member, global_moderator):
    old = actions.create_thread(forum=forum, author=member, title="Old", body="1").thread
    new = actions.create_thread(forum=forum, author=member, title="New", body="2").thread
    actions.merge_threads(source=new, target=old, moderator=global_moderator)

    response = client.get(f"/threads/{new.pk}/new/")

    assert response.status_code == 301
    assert response["Location"] == f"/threads/{old.pk}/old/"


def test_splitting_moves_the_chosen_posts_to_a_new_thread_and_renumbers_both(
    busy_thread, forum, forum_moderator
):
    moved_bodies = ["Reply 1", "Reply 3"]

    new = actions.split_posts(
        thread=busy_thread, numbers=[3, 5], moderator=forum_moderator, title="Split off"
    )

    assert list(new.posts.order_by("number").values_list("number", "body")) == [
        (1, "Reply 1"),
        (2, "Reply 3"),
    ]
    assert numbers_of(busy_thread) == [1, 2, 3]
    assert Thread.objects.get(pk=busy_thread.pk).last_number == 3
    assert (new.forum_id, new.starter.username) == (forum.pk, "Member_Two")
    assert not busy_thread.posts.filter(body__in=moved_bodies).exists()
    assert Forum.objects.get(pk=forum.pk).thread_count == 2
    assert actions.recount() == NOTHING_TO_FIX


def test_splitting_off_every_post_is_refused(busy_thread, forum_moderator):
    with pytest.raises(actions.ModerationRefused):
        actions.split_posts(
            thread=busy_thread, numbers=[1, 2, 3, 4, 5], moderator=forum_moderator, title="All"
        )
    assert numbers_of(busy_thread) == [1, 2, 3, 4, 5]


def test_replies_after_a_split_continue_the_renumbered_thread(busy_thread, member, forum_moderator):
    actions.split_posts(thread=busy_thread, numbers=[2], moderator=forum_moderator, title="Two")

    post = reply(busy_thread, member, "After the split")

    assert post.number == 5


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (lambda t, p, m: actions.lock_thread(thread=t, moderator=m, reason="Heated"), "Closed."),
        (lambda t, p, m: actions.stick_thread(thread=t, moderator=m, reason="Heated"), "Stuck."),
        (
            lambda t, p, m: actions.remove_post(post=p, moderator=m, reason="Heated"),
            "Removed post.",
        ),
        (
            lambda t, p, m: actions.remove_thread(thread=t, moderator=m, reason="Heated"),
            "Removed thread.",
        ),
    ],
)
def test_every_moderation_step_is_logged_with_who_what_and_why(
    busy_thread, forum_moderator, step, message
):
    post = busy_thread.posts.get(number=2)

    step(busy_thread, post, forum_moderator)

    entry = LogEntry.objects.get()
    assert entry.user == forum_moderator
    assert entry.change_message == f"{message} Reason: Heated"
    assert entry.get_edited_object() in (busy_thread, post)


def test_a_moderator_of_another_forum_is_refused_even_when_calling_the_action_directly(
    busy_thread, other_forum_moderator
):
    with pytest.raises(actions.ModerationRefused):
        actions.lock_thread(thread=busy_thread, moderator=other_forum_moderator)
    assert not Thread.objects.get(pk=busy_thread.pk).is_locked
    assert not LogEntry.objects.exists()


def test_moderators_see_a_removed_posts_text_and_reason_and_members_see_only_a_notice(
    client, busy_thread, member, forum_moderator
):
    post = busy_thread.posts.get(number=2)
    actions.remove_post(post=post, moderator=forum_moderator, reason="Rude words")

    client.force_login(member)
    html = client.get(busy_thread.get_absolute_url()).content.decode()
    assert "This post was removed by a moderator." in html
    assert "Reply 0" not in html and "Rude words" not in html

    client.force_login(forum_moderator)
    html = client.get(busy_thread.get_absolute_url()).content.decode()
    assert "Reply 0" in html and "Rude words" in html


def test_the_thread_page_shows_moderation_tools_to_its_moderators_only(
    client, busy_thread, member, forum_moderator, other_forum_moderator
):
    for user, shown in [(member, False), (other_forum_moderator, False), (forum_moderator, True)]:
        client.force_login(user)
        html = client.get(busy_thread.get_absolute_url()).content.decode()
        assert (f"/threads/{busy_thread.pk}/moderate/" in html) is shown
        assert (f"/posts/{busy_thread.first_post_id}/moderate/" in html) is shown


def test_moderation_tools_cost_the_thread_page_the_moderators_forums_and_queue_count_queries(
    client, busy_thread, member, forum_moderator
):
    def queries_for(user) -> list[str]:
        client.force_login(user)
        client.get(busy_thread.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            assert client.get(busy_thread.get_absolute_url()).status_code == 200
        return [query["sql"] for query in queries]

    as_member, as_moderator = queries_for(member), queries_for(forum_moderator)

    # The same page's queries, plus the one that loads which forums the moderator moderates
    # and the header's count of the moderation queue (shared by all, with a shared cache).
    assert len(as_moderator) == len(as_member) + 2
    assert sum("forum_forum_moderators" in sql for sql in as_moderator) == 1
    assert sum("UNION ALL" in sql for sql in as_moderator) == 1


def test_removing_with_an_empty_reason_is_refused_from_the_thread_page(
    client, busy_thread, forum_moderator
):
    post = busy_thread.posts.get(number=2)
    client.force_login(forum_moderator)

    client.post(f"/posts/{post.pk}/moderate/", {"step": "remove", "reason": "  "})

    assert not Post.objects.get(pk=post.pk).is_removed


def test_moderation_steps_refuse_get_requests(client, busy_thread, forum_moderator):
    client.force_login(forum_moderator)

    response = client.get(f"/threads/{busy_thread.pk}/moderate/?step=lock")

    assert response.status_code == 405
    assert not Thread.objects.get(pk=busy_thread.pk).is_locked


@pytest.mark.parametrize("page", ["move", "merge", "split"])
def test_the_move_merge_and_split_pages_show_their_forms_to_moderators(
    client, busy_thread, forum_moderator, page
):
    client.force_login(forum_moderator)

    response = client.get(f"/threads/{busy_thread.pk}/{page}/")

    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("Part\u2028two", "must be a single line"),
        ("Part\x85two", "must be a single line"),
        ("Part\ntwo", "must be a single line"),
        ("Part\x07two", "invisible control characters"),
    ],
)
def test_a_split_refuses_a_title_with_a_line_break_or_control_character(
    client, busy_thread, forum_moderator, title, message
):
    client.force_login(forum_moderator)

    response = client.post(f"/threads/{busy_thread.pk}/split/", {"numbers": "4", "title": title})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert numbers_of(busy_thread) == [1, 2, 3, 4, 5]


def test_a_split_with_numbers_the_thread_lacks_is_refused_on_the_form(
    client, busy_thread, forum_moderator
):
    client.force_login(forum_moderator)

    response = client.post(
        f"/threads/{busy_thread.pk}/split/", {"numbers": "40-42", "title": "Nothing"}
    )

    assert response.status_code == 200
    assert "Choose the posts to split off." in response.content.decode()
    assert numbers_of(busy_thread) == [1, 2, 3, 4, 5]


def test_a_moderator_sees_a_removed_thread_and_members_get_a_404(
    client, busy_thread, member, forum_moderator
):
    actions.remove_thread(thread=busy_thread, moderator=forum_moderator, reason="Dupe")

    client.force_login(member)
    assert client.get(busy_thread.get_absolute_url()).status_code == 404
    client.force_login(forum_moderator)
    html = client.get(busy_thread.get_absolute_url()).content.decode()
    assert "This thread is removed: Dupe" in html
