"""Erases members' addresses older than BOARD_ADDRESS_DAYS, the records of expired sessions
(their device and address) and data archives whose link has expired. Run it once a day
(README.md)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import AddressRecord, DataExport, MemberSession

BATCH = 10_000  # short transactions: a big first run never holds a long lock


class Command(BaseCommand):
    help = "Erases the addresses of registrations, logins, posts and edits older than "
    "BOARD_ADDRESS_DAYS days."

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.BOARD_ADDRESS_DAYS)
        erased = 0
        while True:
            old = AddressRecord.objects.filter(created_at__lt=cutoff)
            batch = old.values_list("pk", flat=True)[:BATCH]
            deleted, _ = AddressRecord.objects.filter(pk__in=list(batch)).delete()
            erased += deleted
            if deleted < BATCH:
                break
        self.stdout.write(
            f"Erased {erased} address{'es' if erased != 1 else ''} older than "
            f"{settings.BOARD_ADDRESS_DAYS} days."
        )
        # The sessions page's rows (device and address) of sessions that have expired.
        expired = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
        forgotten, _ = MemberSession.objects.filter(last_seen_at__lt=expired).delete()
        self.stdout.write(f"Forgot {forgotten} expired session{'s' if forgotten != 1 else ''}.")
        # Data archives whose mailed link no longer works.
        stale = timezone.now() - timedelta(hours=settings.BOARD_DATA_EXPORT_HOURS)
        DataExport.objects.filter(requested_at__lt=stale).delete()
