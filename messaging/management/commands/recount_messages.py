from django.core.management.base import BaseCommand

from messaging.actions import recount_members


class Command(BaseCommand):
    help = (
        "Rebuilds each member's unread conversation count and the copy of their ignore list "
        "from the rows they summarise; prints how many members changed."
    )

    def handle(self, *args, **options):
        changed = recount_members()
        self.stdout.write(f"{changed} member{'s' if changed != 1 else ''} changed.")
