"""forum's part of a member's data (accounts.personal_data): their posts and threads, the posts
they reported and the warnings they were given; and what erasing them does to posts.

Erasure keeps the posts (a thread whose middle replies vanish stops making sense; vBulletin
and Discourse keep them too) under "Former member #N", unless BOARD_ERASURE_REMOVES_POSTS: then
their posts are removed in place, their text and earlier versions wiped. Either way the quotes
other members made of them keep their text; only the name in the quote's heading ("Originally
Posted by ...") becomes the new one, since it is the member's name.
"""

import re
from collections import defaultdict

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.personal_data import register, stamp
from forum.archive import REMOVED_TEXT, ArchivedPost, format_archive
from forum.models import Infraction, Post, PostRevision, Report, Thread

ERASED_REASON = "Erased with its author's account."


def export_forum(member: User) -> dict:
    posts = Post.objects.filter(author=member).select_related("thread").order_by("pk")
    return {
        "threads_started": [
            {"id": thread.pk, "title": thread.title, "created_at": stamp(thread.created_at)}
            for thread in Thread.objects.filter(starter=member).order_by("pk")
        ],
        "posts": [
            {
                "id": post.pk,
                "thread": post.thread_id,
                "thread_title": post.thread.title,
                "number": post.number,
                "created_at": stamp(post.created_at),
                "edited_at": stamp(post.edited_at),
                "body": post.body,
                "removed": post.is_removed,
                "held": post.is_held,
            }
            for post in posts
        ],
        "reports_made": [
            {"post": report.post_id, "reason": report.reason, "at": stamp(report.created_at)}
            for report in Report.objects.filter(reporter=member).order_by("pk")
        ],
        "infractions": [
            {
                "post": row.post_id,
                "points": row.points,
                "reason": row.reason,
                "at": stamp(row.created_at),
                "reversed_at": stamp(row.reversed_at),
            }
            for row in Infraction.objects.filter(member=member).order_by("pk")
        ],
    }


def post_archive_files(member: User) -> dict[str, str]:
    """One plain-text archive per thread (forum.archive's format), holding the member's posts
    in it, as the board's own thread download does."""
    by_thread = defaultdict(list)
    threads = {}
    posts = Post.objects.filter(author=member).select_related("thread").order_by("created_at", "pk")
    for post in posts:
        threads[post.thread_id] = post.thread
        by_thread[post.thread_id].append(
            ArchivedPost(
                member.username,
                timezone.localtime(post.created_at).replace(tzinfo=None),
                REMOVED_TEXT if post.is_removed else post.body,
            )
        )
    return {
        f"posts/{thread_id}-{slugify(threads[thread_id].title)[:50] or 'thread'}.txt": (
            format_archive(threads[thread_id].title, archived)
        )
        for thread_id, archived in by_thread.items()
    }


def erase_forum(member: User, old_username: str) -> None:
    rename_quotes(member, old_username, f"Former member #{member.pk}")
    if settings.BOARD_ERASURE_REMOVES_POSTS:
        remove_posts(member)


def rename_quotes(member: User, old_name: str, new_name: str) -> int:
    """[QUOTE=old_name;id] (and [QUOTE=old_name]) in anyone's posts name the new name; the
    quoted text stays. Returns how many posts changed."""
    from forum.actions import post_html

    return rename_quotes_in(Post.objects.all(), old_name, new_name, render=post_html)


def rename_quotes_in(rows, old_name: str, new_name: str, *, render) -> int:
    """The quotes of `old_name` in the `body` of `rows` (posts, private messages) name the new
    name, `body_html` rendered again with `render`. Returns how many rows changed."""
    pattern = re.compile(
        r"\[quote=(\s*&quot;|\s*\"?)?\s*"
        + re.escape(old_name)
        + r"\s*(\"|&quot;)?\s*(;\s*\d{1,18})?\]",
        re.IGNORECASE,
    )
    changed = []
    for row in rows.filter(body__icontains=f"[quote={old_name}").only("pk", "body"):
        body = pattern.sub(lambda match: f"[QUOTE={new_name}{match.group(3) or ''}]", row.body)
        if body != row.body:
            row.body, row.body_html = body, render(body)
            changed.append(row)
    rows.model.objects.bulk_update(changed, ["body", "body_html"], batch_size=500)
    return len(changed)


def remove_posts(member: User) -> None:
    from community.actions import recount_notices_about
    from forum.actions import recount_threads

    posts = Post.objects.filter(author=member)
    recount_notices_about(posts=posts.values("pk"))  # their mentions and quotes of others
    thread_ids = set(posts.values_list("thread_id", flat=True))
    PostRevision.objects.filter(post__author=member).delete()
    posts.update(
        body="",
        body_html="",
        is_removed=True,
        removed_at=timezone.now(),
        removed_reason=ERASED_REASON,
    )
    forum_ids = Thread.objects.filter(pk__in=thread_ids).values_list("forum_id", flat=True)
    recount_threads(thread_ids, set(forum_ids))


register("forum", export=export_forum, files=post_archive_files, erase=erase_forum)
