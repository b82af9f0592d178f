from django.core.management.base import BaseCommand

from community.actions import recount
from forum.pagecache import note_write


class Command(BaseCommand):
    help = (
        "Rebuilds reputation totals, unread notification counts, posts' thanks and poll counts "
        "from their rows; prints how many were wrong."
    )

    def handle(self, *args, **options):
        fixed = recount()
        note_write()
        self.stdout.write(", ".join(f"{name}: {count} fixed" for name, count in fixed.items()))
