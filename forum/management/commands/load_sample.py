from django.core.management import call_command
from django.core.management.base import BaseCommand

from forum.models import Thread
from forum.pagecache import note_write


class Command(BaseCommand):
    help = (
        "Loads the sample thread (and with --demo, the demo board and its demo logins) into an "
        "empty board. A board that already has threads is left alone, so this can run every time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true", help="Also load the demo board and demo logins."
        )

    def handle(self, *args, demo: bool, **options):
        if Thread.objects.exists():
            self.stdout.write("The board already has threads; no sample loaded.")
            return
        call_command("loaddata", "sample_thread", verbosity=0)
        self.stdout.write('Loaded the sample thread "Cardio = Back pain...".')
        if demo:
            call_command("loaddata", "demo_board", verbosity=0)
            self.stdout.write("Loaded the demo board.")
        note_write()
