"""The task backend most tests use: it runs each task in the test's own process, when the
board's transaction that enqueued it commits, as the worker would pick it up after the commit.

The test's own transaction never commits, so a task enqueued inside one of the board's
transactions runs only under `django_capture_on_commit_callbacks(execute=True)`; one enqueued
outside them (a password reset) runs at once. The durability tests use the database backend and
a real worker instead (the `database_tasks` and `run_tasks` fixtures).
"""

from django.db import connection, transaction
from django.tasks.backends.immediate import ImmediateBackend


class OnCommitBackend(ImmediateBackend):
    def _execute_task(self, task_result):
        in_board_transaction = any(
            not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
        )
        if in_board_transaction:
            transaction.on_commit(lambda: super(OnCommitBackend, self)._execute_task(task_result))
        else:
            super()._execute_task(task_result)
