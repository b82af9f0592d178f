from django.core.management.base import BaseCommand

from forum.actions import rebuild_forum_tree, recount
from forum.pagecache import note_write


class Command(BaseCommand):
    help = (
        "Rebuilds every thread, forum and member counter and last post from the posts, and "
        "each forum's permissions in force, breadcrumbs and subforum count from the tree."
    )

    def handle(self, *args, **options):
        rebuild_forum_tree()
        changed = recount()
        note_write()
        self.stdout.write(
            "Recounted: {threads} threads, {forums} forums, {members} members changed.".format(
                **changed
            )
        )
