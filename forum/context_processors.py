from functools import cache

from django.conf import settings

from forum.moderation import held_count


def board(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "board_name": settings.BOARD_NAME,
        "shows_reputation": settings.BOARD_REPUTATION,
        "shows_thanks": settings.BOARD_THANKS,
        "shows_polls": settings.BOARD_POLLS,
        # The moderators' header shows it; asked (once) only by a page that shows it, as
        # Django's `perms` is, so the admin's pages and everyone else's cost no query.
        "moderation_queue_count": cache(lambda: held_count(user) if user is not None else None),
    }
