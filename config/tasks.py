"""Background work on Django's tasks framework, stored by django-tasks-db.

Every mail the board sends is a task written to the database in the same transaction as the
write that causes it (`manage.py db_worker` runs them), so a rolled-back write sends nothing and a
committed one survives any restart. This module holds what the apps' mail tasks share: retries
with backoff, and putting back tasks whose worker died.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import Task
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

log = logging.getLogger(__name__)


def enqueue_together(*calls: tuple[Task, tuple]) -> None:
    """Enqueues each (task, args) as task.enqueue(*args) would; on the database backend, with
    one INSERT for all (a reply writes two tasks in its transaction)."""
    backends = {task.get_backend() for task, _ in calls}
    backend = backends.pop()
    # The rows as DatabaseBackend.enqueue writes them (ids from the model's default).
    if backends or type(backend) is not DatabaseBackend or backend.options.get("id_function"):
        for task, args in calls:
            task.enqueue(*args)
        return
    rows = []
    for task, args in calls:
        backend.validate_task(task)
        rows.append(
            DBTaskResult(
                args_kwargs=normalize_json({"args": args, "kwargs": {}}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                # What the package's pre_save handler sets, which bulk_create does not call.
                run_after=task.run_after or get_date_max(),
                backend_name=backend.alias,
            )
        )
    DBTaskResult.objects.bulk_create(rows)
    for row in rows:
        task_enqueued.send(type(backend), task_result=row.task_result)


class MailNotSent(Exception):
    """An attempt at a mail failed; the message says whether another attempt follows."""


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, ...): doubling each time."""
    return timedelta(seconds=settings.BOARD_MAIL_RETRY_SECONDS * 2 ** (attempt - 1))


def schedule_retry(task: Task, *args, attempt: int) -> datetime | None:
    """Enqueues attempt `attempt + 1` of `task` after the backoff; returns when it will run, or
    None when the attempts are used up or the backend cannot run a task later (the immediate
    backend some tests use)."""
    if attempt >= settings.BOARD_MAIL_ATTEMPTS or not task.get_backend().supports_defer:
        return None
    run_after = timezone.now() + retry_delay(attempt)
    task.using(run_after=run_after).enqueue(*args, attempt=attempt + 1)
    return run_after


@contextmanager
def retried_on_failure(task: Task, *args, attempt: int) -> Iterator[None]:
    """Runs a send; when it fails, enqueues the next attempt and raises MailNotSent, so this
    attempt is kept as failed (with the mail server's answer) in the admin's task results."""
    try:
        yield
    except Exception as error:
        retry_at = schedule_retry(task, *args, attempt=attempt)
        of = f"attempt {attempt} of {settings.BOARD_MAIL_ATTEMPTS}"
        if retry_at is None:
            raise MailNotSent(f"{of} failed, giving up: {error}") from error
        raise MailNotSent(f"{of} failed, next at {retry_at:%H:%M:%S} UTC: {error}") from error


def requeue_stuck_tasks(older_than: timedelta) -> int:
    """Puts tasks back in the queue that a worker started longer than `older_than` ago and never
    finished (its worker was killed). A reply mail checks its key (following.models.Notification)
    before sending, so it never goes twice; an account mail (confirmation, password reset) may,
    which is harmless."""
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - older_than
    ).update(status=TaskResultStatus.READY, started_at=None)
