"""A thread's poll as its page shows it: options shared by every reader, the reader's own
choices in one query of their own."""

from django.conf import settings
from django.utils import timezone

from community.models import Poll, PollOption
from forum.pagecache import shared, thread_scope


def thread_poll(thread) -> Poll | None:
    """The thread's poll, loaded with the thread (load_thread selects it); None without one."""
    if not settings.BOARD_POLLS:
        return None
    return getattr(thread, "poll", None)


def poll_for_page(thread, user) -> Poll | None:
    """The poll with `options` (1 query, shared), `my_choices` (1 query for a member) and
    `is_over`; None when the thread has none. Percentages are of the voters."""
    poll = thread_poll(thread)
    if poll is None:
        return None
    poll.thread = thread
    poll.options_shown = shared(
        f"{thread.shared_name(thread.pk)}:poll",
        lambda: list(PollOption.objects.filter(poll=poll)),
        [thread_scope(thread.pk)],
    )
    voters = poll.voter_count or 1
    for option in poll.options_shown:
        option.percent = round(100 * option.vote_count / voters)
    poll.my_choices = set()
    if user.is_authenticated:
        poll.my_choices = set(
            PollOption.objects.filter(ballots__poll=poll, ballots__member=user).values_list(
                "pk", flat=True
            )
        )
    poll.is_over = poll.is_closed(timezone.now())
    poll.shows_form = user.is_authenticated and not poll.my_choices and not poll.is_over
    return poll
