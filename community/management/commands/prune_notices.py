"""Deletes read notices older than BOARD_NOTICE_DAYS and "Moved:" stubs past their end. Run it
once a day (README.md, "Maintenance commands")."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from community.models import MovedStub, Notice

BATCH = 10_000  # short transactions: a big first run never holds a long lock


def delete_in_batches(rows) -> int:
    deleted = 0
    while True:
        batch = list(rows.values_list("pk", flat=True)[:BATCH])
        count, _ = rows.model.objects.filter(pk__in=batch).delete()
        deleted += count
        if count < BATCH:
            return deleted


class Command(BaseCommand):
    help = (
        "Deletes read notifications older than BOARD_NOTICE_DAYS days (0: keeps them) and "
        '"Moved:" stubs whose time is over.'
    )

    def handle(self, *args, **options):
        now = timezone.now()
        days = settings.BOARD_NOTICE_DAYS
        # Unread notices stay whatever their age: the bell counts them.
        old = Notice.objects.none()
        if days:
            old = Notice.objects.filter(is_read=True, created_at__lt=now - timedelta(days=days))
        notices = delete_in_batches(old)
        # Forum lists show only live stubs (MovedStub.objects.live_in): no page changes.
        stubs = delete_in_batches(MovedStub.objects.filter(expires_at__lte=now))
        self.stdout.write(
            f"Deleted {notices} read notification{'s' if notices != 1 else ''} older than "
            f"{days} days and {stubs} expired moved stub{'s' if stubs != 1 else ''}."
        )
