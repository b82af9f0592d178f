"""Members writing to each other and reading at the same instant, on real PostgreSQL
connections: no deadlock, consecutive numbers, exact unread counts."""

import threading

import pytest
from django.db import connection

from accounts.models import User
from messaging import actions
from messaging.models import Message, Participant
from tests.conftest import make_member


def race(*jobs) -> list[Exception]:
    start = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            start.wait(timeout=10)
            job()
        except Exception as error:  # surfaced by the caller: a thread cannot fail the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_members_writing_to_each_other_and_reading_at_once_never_deadlock():
    one, two = make_member("Racer_One"), make_member("Racer_Two")
    first = actions.start_conversation(sender=one, recipients=[two], subject="A", body="a")
    second = actions.start_conversation(sender=two, recipients=[one], subject="B", body="b")
    place = Participant.objects.select_related("conversation").get(
        user=one, conversation=second.conversation
    )
    jobs = []
    for n in range(3):
        jobs += [
            lambda n=n: actions.reply(conversation=first.conversation, sender=one, body=f"1-{n}"),
            lambda n=n: actions.reply(conversation=second.conversation, sender=two, body=f"2-{n}"),
            lambda n=n: actions.reply(conversation=first.conversation, sender=two, body=f"3-{n}"),
        ]
    jobs.append(lambda: actions.mark_read(place=place, through=1))
    assert race(*jobs) == []
    for conversation in (first.conversation, second.conversation):
        numbers = list(Message.objects.filter(conversation=conversation).values_list("number"))
        assert [n for (n,) in numbers] == list(range(1, len(numbers) + 1))
    counts_before = dict(User.objects.values_list("pk", "unread_conversation_count"))
    assert actions.recount_members() == 0, counts_before
