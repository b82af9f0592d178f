import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from following.models import ForumRead, Subscription, ThreadRead
from forum import actions
from forum.models import Post, Thread

TINY = ["--members", "20", "--threads", "3", "--posts", "200", "--hot-posts", "100"]


def generate(*extra: str) -> None:
    call_command("generate_bench_board", *TINY, "--no-progress", *extra, stdout=None)


def board_text() -> tuple[list, list]:
    titles = list(Thread.objects.order_by("pk").values_list("title", "post_count"))
    bodies = list(Post.objects.order_by("pk").values_list("thread_id", "number", "body"))
    return titles, bodies


@pytest.mark.django_db
def test_the_same_seed_generates_the_same_titles_and_bodies():
    generate("--seed", "7")
    first = board_text()
    generate("--seed", "7", "--force")
    assert board_text() == first
    generate("--seed", "8", "--force")
    assert board_text()[0] != first[0]


@pytest.mark.django_db
def test_the_generated_board_has_the_asked_sizes_and_a_hot_thread():
    generate()
    assert (User.objects.count(), Thread.objects.count(), Post.objects.count()) == (20, 3, 200)
    hot = Thread.objects.order_by("-post_count").first()
    assert hot.post_count == hot.last_number == 100
    numbers = sorted(hot.posts.values_list("number", flat=True))
    assert numbers == list(range(1, 101))
    # Post times rise with their numbers, as replies do.
    times = list(hot.posts.order_by("number").values_list("created_at", flat=True))
    assert times == sorted(times)
    assert Post.objects.filter(body__icontains="[quote=").exists()
    assert not Post.objects.filter(body_html="").exists()


@pytest.mark.django_db
def test_every_counter_is_exact_so_recount_changes_nothing():
    generate()
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}


@pytest.mark.django_db
def test_members_have_read_marks_some_partial_and_subscriptions():
    generate()
    marks = ThreadRead.objects.select_related("thread")
    assert marks.count() >= 20
    assert any(mark.last_read_number == mark.thread.last_number for mark in marks)
    assert any(mark.last_read_number < mark.thread.last_number for mark in marks)
    assert Subscription.objects.exists()
    assert ForumRead.objects.count() >= 0  # a few members mark forums read; may be none here


@pytest.mark.django_db
def test_posts_are_searchable_right_after_generation():
    generate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM forum_post WHERE search_vector IS NULL")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_a_board_that_is_not_empty_is_refused_without_force(member):
    with pytest.raises(CommandError, match="not empty"):
        generate()
    assert Post.objects.count() == 0
    generate("--force")
    assert not User.objects.filter(pk=member.pk, username=member.username).exists()
    assert Post.objects.count() == 200
