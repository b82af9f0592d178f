"""Thread views counted exactly, whichever worker serves them."""

from django.core.cache import cache

from forum.models import Thread

SAMPLE_THREAD = "/threads/1/cardio-back-pain/"


def test_without_redis_views_served_by_different_workers_all_reach_the_thread_row(
    client, sample, settings, django_assert_num_queries
):
    settings.BOARD_VIEW_FLUSH_EVERY = 1  # the setting without REDIS_URL
    before = Thread.objects.get(pk=1).view_count
    for _ in range(3):
        # 1: the thread; 2: its posts; then the view in a transaction of its own (a savepoint
        # here): SAVEPOINT, SET LOCAL synchronous_commit, UPDATE, RELEASE
        with django_assert_num_queries(6):
            client.get(SAMPLE_THREAD)
        cache.clear()  # the next view lands on another worker, with local memory of its own
    assert Thread.objects.get(pk=1).view_count == before + 3
    assert ">3</td>" in client.get("/forums/cardio/").text


def test_two_requests_that_both_reach_the_threshold_move_every_view_once(sample, settings):
    settings.BOARD_VIEW_FLUSH_EVERY = 3
    cache.set("thread-views:1", 3)  # two more views than the row, as when a flush raced
    before = Thread.objects.get(pk=1).view_count
    Thread.add_view(1)  # the count is 4: this request moves 3 and leaves 1
    Thread.add_view(1)
    thread = Thread.objects.get(pk=1)
    Thread.pending_views([thread])
    assert thread.view_count == before + 5
