from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.tasks import requeue_stuck_tasks


class Command(BaseCommand):
    help = (
        "Put back in the queue the tasks a worker started and never finished (it was killed). "
        "Run it before starting the worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.BOARD_TASK_STUCK_SECONDS,
            metavar="SECONDS",
            help="Only tasks started at least this long ago (default: BOARD_TASK_STUCK_SECONDS).",
        )

    def handle(self, *args, older_than: int, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more seconds.")
        count = requeue_stuck_tasks(timedelta(seconds=older_than))
        self.stdout.write(f"Put {count} stuck task{'s' if count != 1 else ''} back in the queue.")
