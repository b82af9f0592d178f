from django.core.management.base import BaseCommand

from forum.actions import recount
from forum.pagecache import note_write


class Command(BaseCommand):
    help = "Rebuilds every thread, forum and member counter and last post from the posts."

    def handle(self, *args, **options):
        changed = recount()
        note_write()
        self.stdout.write(
            "Recounted: {threads} threads, {forums} forums, {members} members changed.".format(
                **changed
            )
        )
