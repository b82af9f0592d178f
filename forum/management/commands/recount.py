from django.core.management.base import BaseCommand
from django.db import OperationalError

from forum.actions import rebuild_forum_tree, recount
from forum.pagecache import note_write


class Command(BaseCommand):
    help = (
        "Rebuilds every thread, forum and member counter and last post from the posts, and "
        "each forum's permissions in force, breadcrumbs and subforum count from the tree."
    )

    def handle(self, *args, **options):
        rebuild_forum_tree()
        changed = recount_retried()
        note_write()
        self.stdout.write(
            "Recounted: {threads} threads, {forums} forums, {members} members changed.".format(
                **changed
            )
        )


def recount_retried(tries: int = 3) -> dict[str, int]:
    """recount(), again when PostgreSQL ended it to break a deadlock with a live board's writes
    (it locks every row it counts; nothing of a deadlocked try is kept)."""
    for _ in range(tries - 1):
        try:
            return recount()
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != "40P01":
                raise
    return recount()
