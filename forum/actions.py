"""Every write that touches several models, each in one transaction.

Counters and last-post pointers are written in the same transaction as the post that changes
them, with F() expressions or under the thread's row lock, so concurrent posters never lose an
update. Locks are always taken in the order thread -> forum -> member to avoid deadlocks.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import User
from forum.markup import render_bbcode
from forum.models import Forum, Post, Thread


def newer_last_post(post: Post):
    """An update that points last_post at `post` unless the row already shows a newer one."""
    is_newer = Q(last_post_at__isnull=True) | Q(last_post_at__lte=post.created_at)
    return {
        "last_post": Case(
            When(is_newer, then=Value(post.pk)),
            default=F("last_post"),
            output_field=BigIntegerField(),
        ),
        "last_post_at": Case(
            When(is_newer, then=Value(post.created_at)), default=F("last_post_at")
        ),
    }


@transaction.atomic
def create_thread(
    *, forum: Forum, author: User, title: str, body: str, created_at: datetime | None = None
) -> Post:
    """Starts a thread in `forum` with its first post; returns that post."""
    created_at = created_at or timezone.now()
    thread = Thread.objects.create(
        forum=forum,
        title=title,
        starter=author,
        created_at=created_at,
        post_count=1,
        last_number=1,
        last_post_at=created_at,
    )
    post = Post.objects.create(
        thread=thread,
        number=1,
        author=author,
        created_at=created_at,
        body=body,
        body_html=render_bbcode(body),
    )
    Thread.objects.filter(pk=thread.pk).update(first_post=post, last_post=post)
    thread.first_post = thread.last_post = post
    Forum.objects.filter(pk=forum.pk).update(
        thread_count=F("thread_count") + 1, post_count=F("post_count") + 1, **newer_last_post(post)
    )
    count_member_post(author, created_at)
    return post


@transaction.atomic
def add_reply(
    *, thread: Thread, author: User, body: str, created_at: datetime | None = None
) -> Post:
    """Adds a post at the end of `thread`; returns it with its new number."""
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    # Taken under the lock, so numbers and times rise together.
    created_at = created_at or timezone.now()
    post = Post.objects.create(
        thread=locked,
        number=locked.last_number + 1,
        author=author,
        created_at=created_at,
        body=body,
        body_html=render_bbcode(body),
    )
    Thread.objects.filter(pk=locked.pk).update(
        last_number=post.number, post_count=F("post_count") + 1, **newer_last_post(post)
    )
    if not locked.is_removed:
        Forum.objects.filter(pk=locked.forum_id).update(
            post_count=F("post_count") + 1, **newer_last_post(post)
        )
    count_member_post(author, created_at)
    return post


def count_member_post(author: User, posted_at: datetime) -> None:
    User.objects.filter(pk=author.pk).update(
        post_count=F("post_count") + 1,
        last_activity_at=Case(
            When(
                Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=posted_at),
                then=Value(posted_at),
            ),
            default=F("last_activity_at"),
        ),
    )


def count_of(posts, group_by: str) -> Subquery:
    """A correlated subquery counting `posts` for the outer row."""
    return Subquery(
        posts.order_by().values(group_by).annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


def rewrite_changed(rows, model, wanted_of) -> int:
    """Writes the counters `wanted_of(row)` says each row should have; returns how many changed."""
    changed = 0
    for row in rows:
        wanted = wanted_of(row)
        if any(getattr(row, name) != value for name, value in wanted.items()):
            model.objects.filter(pk=row.pk).update(**wanted)
            changed += 1
    return changed


@transaction.atomic
def recount(*, threads=None, forums=None, members=None) -> dict[str, int]:
    """Rebuilds counters and last-post pointers from the posts; returns how many rows changed.

    Each argument is a queryset to limit the work; None means all of that kind. The rows are
    locked while they are rewritten, so a reply cannot slip between the count and the write.
    """
    visible_posts = Post.objects.filter(is_removed=False)

    in_thread = visible_posts.filter(thread=OuterRef("pk"))
    newest_in_thread = in_thread.order_by("-number")
    threads = (Thread.objects.all() if threads is None else threads).annotate(
        real_post_count=count_of(in_thread, "thread"),
        real_last_number=Subquery(
            Post.objects.filter(thread=OuterRef("pk")).order_by("-number").values("number")[:1]
        ),
        real_first_post=Subquery(in_thread.order_by("number").values("pk")[:1]),
        real_last_post=Subquery(newest_in_thread.values("pk")[:1]),
        real_last_post_at=Subquery(newest_in_thread.values("created_at")[:1]),
    )
    changed_threads = rewrite_changed(
        threads.select_for_update(of=("self",)),
        Thread,
        lambda thread: {
            "post_count": thread.real_post_count or 0,
            "last_number": max(thread.real_last_number or 0, thread.last_number),
            "first_post_id": thread.real_first_post,
            "last_post_id": thread.real_last_post,
            "last_post_at": thread.real_last_post_at or thread.created_at,
        },
    )

    in_forum = visible_posts.filter(thread__forum=OuterRef("pk"), thread__is_removed=False)
    newest_in_forum = in_forum.order_by("-created_at", "-pk")
    forums = (Forum.objects.all() if forums is None else forums).annotate(
        real_thread_count=Subquery(
            Thread.objects.filter(forum=OuterRef("pk"), is_removed=False)
            .order_by()
            .values("forum")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        real_post_count=count_of(in_forum, "thread__forum"),
        real_last_post=Subquery(newest_in_forum.values("pk")[:1]),
        real_last_post_at=Subquery(newest_in_forum.values("created_at")[:1]),
    )
    changed_forums = rewrite_changed(
        forums.select_for_update(of=("self",)),
        Forum,
        lambda forum: {
            "thread_count": forum.real_thread_count or 0,
            "post_count": forum.real_post_count or 0,
            "last_post_id": forum.real_last_post,
            "last_post_at": forum.real_last_post_at,
        },
    )

    by_member = visible_posts.filter(author=OuterRef("pk"), thread__is_removed=False)
    members = (User.objects.all() if members is None else members).annotate(
        real_post_count=count_of(by_member, "author"),
    )
    changed_members = rewrite_changed(
        members.select_for_update(of=("self",)),
        User,
        lambda member: {"post_count": member.real_post_count or 0},
    )
    return {"threads": changed_threads, "forums": changed_forums, "members": changed_members}
