"""Reply mail as durable tasks: enqueued with the reply, sent at most once, retried, visible."""

import os
import re
import select
import signal
import subprocess
import sys
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from config.tasks import requeue_stuck_tasks
from following.models import Notification, Subscription
from following.notifications import notify_subscribers, send_reply_mail
from forum import actions
from forum.models import Post
from tests.conftest import make_member

SEND = "following.notifications.send_reply_mail"


@pytest.fixture
def follower(thread):
    """A member who replied to `thread`, and so follows it (its author follows it too)."""
    member = make_member("Follower")
    actions.add_reply(thread=thread, author=member, body="Following along")
    return member


def recipients(outbox):
    return sorted(message.to[0] for message in outbox)


def test_a_reply_is_mailed_by_the_worker_only_once_its_transaction_commits(
    run_tasks, thread, follower, other_member
):
    DBTaskResult.objects.all().delete()  # the fixtures' own notification tasks
    mail.outbox.clear()
    actions.add_reply(thread=thread, author=other_member, body="Committed")
    assert mail.outbox == []  # nothing is sent from the request
    # the followers' mail, and the bell's notices (community.notices)
    assert DBTaskResult.objects.ready().count() == 2
    run_tasks()
    assert recipients(mail.outbox) == ["follower@example.com", "member_one@example.com"]
    assert Notification.objects.filter(sent_at__isnull=False).count() == 2


def test_a_rolled_back_reply_enqueues_and_sends_nothing(run_tasks, thread, follower, other_member):
    DBTaskResult.objects.all().delete()
    mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_reply(thread=thread, author=other_member, body="Rolled back")
        raise RuntimeError("the request failed after the reply was written")
    assert not Post.objects.filter(body="Rolled back").exists()
    assert not DBTaskResult.objects.exists()
    assert run_tasks() == 0
    assert mail.outbox == []


def test_a_notification_task_that_runs_twice_mails_once(run_tasks, thread, follower, other_member):
    DBTaskResult.objects.all().delete()
    mail.outbox.clear()
    post = actions.add_reply(thread=thread, author=other_member, body="Twice")
    run_tasks()
    subscription = Subscription.objects.get(user=follower, thread=thread)
    # A worker killed after sending, before recording it: the same task runs again.
    assert send_reply_mail.call(post.pk, subscription.pk) == "not sent: already sent"
    Subscription.objects.update(notified_at=None)  # even a second fan-out of the same post
    assert notify_subscribers(post.pk) == 2
    run_tasks()
    assert recipients(mail.outbox) == ["follower@example.com", "member_one@example.com"]
    assert Notification.objects.filter(post=post).count() == 2


def test_a_failed_send_is_retried_with_backoff_then_kept_as_failed_for_superusers(
    run_tasks, settings, mail_server_down, thread, follower, other_member, client
):
    settings.BOARD_MAIL_ATTEMPTS = 3
    settings.BOARD_MAIL_RETRY_SECONDS = 60
    DBTaskResult.objects.all().delete()
    Subscription.objects.filter(user=follower).delete()  # one recipient: the thread's author
    post = actions.add_reply(thread=thread, author=other_member, body="Nobody hears")
    run_tasks()
    for attempt in (2, 3):
        waiting = DBTaskResult.objects.get(status="READY")
        assert waiting.args_kwargs == {"args": [post.pk, waiting.args_kwargs["args"][1]],
                                       "kwargs": {"attempt": attempt}}  # fmt: skip
        delay = (
            waiting.run_after
            - DBTaskResult.objects.filter(status="FAILED").latest("finished_at").finished_at
        )
        expected = 60 * 2 ** (attempt - 2)
        assert expected - 5 < delay.total_seconds() <= expected
        assert run_tasks() == 0  # not due yet
        DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now())
        run_tasks()
    failed = DBTaskResult.objects.filter(task_path=SEND, status="FAILED")
    assert failed.count() == 3
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert "attempt 3 of 3 failed, giving up" in failed.latest("finished_at").traceback
    assert not Notification.objects.exists()  # not sent, so no key holds a later mail back
    assert Post.objects.filter(pk=post.pk, is_removed=False).exists()  # the reply stands

    boss = User.objects.create_superuser("Boss", "boss@example.com", "a-long-pass-42")
    client.force_login(boss)
    index = client.get("/admin/").text
    assert "Task Results" in index and "Notifications" in index
    listing = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert listing.status_code == 200
    assert listing.text.count("send_reply_mail") >= 3
    last = failed.latest("finished_at")
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{last.pk}/change/")
    assert detail.status_code == 200 and "giving up" in detail.text
    client.force_login(other_member)
    assert client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 302


