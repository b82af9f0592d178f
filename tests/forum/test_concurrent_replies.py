"""Two members replying to one thread at the same instant, on real PostgreSQL connections."""

import threading

import pytest
from django.db import connection

from accounts.models import User
from forum import actions
from forum.models import Forum, Post, Thread


@pytest.mark.django_db(transaction=True)
def test_simultaneous_replies_both_land_with_consecutive_numbers_and_exact_counters():
    from django.core.management import call_command

    call_command("loaddata", "sample_thread", verbosity=0)
    members = [
        User.objects.create_user(f"Racer{n}", f"racer{n}@example.com", "a-long-pass-42")
        for n in range(8)
    ]
    start = threading.Barrier(len(members))
    errors = []

    def reply_as(member):
        try:
            start.wait(timeout=10)
            actions.add_reply(thread=Thread.objects.get(pk=1), author=member, body="Me too")
        except Exception as error:  # surfaced below: a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    racers = [threading.Thread(target=reply_as, args=(member,)) for member in members]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=30)

    assert errors == []
    numbers = sorted(Post.objects.filter(thread_id=1).values_list("number", flat=True))
    assert numbers == list(range(1, 19))
    thread = Thread.objects.get(pk=1)
    assert (thread.post_count, thread.last_number, thread.last_post.number) == (18, 18, 18)
    assert Forum.objects.get(pk=1).post_count == 18
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}
