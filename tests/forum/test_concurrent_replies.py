"""Two members replying to one thread at the same instant, on real PostgreSQL connections."""

import pytest

from accounts.models import User
from forum import actions
from forum.models import Forum, Post, Thread


@pytest.mark.django_db(transaction=True)
def test_simultaneous_replies_both_land_with_consecutive_numbers_and_exact_counters(at_once):
    from django.core.management import call_command

    call_command("loaddata", "sample_thread", verbosity=0)
    members = [
        User.objects.create_user(f"Racer{n}", f"racer{n}@example.com", "a-long-pass-42")
        for n in range(8)
    ]

    def reply_as(member):
        actions.add_reply(thread=Thread.objects.get(pk=1), author=member, body="Me too")

    errors = at_once([lambda member=member: reply_as(member) for member in members])
    assert errors == []
    numbers = sorted(Post.objects.filter(thread_id=1).values_list("number", flat=True))
    assert numbers == list(range(1, 19))
    thread = Thread.objects.get(pk=1)
    assert (thread.post_count, thread.last_number, thread.last_post.number) == (18, 18, 18)
    assert Forum.objects.get(pk=1).post_count == 18
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}