def test_a_worker_killed_while_sending_leaves_a_stuck_task_that_requeues_and_sends_nothing_twice(
    run_tasks, thread, follower, other_member
):
    DBTaskResult.objects.all().delete()
    post = actions.add_reply(thread=thread, author=other_member, body="Crash")
    run_tasks()
    mail.outbox.clear()
    sent = Notification.objects.get(post=post, user=follower)
    subscription = Subscription.objects.get(user=follower)
    task = DBTaskResult.objects.get(task_path=SEND, args_kwargs__args=[post.pk, subscription.pk])
    # The crash point: the mail went out and the key was written, the result never was.
    DBTaskResult.objects.filter(pk=task.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1), finished_at=None
    )
    Notification.objects.filter(pk=sent.pk).update(sent_at=None)
    assert requeue_stuck_tasks(timedelta(minutes=15)) == 1
    assert run_tasks() == 1
    assert mail.outbox == []
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.return_value == "not sent: already sent"


def mails_in(folder) -> list[str]:
    """The recipient of every mail the worker subprocess handed to its 'server'."""
    text = "".join(path.read_text() for path in folder.iterdir())
    return sorted(re.findall(r"^To: (\S+)$", text, flags=re.MULTILINE))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_killed_between_sending_and_acknowledging_never_sends_twice(
    database_tasks, tmp_path, thread, follower, other_member
):
    """Two real `db_worker` processes on the test database: the first is killed with SIGKILL
    right after the mail server took a mail, the second runs after the stuck task is put back."""
    DBTaskResult.objects.all().delete()  # the fixtures' own notification tasks
    actions.add_reply(thread=thread, author=other_member, body="Crash for real")
    database = urlsplit(os.environ["DATABASE_URL"])._replace(
        path="/" + connection.settings_dict["NAME"]
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "DATABASE_URL": database.geturl(),
        "BOARD_TEST_MAILBOX": str(tmp_path / "mailbox"),
    }
    worker = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
              "--no-reload", "--interval", "0"]  # fmt: skip
    said, told = os.pipe()
    log = (tmp_path / "worker.log").open("w")
    first = subprocess.Popen(
        worker, cwd=django_settings.BASE_DIR, env={**env, "BOARD_TEST_HANG_FD": str(told)},
        pass_fds=[told], stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    os.close(told)
    try:
        assert select.select([said], [], [], 120)[0], "the worker never sent a mail"
        assert os.read(said, 100) == b"sent\n"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        os.close(said)
    first_mail = mails_in(tmp_path / "mailbox")
    assert len(first_mail) == 1
    unacknowledged = DBTaskResult.objects.get(status="RUNNING")
    assert unacknowledged.task_path == SEND
    # The key was written before sending; its `sent_at` never was.
    assert Notification.objects.get(sent_at__isnull=True).user.email == first_mail[0]

    assert requeue_stuck_tasks(timedelta(0)) == 1
    subprocess.run(worker, cwd=django_settings.BASE_DIR, env=env, stdout=log,
                   stderr=subprocess.STDOUT, timeout=120, check=True)  # fmt: skip
    assert mails_in(tmp_path / "mailbox") == ["follower@example.com", "member_one@example.com"]
    unacknowledged.refresh_from_db()
    assert unacknowledged.status == "SUCCESSFUL"
    assert unacknowledged.return_value == "not sent: already sent"
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
