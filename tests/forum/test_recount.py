import pytest
from django.core.management import call_command

from accounts.models import User
from forum import actions
from forum.models import Forum, Post, Thread


def test_recount_command_rebuilds_counters_broken_behind_the_boards_back(sample, capsys):
    Thread.objects.update(post_count=99, last_post=None, last_number=3)
    Forum.objects.update(thread_count=0, post_count=0, last_post=None, last_post_at=None)
    User.objects.filter(username="Ross86").update(post_count=0)
    call_command("recount")
    assert "1 threads, 1 forums, 1 members changed" in capsys.readouterr().out
    thread = Thread.objects.get()
    assert (thread.post_count, thread.last_post.number, thread.last_number) == (10, 10, 10)
    forum = Forum.objects.get()
    assert (forum.thread_count, forum.post_count, forum.last_post_id) == (
        1,
        10,
        thread.last_post_id,
    )
    assert User.objects.get(username="Ross86").post_count == 4


def test_recount_leaves_removed_posts_out_of_every_counter(sample):
    Post.objects.filter(number=10).update(is_removed=True)
    actions.recount()
    thread = Thread.objects.get()
    assert (thread.post_count, thread.last_post.number) == (9, 9)
    assert thread.last_number == 10  # numbers are never given out twice
    assert Forum.objects.get().post_count == 9
    assert User.objects.get(username="Ross86").post_count == 3


def test_replies_keep_every_counter_exact_in_the_same_transaction(thread, member, other_member):
    for _ in range(3):
        actions.add_reply(thread=thread, author=other_member, body="Same here")
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}
    thread.refresh_from_db()
    assert (thread.post_count, thread.reply_count, thread.last_number) == (4, 3, 4)
    assert thread.last_post.author == other_member
    other_member.refresh_from_db()
    assert other_member.post_count == 3


def test_the_recount_command_tries_again_when_postgresql_ends_it_to_break_a_deadlock(monkeypatch):
    from django.db import OperationalError

    from forum.management.commands import recount as command

    tries = []

    def deadlocked_once():
        tries.append(1)
        if len(tries) == 1:
            cause = Exception("deadlock detected")
            cause.sqlstate = "40P01"  # what psycopg's DeadlockDetected carries
            raise OperationalError("deadlock detected") from cause
        return {"threads": 0, "forums": 0, "members": 0}

    monkeypatch.setattr(command, "recount", deadlocked_once)
    assert command.recount_retried() == {"threads": 0, "forums": 0, "members": 0}
    assert len(tries) == 2


def test_the_recount_command_passes_on_database_errors_other_than_a_deadlock(monkeypatch):
    from django.db import OperationalError

    from forum.management.commands import recount as command

    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(command, "recount", broken)
    with pytest.raises(OperationalError):
        command.recount_retried()
