from functools import cache

from django.conf import settings

from forum.moderation import waiting_counts


def board(request) -> dict:
    user = getattr(request, "user", None)
    # The moderators' header shows these; asked (once, one query for both) only by a page that
    # shows them, as Django's `perms` is, so the admin's pages and everyone else's cost nothing.
    waiting = cache(lambda: waiting_counts(user) if user is not None else None)
    return {
        "board_name": settings.BOARD_NAME,
        "moderation_queue_count": lambda: None if waiting() is None else waiting()["held"],
        "open_report_count": lambda: None if waiting() is None else waiting()["reports"],
        "shows_reputation": settings.BOARD_REPUTATION,
        "shows_thanks": settings.BOARD_THANKS,
        "shows_polls": settings.BOARD_POLLS,
    }
