"""Every write that touches several models, each in one transaction.

Counters and last-post pointers are written in the same transaction as the post that changes
them, with F() expressions or under the thread's row lock, so concurrent posters never lose an
update. Locks are always taken in the order member -> thread -> forum to avoid deadlocks.
"""

from datetime import datetime

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
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
from following.models import subscribe
from following.notifications import enqueue_notifications
from forum.markup import render_bbcode
from forum.models import Forum, Post, PostRevision, Report, Thread


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


class PostingRefused(Exception):
    """A member may not post this; the message says why, in words for the member."""


class DuplicateSubmission(Exception):
    """The same form was submitted again: `post` is what the first submission made."""

    def __init__(self, post: Post):
        super().__init__("This form was already submitted.")
        self.post = post


def lock_poster(author: User, now: datetime, *, check_flood: bool, submission_key) -> User:
    """Locks the member's row, so that a form sent twice at once, or a flood of posts, is
    caught by whichever submission comes second."""
    locked = User.objects.select_for_update().get(pk=author.pk)
    refuse_duplicate(submission_key)
    if locked.is_under_ban:
        raise PostingRefused(locked.ban_message())
    if not locked.may_post:
        raise PostingRefused(
            "Confirm your email address before posting: follow the link we mailed you "
            "(a new one: /accounts/confirm-again/)."
        )
    wait = locked.seconds_until_may_post(now) if check_flood else 0
    if wait:
        raise PostingRefused(
            f"You posted a moment ago: please wait {wait} more second{'s' if wait != 1 else ''} "
            "before posting again."
        )
    return locked


def refuse_duplicate(submission_key) -> None:
    if submission_key is None:
        return
    earlier = Post.objects.filter(submission_key=submission_key).select_related("thread").first()
    if earlier is not None:
        raise DuplicateSubmission(earlier)


def new_post(*, thread: Thread, number: int, author: User, body: str, created_at, key) -> Post:
    return Post.objects.create(
        thread=thread,
        number=number,
        author=author,
        created_at=created_at,
        body=body,
        body_html=render_bbcode(body),
        submission_key=key,
    )


@transaction.atomic
def create_thread(
    *,
    forum: Forum,
    author: User,
    title: str,
    body: str,
    created_at: datetime | None = None,
    submission_key=None,
) -> Post:
    """Starts a thread in `forum` with its first post; returns that post.

    Raises PostingRefused (flood control, unconfirmed email) or DuplicateSubmission.
    """
    archived = created_at is not None  # imports and fixtures: no flood control, no mail
    now = timezone.now()
    poster = lock_poster(author, now, check_flood=not archived, submission_key=submission_key)
    created_at = created_at or now
    thread = Thread.objects.create(
        forum=forum,
        title=title,
        starter=author,
        created_at=created_at,
        post_count=1,
        last_number=1,
        last_post_at=created_at,
    )
    post = new_post(
        thread=thread, number=1, author=author, body=body, created_at=created_at, key=submission_key
    )
    Thread.objects.filter(pk=thread.pk).update(first_post=post, last_post=post)
    thread.first_post = thread.last_post = post
    if not archived:
        if poster.subscribe_on_reply:
            subscribe(author, thread=thread)
        enqueue_notifications(post)
    Forum.objects.filter(pk=forum.pk).update(
        thread_count=F("thread_count") + 1, post_count=F("post_count") + 1, **newer_last_post(post)
    )
    count_member_post(author, created_at)
    return post


@transaction.atomic
def add_reply(
    *,
    thread: Thread,
    author: User,
    body: str,
    created_at: datetime | None = None,
    submission_key=None,
) -> Post:
    """Adds a post at the end of `thread`; returns it with its new number.

    Raises PostingRefused (closed thread, flood control ...) or DuplicateSubmission.
    """
    archived = created_at is not None  # imports and fixtures: no flood control, no mail
    poster = lock_poster(
        author, timezone.now(), check_flood=not archived, submission_key=submission_key
    )
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    refusal = locked.refusal_to_reply(poster)
    if refusal:
        raise PostingRefused(refusal)
    # Taken under the lock, so numbers and times rise together.
    created_at = created_at or timezone.now()
    post = new_post(
        thread=locked,
        number=locked.last_number + 1,
        author=author,
        body=body,
        created_at=created_at,
        key=submission_key,
    )
    Thread.objects.filter(pk=locked.pk).update(
        last_number=post.number, post_count=F("post_count") + 1, **newer_last_post(post)
    )
    if not locked.is_removed:
        Forum.objects.filter(pk=locked.forum_id).update(
            post_count=F("post_count") + 1, **newer_last_post(post)
        )
    count_member_post(author, created_at)
    if not archived:
        if poster.subscribe_on_reply:
            subscribe(author, thread=locked)
        enqueue_notifications(post)
    return post


