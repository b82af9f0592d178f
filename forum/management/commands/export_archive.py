import zoneinfo
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from forum.archive import archive_of
from forum.models import Post, Thread


class Command(BaseCommand):
    help = (
        "Writes a thread as a plain-text archive, in the format import_archive reads. Removed "
        "posts keep their place with a notice for a body."
    )

    def add_arguments(self, parser):
        parser.add_argument("thread_id", type=int, help="The thread's id on this board.")
        parser.add_argument("-o", "--output", help="Write to this file instead of stdout.")
        parser.add_argument(
            "--time-zone",
            default=settings.TIME_ZONE,
            help="The zone to print times in (default: %(default)s).",
        )

    def handle(self, *args, thread_id, output, time_zone, **options):
        try:
            zone = zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"Unknown time zone: {time_zone}") from None
        thread = Thread.objects.filter(pk=thread_id).first()
        if thread is None:
            raise CommandError(f"No thread {thread_id}.")
        posts = (
            Post.objects.filter(thread=thread, is_held=False)
            .select_related("author")
            .order_by("number")
        )
        with timezone.override(zone):
            text = archive_of(thread, posts)
        if output:
            Path(output).write_text(text, encoding="utf-8", newline="")
        else:
            self.stdout.write(text, ending="")
