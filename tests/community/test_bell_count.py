"""The bell counts the unread notices the member may see, the ones the notices page lists:
every write that hides a notice's post or thread from the member (or shows it again) counts
their bell again once it commits."""

import io
import re

import pytest
from django.core.management import call_command

from accounts import actions as account_actions
from accounts.models import User
from community import actions as community_actions
from community.models import Notice
from following.models import Notification
from forum import actions
from forum.models import Forum


def bell(member) -> int:
    return User.objects.get(pk=member.pk).unread_notice_count


def bell_and_page(client) -> tuple[int, int]:
    """The count on the bell and the unread notices the page lists, as the member sees them."""
    html = client.get("/notifications/").text
    shown = re.search(r'aria-label="(\d+) unread"', html)
    return (int(shown[1]) if shown else 0, html.count('class="notice is-unread'))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a write as the board does: its on-commit steps (the recount) run after it."""

    def run(write, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(**kwargs)

    return run


@pytest.fixture
def mentioned(client, thread, member, other_member, post_reply):
    """member, logged in, mentioned twice by other_member in `thread`."""
    posts = [post_reply(other_member, thread, f"@Member_One look {n}") for n in (1, 2)]
    client.force_login(member)
    assert bell_and_page(client) == (2, 2)
    return posts


def test_removing_a_post_takes_its_notice_off_the_bell_and_restoring_it_puts_it_back(
    client, member, superuser, mentioned, committed
):
    committed(actions.remove_post, post=mentioned[0], moderator=superuser, reason="Spam")
    assert bell_and_page(client) == (1, 1)
    committed(actions.restore_post, post=mentioned[0], moderator=superuser)
    assert bell_and_page(client) == (2, 2)


def test_removing_a_thread_takes_its_notices_off_the_bell(
    client, thread, superuser, mentioned, committed
):
    committed(actions.remove_thread, thread=thread, moderator=superuser, reason="Off topic")
    assert bell_and_page(client) == (0, 0)
    committed(actions.restore_thread, thread=thread, moderator=superuser)
    assert bell_and_page(client) == (2, 2)


def test_moving_a_thread_into_a_forum_the_member_may_not_read_takes_its_notices_off_the_bell(
    client, thread, category, superuser, mentioned, committed
):
    staff_room = Forum.objects.create(category=category, name="Staff Room", slug="staff-room")
    committed(actions.apply_forum_preset, forums=[staff_room], preset="staff_only")
    committed(actions.move_thread, thread=thread, moderator=superuser, to_forum=staff_room)
    assert bell_and_page(client) == (0, 0)


def test_closing_a_forum_to_members_takes_its_notices_off_the_bell_and_opening_it_back(
    client, forum, mentioned, committed
):
    committed(actions.apply_forum_preset, forums=[forum], preset="staff_only")
    assert bell_and_page(client) == (0, 0)
    committed(actions.apply_forum_preset, forums=[forum], preset="public")
    assert bell_and_page(client) == (2, 2)


def test_notices_about_posts_merged_into_another_thread_stay_on_the_bell(
    client, forum, thread, member, other_member, superuser, mentioned, committed
):
    target = actions.create_thread(
        forum=forum, author=other_member, title="Rowing", body="Row."
    ).thread
    committed(actions.merge_threads, source=thread, target=target, moderator=superuser)
    assert bell_and_page(client) == (2, 2)
    assert set(Notice.objects.values_list("thread", flat=True)) == {target.pk}


def test_notices_about_posts_split_off_follow_them_into_the_new_thread(
    thread, member, superuser, mentioned, committed
):
    new = committed(
        actions.split_posts,
        thread=thread,
        numbers=[mentioned[1].number],
        moderator=superuser,
        title="Split",
    )
    assert Notice.objects.get(post=mentioned[1]).thread == new
    assert bell(member) == 2


def test_a_spammers_mentions_leave_the_bell_and_come_back_when_the_ban_is_undone(
    client, other_member, superuser, mentioned, committed
):
    cleanup = committed(
        actions.ban_spammer, member=other_member, moderator=superuser, reason="Spam"
    )
    assert bell_and_page(client) == (0, 0)
    committed(actions.undo_ban_spammer, cleanup=cleanup, superuser=superuser)
    assert bell_and_page(client) == (2, 2)


def test_a_post_deleted_in_the_admin_takes_its_notice_off_the_bell(
    client, member, superuser, mentioned, committed
):
    Notification.objects.all().delete()  # reply mails' records keep a post from the admin's delete
    client.force_login(superuser)
    committed(
        client.post, path=f"/admin/forum/post/{mentioned[0].pk}/delete/", data={"post": "yes"}
    )
    client.force_login(member)
    assert bell_and_page(client) == (1, 1)


def test_erasing_a_member_whose_posts_go_takes_their_mentions_off_others_bells(
    client, other_member, superuser, mentioned, committed, settings
):
    settings.BOARD_ERASURE_REMOVES_POSTS = True
    committed(account_actions.erase_member, member=other_member, by=superuser)
    assert bell_and_page(client) == (0, 0)


def test_mark_all_read_counts_only_what_the_member_may_see(member, superuser, mentioned, committed):
    # Without its recount (a write from before this rule), the bell still counts a removed one.
    actions.remove_post(post=mentioned[0], moderator=superuser, reason="Spam")
    assert bell(member) == 2
    still_shown = Notice.objects.get(post=mentioned[1])
    community_actions.mark_notices_read(member=member, notice_ids=[still_shown.pk])
    assert bell(member) == 0


def test_the_recount_command_counts_only_the_notices_the_member_may_see(
    member, superuser, mentioned
):
    actions.remove_post(post=mentioned[0], moderator=superuser, reason="Spam")  # no recount
    assert bell(member) == 2
    call_command("recount_community", stdout=io.StringIO())
    assert bell(member) == 1