@transaction.atomic
def edit_post(*, post: Post, editor: User, body: str) -> Post:
    """Replaces a post's text, keeping the old text as a revision."""
    locked = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    now = timezone.now()
    if not locked.may_be_edited_by(editor, now):
        raise PostingRefused("You may no longer edit this post.")
    if body == locked.body:
        return locked
    PostRevision.objects.create(
        post=locked,
        body=locked.body,
        written_at=locked.edited_at or locked.created_at,
        replaced_at=now,
        replaced_by=editor,
    )
    locked.body, locked.body_html = body, render_bbcode(body)
    locked.edited_at, locked.edited_by = now, editor
    locked.save(update_fields=["body", "body_html", "edited_at", "edited_by"])
    return locked


def count_member_post(author: User, posted_at: datetime) -> None:
    User.objects.filter(pk=author.pk).update(
        post_count=F("post_count") + 1,
        last_posted_at=Case(
            When(
                Q(last_posted_at__isnull=True) | Q(last_posted_at__lt=posted_at),
                then=Value(posted_at),
            ),
            default=F("last_posted_at"),
        ),
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


# Moderation. Each action checks, on the server, that the moderator moderates the forum it
# touches, writes one admin LogEntry saying who did what to which object and why, and fixes
# the counters it changes with recount() in the same transaction. Nothing is hard-deleted.

RENUMBER_OFFSET = 1_000_000_000  # post numbers stay far below this


class ModerationRefused(PermissionDenied):
    """The user may not do this moderation step; the message says why."""


def require_moderator(user: User, forum_id: int) -> None:
    if not (user.is_authenticated and user.is_active and user.moderates(forum_id)):
        raise ModerationRefused("You do not moderate this forum.")


def log_moderation(*, moderator: User, obj, message: str, reason: str = "") -> LogEntry:
    """Records the step in the admin's history (LogEntry), with the reason, for superusers."""
    if reason:
        message = f"{message} Reason: {reason}"
    return LogEntry.objects.create(
        user_id=moderator.pk,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=CHANGE,
        change_message=message,
    )


def locked_thread(thread: Thread, moderator: User) -> Thread:
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    require_moderator(moderator, locked.forum_id)
    return locked


def recount_threads(thread_ids, forum_ids) -> None:
    """Fixes the counters of these threads, their forums and the members who posted in them."""
    threads = Thread.objects.filter(pk__in=list(thread_ids))
    recount(
        threads=threads,
        forums=Forum.objects.filter(pk__in=list(forum_ids)),
        members=User.objects.filter(
            pk__in=Post.objects.filter(thread__in=list(thread_ids)).values("author")
        ),
    )


@transaction.atomic
def lock_thread(
    *, thread: Thread, moderator: User, locked: bool = True, reason: str = ""
) -> Thread:
    """Closes a thread to new replies (or opens it again)."""
    thread = locked_thread(thread, moderator)
    Thread.objects.filter(pk=thread.pk).update(is_locked=locked)
    thread.is_locked = locked
    log_moderation(
        moderator=moderator, obj=thread, message="Closed." if locked else "Opened.", reason=reason
    )
    return thread


@transaction.atomic
def stick_thread(
    *, thread: Thread, moderator: User, sticky: bool = True, reason: str = ""
) -> Thread:
    """Pins a thread to the top of its forum (or unpins it)."""
    thread = locked_thread(thread, moderator)
    Thread.objects.filter(pk=thread.pk).update(is_sticky=sticky)
    thread.is_sticky = sticky
    log_moderation(
        moderator=moderator, obj=thread, message="Stuck." if sticky else "Unstuck.", reason=reason
    )
    return thread


@transaction.atomic
def move_thread(*, thread: Thread, moderator: User, to_forum: Forum, reason: str = "") -> Thread:
    """Moves a thread to another forum; both forums' counters are rebuilt."""
    thread = locked_thread(thread, moderator)
    from_forum_id = thread.forum_id
    if from_forum_id == to_forum.pk:
        return thread
    Thread.objects.filter(pk=thread.pk).update(forum=to_forum)
    thread.forum = to_forum
    recount(
        threads=Thread.objects.none(),
        forums=Forum.objects.filter(pk__in=[from_forum_id, to_forum.pk]),
        members=User.objects.none(),
    )
    log_moderation(
        moderator=moderator,
        obj=thread,
        message=f"Moved from forum {from_forum_id} to {to_forum.pk} ({to_forum.name}).",
        reason=reason,
    )
    return thread


@transaction.atomic
def remove_thread(*, thread: Thread, moderator: User, reason: str) -> Thread:
    """Hides a thread (soft): members no longer see it; moderators still do."""
    thread = locked_thread(thread, moderator)
    now = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(
        is_removed=True, removed_at=now, removed_by=moderator, removed_reason=reason
    )
    thread.is_removed, thread.removed_at, thread.removed_reason = True, now, reason
    recount_threads([thread.pk], [thread.forum_id])
    log_moderation(moderator=moderator, obj=thread, message="Removed thread.", reason=reason)
    return thread


@transaction.atomic
def restore_thread(*, thread: Thread, moderator: User, reason: str = "") -> Thread:
    thread = locked_thread(thread, moderator)
    Thread.objects.filter(pk=thread.pk).update(
        is_removed=False, removed_at=None, removed_by=None, removed_reason="", merged_into=None
    )
    thread.is_removed = False
    recount_threads([thread.pk], [thread.forum_id])
    log_moderation(moderator=moderator, obj=thread, message="Restored thread.", reason=reason)
    return thread


@transaction.atomic
def remove_post(*, post: Post, moderator: User, reason: str) -> Post:
    """Hides a post (soft); its number stays taken. Removing post #1 removes the thread."""
    thread = locked_thread(post.thread, moderator)
    post = Post.objects.select_for_update().get(pk=post.pk)
    post.thread = thread
    if post.number == 1:
        remove_thread(thread=thread, moderator=moderator, reason=reason)
        return post
    now = timezone.now()
    Post.objects.filter(pk=post.pk).update(
        is_removed=True, removed_at=now, removed_by=moderator, removed_reason=reason
    )
    post.is_removed, post.removed_at, post.removed_reason = True, now, reason
    recount(
        threads=Thread.objects.filter(pk=thread.pk),
        forums=Forum.objects.filter(pk=thread.forum_id),
        members=User.objects.filter(pk=post.author_id),
    )
    log_moderation(moderator=moderator, obj=post, message="Removed post.", reason=reason)
    return post


@transaction.atomic
def restore_post(*, post: Post, moderator: User, reason: str = "") -> Post:
    thread = locked_thread(post.thread, moderator)
    Post.objects.filter(pk=post.pk).update(
        is_removed=False, removed_at=None, removed_by=None, removed_reason=""
    )
    post.is_removed = False
    recount(
        threads=Thread.objects.filter(pk=thread.pk),
        forums=Forum.objects.filter(pk=thread.forum_id),
        members=User.objects.filter(pk=post.author_id),
    )
    log_moderation(moderator=moderator, obj=post, message="Restored post.", reason=reason)
    return post


def renumber(thread_id: int) -> int:
    """Numbers a thread's posts 1, 2, 3 ... by time; returns the last number.

    The posts are first lifted out of the way, so the unique (thread, number) constraint,
    checked row by row, never sees two posts with one number.
    """
    posts = Post.objects.filter(thread_id=thread_id)
    posts.filter(number__lt=RENUMBER_OFFSET).update(number=F("number") + RENUMBER_OFFSET)
    ids = list(posts.order_by("created_at", "pk").values_list("pk", flat=True))
    Post.objects.bulk_update(
        [Post(pk=pk, number=number) for number, pk in enumerate(ids, start=1)],
        ["number"],
        batch_size=1000,
    )
    Thread.objects.filter(pk=thread_id).update(last_number=len(ids))
    return len(ids)


@transaction.atomic
def merge_threads(*, source: Thread, target: Thread, moderator: User, reason: str = "") -> Thread:
    """Moves every post of `source` into `target`, numbered by time; `source` is removed and
    points to `target`. The moderator must moderate both forums."""
    if source.pk == target.pk:
        raise ModerationRefused("A thread cannot be merged into itself.")
    first, second = sorted([source.pk, target.pk])
    locked = {t.pk: t for t in Thread.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked[source.pk], locked[target.pk]
    require_moderator(moderator, source.forum_id)
    require_moderator(moderator, target.forum_id)
    Post.objects.filter(thread=source).update(
        thread=target, number=F("number") + 2 * RENUMBER_OFFSET
    )
    renumber(target.pk)
    now = timezone.now()
    Thread.objects.filter(pk=source.pk).update(
        is_removed=True,
        removed_at=now,
        removed_by=moderator,
        removed_reason=f"Merged into thread {target.pk}. {reason}".strip(),
        merged_into=target,
        last_number=0,
    )
    recount_threads([source.pk, target.pk], {source.forum_id, target.forum_id})
    log_moderation(
        moderator=moderator, obj=source, message=f"Merged into thread {target.pk}.", reason=reason
    )
    log_moderation(
        moderator=moderator, obj=target, message=f"Thread {source.pk} merged in.", reason=reason
    )
    target.refresh_from_db()
    return target


@transaction.atomic
def split_posts(
    *, thread: Thread, numbers: list[int], moderator: User, title: str, reason: str = ""
) -> Thread:
    """Moves the posts with these numbers into a new thread in the same forum; both threads
    are numbered afresh by time. Returns the new thread."""
    thread = locked_thread(thread, moderator)
    moving = Post.objects.filter(thread=thread, number__in=set(numbers))
    earliest = moving.order_by("created_at", "pk").first()
    if earliest is None:
        raise ModerationRefused("Choose the posts to split off.")
    if not Post.objects.filter(thread=thread).exclude(pk__in=moving.values("pk")).exists():
        raise ModerationRefused("At least one post must stay in the thread.")
    new = Thread.objects.create(
        forum_id=thread.forum_id,
        title=title,
        starter_id=earliest.author_id,
        created_at=earliest.created_at,
    )
    moving.update(thread=new, number=F("number") + RENUMBER_OFFSET)
    renumber(new.pk)
    renumber(thread.pk)
    recount_threads([thread.pk, new.pk], [thread.forum_id])
    log_moderation(
        moderator=moderator,
        obj=thread,
        message=f"Split {len(set(numbers))} posts off into thread {new.pk}.",
        reason=reason,
    )
    new.refresh_from_db()
    return new


def require_global_moderator(user: User, member: User) -> None:
    if not (user.is_authenticated and user.is_active and user.moderated_forum_ids is None):
        raise ModerationRefused("Only moderators of the whole board ban members.")
    if (member.is_staff or member.is_superuser) and not user.is_superuser:
        raise ModerationRefused("Only a superuser bans staff.")


@transaction.atomic
def ban_member(*, member: User, moderator: User, reason: str, ends_at: datetime | None = None):
    """Bans a member until `ends_at` (None: until lifted). They can no longer log in or post;
    their posts stay. A ban with an end date expires by itself."""
    from accounts.models import Ban

    member = User.objects.select_for_update().get(pk=member.pk)
    require_global_moderator(moderator, member)
    now = timezone.now()
    Ban.objects.filter(member=member, lifted_at=None).update(lifted_at=now, lifted_by=moderator)
    ban = Ban.objects.create(
        member=member, reason=reason, ends_at=ends_at, created_by=moderator, created_at=now
    )
    User.objects.filter(pk=member.pk).update(
        is_banned=True, banned_until=ends_at, ban_reason=reason
    )
    until = f"until {ends_at:%Y-%m-%d %H:%M} UTC" if ends_at else "until lifted"
    log_moderation(moderator=moderator, obj=member, message=f"Banned {until}.", reason=reason)
    return ban


@transaction.atomic
def unban_member(*, member: User, moderator: User, reason: str = "") -> User:
    from accounts.models import Ban

    member = User.objects.select_for_update().get(pk=member.pk)
    require_global_moderator(moderator, member)
    Ban.objects.filter(member=member, lifted_at=None).update(
        lifted_at=timezone.now(), lifted_by=moderator
    )
    User.objects.filter(pk=member.pk).update(is_banned=False, banned_until=None, ban_reason="")
    member.is_banned, member.banned_until, member.ban_reason = False, None, ""
    log_moderation(moderator=moderator, obj=member, message="Ban lifted.", reason=reason)
    return member


@transaction.atomic
def report_post(*, post: Post, reporter: User, reason: str) -> Report:
    """A member tells the moderators about a post; a second report while one is open is the
    same report."""
    if not reporter.is_authenticated or not reporter.is_active or reporter.is_under_ban:
        raise PermissionDenied("Log in to report a post.")
    User.objects.select_for_update().get(pk=reporter.pk)  # one open report per member and post
    existing = Report.objects.open().filter(post=post, reporter=reporter).first()
    if existing is not None:
        return existing
    report = Report.objects.create(post=post, reporter=reporter, reason=reason)
    log_moderation(moderator=reporter, obj=report, message="Reported post.", reason=reason)
    return report


@transaction.atomic
def resolve_report(
    *, report: Report, moderator: User, remove_post_too: bool = False, reason: str = ""
) -> Report:
    """Closes a report; with `remove_post_too`, removes the reported post in the same step
    (and closes every other open report on it)."""
    report = Report.objects.select_for_update().select_related("post__thread").get(pk=report.pk)
    require_moderator(moderator, report.post.thread.forum_id)
    now = timezone.now()
    reports = Report.objects.filter(pk=report.pk)
    if remove_post_too:
        remove_post(post=report.post, moderator=moderator, reason=reason or report.reason)
        reports = Report.objects.filter(post=report.post, is_open=True)
    reports.update(is_open=False, resolved_at=now, resolved_by=moderator)
    report.is_open, report.resolved_at, report.resolved_by = False, now, moderator
    log_moderation(
        moderator=moderator,
        obj=report,
        message="Resolved and removed the post." if remove_post_too else "Resolved.",
        reason=reason,
    )
    return report
