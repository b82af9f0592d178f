"""Every write that touches several models, each in one transaction.

Counters and last-post pointers are written in the same transaction as the post that changes
them, with F() expressions or under the thread's row lock, so concurrent posters never lose an
update. Locks are always taken in the order member -> thread -> forum to avoid deadlocks.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import AddressBan, AddressRecord, EmailDomainBan, User
from community.actions import recount_notices_about
from community.mentions import link_mentions, mentioned_members
from community.models import MovedStub, Notice
from community.notices import notify_about_post
from config.tasks import enqueue_together
from following.models import subscribe
from following.notifications import notify_followers
from forum import pagecache
from forum.mail import send_infraction_mail
from forum.markup import count_outside_links, render_bbcode
from forum.models import (
    AWAITING,
    BUILT_IN_AUDIENCES,
    GUESTS,
    MODERATORS,
    PERMISSIONS,
    READ,
    REGISTERED,
    SEE,
    Announcement,
    Forum,
    ForumPermission,
    Infraction,
    InfractionLevel,
    Post,
    PostRevision,
    Report,
    SpammerCleanup,
    Thread,
    access_tokens,
)
from forum.pagecache import note_write


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


def lock_poster(
    author: User, now: datetime, *, check_flood: bool, submission_key, address: str | None = None
) -> User:
    """Locks the member's row, so that a form sent twice at once, or a flood of posts, is
    caught by whichever submission comes second. The bans that may refuse the member are
    looked up in the same statement (refuse_banned_poster)."""
    locked = (
        User.objects.select_for_update(of=("self",))
        .annotate(
            address_bans_in_force=Exists(AddressBan.objects.in_force()),
            email_domain_ban_id=Subquery(
                EmailDomainBan.objects.on_domain_of(author.email).values("pk")[:1]
            ),
            ban_checked_email=Value(author.email),
        )
        .get(pk=author.pk)
    )
    # After the lock, in a statement of its own: it must see what an earlier submission of
    # the same form committed while this one waited for the lock.
    refuse_duplicate(submission_key)
    if locked.is_under_ban:
        raise PostingRefused(locked.ban_message())
    refuse_banned_poster(locked, address)
    if not locked.may_post:
        raise PostingRefused(
            _(
                "Confirm your email address before posting: follow the link we mailed you "
                "(a new one: /accounts/confirm-again/)."
            )
        )
    wait = locked.seconds_until_may_post(now) if check_flood else 0
    if wait:
        raise PostingRefused(
            ngettext(
                "You posted a moment ago: please wait %(wait)d more second before posting again.",
                "You posted a moment ago: please wait %(wait)d more seconds before posting again.",
                wait,
            )
            % {"wait": wait}
        )
    return locked


def refuse_banned_poster(member: User, address: str | None) -> None:
    """Address (range) and email domain bans (accounts.AddressBan, EmailDomainBan); staff are
    never refused by them, so a moderator behind a banned network can still clean up."""
    if member.is_staff:
        return
    ban = address_ban_of(member, address) or email_domain_ban_of(member)
    if ban is not None:
        raise PostingRefused(ban.refusal())


def address_ban_of(member: User, address: str | None) -> AddressBan | None:
    # lock_poster's member says whether any address ban is in force: usually none, no query.
    if getattr(member, "address_bans_in_force", True):
        return AddressBan.objects.covering(address)
    return None


def email_domain_ban_of(member: User) -> EmailDomainBan | None:
    # lock_poster's member carries the ban on the email it was locked with, if any.
    if getattr(member, "ban_checked_email", None) != member.email:
        return EmailDomainBan.objects.covering(member.email)
    if member.email_domain_ban_id is None:
        return None
    return EmailDomainBan.objects.filter(pk=member.email_domain_ban_id).first()


def refuse_duplicate(submission_key) -> None:
    if submission_key is None:
        return
    # Only the key's id first: a form is rarely sent twice, and loading the post and its
    # thread costs several times as much to compile.
    if Post.objects.filter(submission_key=submission_key).values_list("pk")[:1]:
        earlier = Post.objects.select_related("thread").get(submission_key=submission_key)
        raise DuplicateSubmission(earlier)


def new_post(
    *,
    thread: Thread,
    number: int | None,
    author: User,
    body: str,
    created_at,
    key,
    is_held: bool = False,
    limit_links: bool = True,
) -> Post:
    """Writes the post with its HTML; refuses too many links from a new member."""
    body_html = render_bbcode(body)
    if limit_links:
        refuse_links(author, body_html)
    body_html = link_mentions(body_html, mentioned_members(body))
    return Post.objects.create(
        thread=thread,
        number=number,
        author=author,
        created_at=created_at,
        body=body,
        body_html=body_html,
        submission_key=key,
        is_held=is_held,
    )


def post_html(body: str) -> str:
    """A post's stored HTML from its source: the BBCode rendered, then @mentions linked. What
    renders a post again (pictures placing attachments, erasure renaming quotes) uses this, so
    the links stay."""
    return link_mentions(render_bbcode(body), mentioned_members(body))


def refuse_links(member: User, body_html: str) -> None:
    refusal = member.link_refusal(count_outside_links(body_html))
    if refusal:
        raise PostingRefused(refusal)


@transaction.atomic
def create_thread(
    *,
    forum: Forum,
    author: User,
    title: str,
    body: str,
    created_at: datetime | None = None,
    submission_key=None,
    address: str | None = None,
) -> Post:
    """Starts a thread in `forum` with its first post; returns that post. `address` is the
    poster's, kept for the moderators (AddressRecord).

    Raises PostingRefused (flood control, unconfirmed email) or DuplicateSubmission.
    """
    archived = created_at is not None  # imports and fixtures: no flood control, no mail
    refusal = None if archived else forum.refusal_to_start(author)
    if refusal:
        raise PostingRefused(refusal)
    now = timezone.now()
    poster = lock_poster(
        author, now, check_flood=not archived, submission_key=submission_key, address=address
    )
    created_at = created_at or now
    held = not archived and forum.holds_posts_of(poster)
    thread = Thread.objects.create(
        forum=forum,
        title=title,
        starter=poster,  # read under its lock, for count_member_post
        created_at=created_at,
        is_held=held,
        post_count=1,
        last_number=1,
        last_post_at=created_at,
    )
    post = new_post(
        thread=thread,
        number=1,
        author=poster,
        body=body,
        created_at=created_at,
        key=submission_key,
        limit_links=not archived,
    )
    Thread.objects.filter(pk=thread.pk).update(first_post=post, last_post=post)
    thread.first_post = thread.last_post = post
    AddressRecord.note(author, address, AddressRecord.POST, post_id=post.pk)
    if not archived and poster.subscribe_on_reply:
        subscribe(author, thread=thread)
    if not held:
        count_new_thread(thread=thread, post=post, notify=not archived)
    stale_post(post, forum.pk)
    return post


def count_new_thread(*, thread: Thread, post: Post, notify: bool) -> None:
    """What a thread changes once everyone sees it: its forum's counters, its starter's post
    count, and mail to the forum's followers."""
    Forum.objects.filter(pk=thread.forum_id).update(
        thread_count=F("thread_count") + 1, post_count=F("post_count") + 1, **newer_last_post(post)
    )
    count_member_post(thread.starter, post.created_at)
    if notify:
        enqueue_post_tasks(post)


@transaction.atomic
def add_reply(
    *,
    thread: Thread,
    author: User,
    body: str,
    created_at: datetime | None = None,
    submission_key=None,
    address: str | None = None,
) -> Post:
    """Adds a post at the end of `thread`; returns it with its new number (a held reply gets
    none until it is approved). `address` is the poster's, kept for the moderators.

    Raises PostingRefused (closed thread, flood control ...) or DuplicateSubmission.
    """
    archived = created_at is not None  # imports and fixtures: no flood control, no mail
    poster = lock_poster(
        author,
        timezone.now(),
        check_flood=not archived,
        submission_key=submission_key,
        address=address,
    )
    locked = (
        Thread.objects.select_for_update(of=("self",)).select_related("forum").get(pk=thread.pk)
    )
    refusal = locked.refusal_to_reply(poster)
    if refusal:
        raise PostingRefused(refusal)
    if not archived and poster.subscribe_on_reply:
        subscribe(author, thread=locked)
    if not archived and locked.forum.holds_posts_of(poster):
        # Numbered when approved: until then no page, counter or read mark may know of it.
        post = new_post(
            thread=locked,
            number=None,
            author=poster,
            body=body,
            created_at=timezone.now(),
            key=submission_key,
            is_held=True,
        )
        Thread.objects.filter(pk=locked.pk).update(held_reply_count=F("held_reply_count") + 1)
        AddressRecord.note(author, address, AddressRecord.POST, post_id=post.pk)
        # The shared thread counts its held replies (its author and moderators see them).
        transaction.on_commit(lambda: pagecache.stale(thread=locked.pk))
        return post
    # Taken under the lock, so numbers and times rise together.
    created_at = created_at or timezone.now()
    post = new_post(
        thread=locked,
        number=locked.last_number + 1,
        author=poster,
        body=body,
        created_at=created_at,
        key=submission_key,
        limit_links=not archived,
    )
    AddressRecord.note(author, address, AddressRecord.POST, post_id=post.pk)
    was_on_top = count_new_reply(thread=locked, post=post, notify=not archived)
    stale_post(post, locked.forum_id, only_forum_top=was_on_top)
    return post


def count_new_reply(*, thread: Thread, post: Post, notify: bool) -> bool:
    """What a numbered reply changes once everyone sees it: its thread's and forum's counters
    and last post, its author's post count, and mail to the followers. `thread` is locked.
    Returns whether the thread was on page 1 of its forum's listing (default order) before
    the reply: then the reply reorders that page only (stale_post)."""
    was_on_top = False
    if not thread.is_removed:
        # The forum's row first: its lock, held until commit, orders the replies in a forum
        # (and stick_thread), so the listing read next is the one this reply changes.
        Forum.objects.filter(pk=thread.forum_id).update(
            post_count=F("post_count") + 1, **newer_last_post(post)
        )
        was_on_top = thread.is_on_first_page()
    # The thread's row is locked and was read under the lock: its values are written as
    # they are (a CASE per field cost more to build and compile than the rest of the update).
    newer = thread.last_post_at is None or thread.last_post_at <= post.created_at
    Thread.objects.filter(pk=thread.pk).update(
        last_number=post.number,
        post_count=thread.post_count + 1,
        **({"last_post": post, "last_post_at": post.created_at} if newer else {}),
    )
    count_member_post(post.author, post.created_at)
    if notify:
        enqueue_post_tasks(post)
    return was_on_top


@transaction.atomic
def edit_post(*, post: Post, editor: User, body: str, address: str | None = None) -> Post:
    """Replaces a post's text, keeping the old text as a revision, and the editor's address."""
    locked = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    now = timezone.now()
    if not locked.may_be_edited_by(editor, now):
        raise PostingRefused(_("You may no longer edit this post."))
    if body == locked.body:
        return locked
    body_html = render_bbcode(body)
    if editor.pk == locked.author_id:  # a moderator's edit of a newcomer's post is not limited
        refuse_links(editor, body_html)
    body_html = link_mentions(body_html, mentioned_members(body))
    PostRevision.objects.create(
        post=locked,
        body=locked.body,
        written_at=locked.edited_at or locked.created_at,
        replaced_at=now,
        replaced_by=editor,
    )
    locked.body, locked.body_html = body, body_html
    locked.edited_at, locked.edited_by = now, editor
    locked.save(update_fields=["body", "body_html", "edited_at", "edited_by"])
    AddressRecord.note(editor, address, AddressRecord.EDIT, post_id=locked.pk)
    stale_post(locked, locked.thread.forum_id)
    return locked


def enqueue_post_tasks(post: Post) -> None:
    """The followers' mail and the bell's notices about a post everyone now sees, written in
    the post's transaction: they run if and only if it commits, even across a restart."""
    enqueue_together((notify_followers, (post.pk,)), (notify_about_post, (post.pk,)))


def count_member_post(member: User, posted_at: datetime) -> None:
    """Counts a post for its author. `member` was read under its row lock (lock_poster, or
    the approvals' lock), so its times are the row's: the later one is picked here rather
    than by a CASE in SQL (which cost more to build and compile than the rest)."""
    User.objects.filter(pk=member.pk).update(
        post_count=F("post_count") + 1,
        last_posted_at=later(member.last_posted_at, posted_at),
        last_activity_at=later(member.last_activity_at, posted_at),
    )


def later(at: datetime | None, other: datetime) -> datetime:
    return other if at is None or at < other else at


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
    visible_posts = Post.objects.visible()

    in_thread = visible_posts.filter(thread=OuterRef("pk"))
    newest_in_thread = in_thread.order_by("-number")
    numbered = Post.objects.filter(thread=OuterRef("pk"), number__isnull=False)
    threads = (Thread.objects.all() if threads is None else threads).annotate(
        real_post_count=count_of(in_thread, "thread"),
        real_held_reply_count=count_of(Post.objects.held().filter(thread=OuterRef("pk")), "thread"),
        real_last_number=Subquery(numbered.order_by("-number").values("number")[:1]),
        real_first_post=Subquery(in_thread.order_by("number").values("pk")[:1]),
        real_last_post=Subquery(newest_in_thread.values("pk")[:1]),
        real_last_post_at=Subquery(newest_in_thread.values("created_at")[:1]),
    )
    changed_threads = rewrite_changed(
        threads.order_by("pk").select_for_update(of=("self",)),
        Thread,
        lambda thread: {
            "post_count": thread.real_post_count or 0,
            "held_reply_count": thread.real_held_reply_count or 0,
            "last_number": max(thread.real_last_number or 0, thread.last_number),
            "first_post_id": thread.real_first_post,
            "last_post_id": thread.real_last_post,
            "last_post_at": thread.real_last_post_at or thread.created_at,
        },
    )

    in_forum = visible_posts.in_visible_threads().filter(thread__forum=OuterRef("pk"))
    newest_in_forum = in_forum.order_by("-created_at", "-pk")
    forums = (Forum.objects.all() if forums is None else forums).annotate(
        real_thread_count=Subquery(
            Thread.objects.visible()
            .filter(forum=OuterRef("pk"))
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
        forums.order_by("pk").select_for_update(of=("self",)),
        Forum,
        lambda forum: {
            "thread_count": forum.real_thread_count or 0,
            "post_count": forum.real_post_count or 0,
            "last_post_id": forum.real_last_post,
            "last_post_at": forum.real_last_post_at,
        },
    )

    by_member = visible_posts.in_visible_threads().filter(author=OuterRef("pk"))
    members = (User.objects.all() if members is None else members).annotate(
        real_post_count=count_of(by_member, "author"),
    )
    changed_members = rewrite_changed(
        members.order_by("pk").select_for_update(of=("self",)),
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
        raise ModerationRefused(_("You do not moderate this forum."))


def log_moderation(*, moderator: User, obj, message: str, reason: str = "") -> LogEntry:
    """Records the step in the admin's history (LogEntry), with the reason, for superusers,
    and makes what the step changed stale once it commits (stale_scopes)."""
    scopes = stale_scopes(obj)
    transaction.on_commit(lambda: pagecache.stale(**scopes))
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


def stale_scopes(obj) -> dict:
    """What a moderation step on `obj` makes stale (pagecache.stale's arguments): a thread's or
    post's pages, forum lists and the board's lists, and the member shown; a member's profile
    and postbits. A report changes only the moderators' counts (stale() with no scope).
    Steps that move many posts (removing a thread, merging, splitting, a spammer's ban) make
    the whole board stale on their own."""
    from forum.models import Infraction, Report

    if isinstance(obj, Thread):
        return {"thread": obj.pk, "forum": obj.forum_id, "member": obj.starter_id, "lists": True}
    if isinstance(obj, Post):
        forum_id = obj.thread.forum_id  # every step that logs a post has its thread loaded
        return {"thread": obj.thread_id, "forum": forum_id, "member": obj.author_id, "lists": True}
    if isinstance(obj, User):
        return {"member": obj.pk, "lists": True}
    if isinstance(obj, Report):
        return {}
    if isinstance(obj, Infraction):
        return {"member": obj.member_id, "lists": True}
    return {"board": True, "lists": True}


def stale_post(post: Post, forum_id: int, *, only_forum_top: bool = False) -> None:
    """A written post makes stale, on commit: its thread's pages, its forum's lists, the
    board's lists (index, search, member list) and its author's profile and postbits. A reply
    to a thread that was already on page 1 of its forum's listing (`only_forum_top`) leaves
    the forum's other pages as they were, and stale only that page."""
    forum = {"forum_top": forum_id} if only_forum_top else {"forum": forum_id}
    scopes = {"thread": post.thread_id, "member": post.author_id, **forum}
    transaction.on_commit(lambda: pagecache.stale(lists=True, **scopes))


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
    # The forum's row locked as a reply locks it: a reply deciding that its thread is on the
    # forum's page 1 (count_new_reply) must not see the stickies change under it.
    list(Forum.objects.select_for_update().filter(pk=thread.forum_id).values_list("pk"))
    Thread.objects.filter(pk=thread.pk).update(is_sticky=sticky)
    thread.is_sticky = sticky
    log_moderation(
        moderator=moderator, obj=thread, message="Stuck." if sticky else "Unstuck.", reason=reason
    )
    return thread


@transaction.atomic
def move_thread(*, thread: Thread, moderator: User, to_forum: Forum, reason: str = "") -> Thread:
    """Moves a thread to another forum; both forums' counters are rebuilt."""
    if not to_forum.permits(moderator, READ):
        raise ModerationRefused(_("You may not move threads into a forum you cannot read."))
    thread = locked_thread(thread, moderator)
    from_forum_id = thread.forum_id
    if from_forum_id == to_forum.pk:
        return thread
    from_forum_name = Forum.objects.values_list("name", flat=True).get(pk=from_forum_id)
    Thread.objects.filter(pk=thread.pk).update(forum=to_forum)
    thread.forum = to_forum
    recount_notices_about(threads=[thread.pk])  # the new forum may be closed to some
    # The old forum's pages and stubs (log_moderation stales the new forum's).
    transaction.on_commit(lambda: pagecache.stale(forum=from_forum_id, lists=True))
    leave_moved_stub(thread=thread, from_forum_id=from_forum_id)
    recount(
        threads=Thread.objects.none(),
        forums=Forum.objects.filter(pk__in=[from_forum_id, to_forum.pk]),
        members=User.objects.none(),
    )
    log_moderation(
        moderator=moderator,
        obj=thread,
        message=f"Moved from “{from_forum_name}” to “{to_forum.name}”.",
        reason=reason,
    )
    return thread


def leave_moved_stub(*, thread: Thread, from_forum_id: int) -> None:
    """A "Moved:" row in the old forum for BOARD_MOVED_STUB_DAYS; a thread moved back home
    loses the stub there."""
    MovedStub.objects.filter(thread=thread, forum=thread.forum_id).delete()
    days = settings.BOARD_MOVED_STUB_DAYS
    if days:
        now = timezone.now()
        expires_at = now + timedelta(days=days)
        MovedStub.objects.update_or_create(
            forum_id=from_forum_id,
            thread=thread,
            defaults={"created_at": now, "expires_at": expires_at},
        )
        # Every stub expires after the newest one, so the newest one's end is the forum's.
        Forum.objects.filter(pk=from_forum_id).update(moved_stubs_until=expires_at)


@transaction.atomic
def remove_thread(*, thread: Thread, moderator: User, reason: str) -> Thread:
    """Hides a thread (soft): members no longer see it; moderators still do."""
    transaction.on_commit(note_write)  # moves many posts and counts: the whole board
    thread = locked_thread(thread, moderator)
    now = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(
        is_removed=True, removed_at=now, removed_by=moderator, removed_reason=reason
    )
    thread.is_removed, thread.removed_at, thread.removed_reason = True, now, reason
    recount_threads([thread.pk], [thread.forum_id])
    recount_notices_about(threads=[thread.pk])
    log_moderation(moderator=moderator, obj=thread, message="Removed thread.", reason=reason)
    return thread


@transaction.atomic
def restore_thread(*, thread: Thread, moderator: User, reason: str = "") -> Thread:
    transaction.on_commit(note_write)  # moves many posts and counts: the whole board
    thread = locked_thread(thread, moderator)
    Thread.objects.filter(pk=thread.pk).update(
        is_removed=False, removed_at=None, removed_by=None, removed_reason="", merged_into=None
    )
    thread.is_removed = False
    recount_threads([thread.pk], [thread.forum_id])
    recount_notices_about(threads=[thread.pk])
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
    recount_notices_about(posts=[post.pk])
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
    recount_notices_about(posts=[post.pk])
    recount(
        threads=Thread.objects.filter(pk=thread.pk),
        forums=Forum.objects.filter(pk=thread.forum_id),
        members=User.objects.filter(pk=post.author_id),
    )
    log_moderation(moderator=moderator, obj=post, message="Restored post.", reason=reason)
    return post


# The moderation queue. Approving publishes a held thread or reply as if it were posted at
# that moment: it is dated and numbered then, so read marks, "last post" and the followers'
# mail all treat it as new. Rejecting is removing (soft), with a reason, like any removal.

REJECTED = "Rejected in the moderation queue."


@transaction.atomic
def approve_thread(*, thread: Thread, moderator: User) -> Thread:
    """Shows a held thread to everyone, counts it, and mails the forum's followers."""
    User.objects.select_for_update().get(pk=thread.starter_id)  # member -> thread -> forum
    thread = locked_thread(thread, moderator)
    if not thread.is_held or thread.is_removed:
        return thread  # already decided, by this moderator's other tab or another moderator
    now = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(is_held=False, created_at=now, last_post_at=now)
    Post.objects.filter(pk=thread.first_post_id).update(created_at=now)
    first = Post.objects.select_related("author").get(pk=thread.first_post_id)
    thread.is_held, thread.created_at, thread.last_post_at = False, now, now
    thread.starter = first.author
    count_new_thread(thread=thread, post=first, notify=True)
    log_moderation(moderator=moderator, obj=thread, message="Approved thread.")
    return thread


@transaction.atomic
def approve_post(*, post: Post, moderator: User) -> Post:
    """Numbers a held reply at the end of its thread, counts it, and mails the followers."""
    User.objects.select_for_update().get(pk=post.author_id)  # member -> thread -> forum
    thread = locked_thread(post.thread, moderator)
    post = Post.objects.select_for_update(of=("self",)).select_related("author").get(pk=post.pk)
    if not post.is_held or post.is_removed:
        return post
    post.thread = thread
    post.number, post.created_at, post.is_held = thread.last_number + 1, timezone.now(), False
    Post.objects.filter(pk=post.pk).update(
        number=post.number, created_at=post.created_at, is_held=False
    )
    Thread.objects.filter(pk=thread.pk).update(held_reply_count=F("held_reply_count") - 1)
    count_new_reply(thread=thread, post=post, notify=True)
    log_moderation(moderator=moderator, obj=post, message="Approved post.")
    return post


def reject_thread(*, thread: Thread, moderator: User, reason: str = "") -> Thread:
    return remove_thread(thread=thread, moderator=moderator, reason=reason or REJECTED)


def reject_post(*, post: Post, moderator: User, reason: str = "") -> Post:
    return remove_post(post=post, moderator=moderator, reason=reason or REJECTED)


def renumber(thread_id: int) -> int:
    """Numbers a thread's posts 1, 2, 3 ... by time; returns the last number.

    The posts are first lifted out of the way, so the unique (thread, number) constraint,
    checked row by row, never sees two posts with one number.
    """
    posts = Post.objects.filter(thread_id=thread_id, is_held=False)
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
    transaction.on_commit(note_write)  # moves many posts and counts: the whole board
    if source.pk == target.pk:
        raise ModerationRefused(_("A thread cannot be merged into itself."))
    first, second = sorted([source.pk, target.pk])
    locked = {t.pk: t for t in Thread.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked[source.pk], locked[target.pk]
    require_moderator(moderator, source.forum_id)
    require_moderator(moderator, target.forum_id)
    if not Forum.objects.readable_by(moderator).filter(pk=target.forum_id).exists():
        raise ModerationRefused(_("You may not merge into a thread you cannot read."))
    Post.objects.filter(thread=source).update(
        thread=target, number=F("number") + 2 * RENUMBER_OFFSET
    )
    # The notices about the moved posts follow them (the source is removed: they would vanish).
    Notice.objects.filter(thread=source).update(thread=target)
    recount_notices_about(threads=[target.pk])
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
    transaction.on_commit(note_write)  # moves many posts and counts: the whole board
    thread = locked_thread(thread, moderator)
    moving = Post.objects.filter(thread=thread, number__in=set(numbers))
    earliest = moving.order_by("created_at", "pk").first()
    if earliest is None:
        raise ModerationRefused(_("Choose the posts to split off."))
    staying = Post.objects.filter(thread=thread, is_held=False).exclude(pk__in=moving.values("pk"))
    if not staying.exists():
        raise ModerationRefused(_("At least one post must stay in the thread."))
    new = Thread.objects.create(
        forum_id=thread.forum_id,
        title=title,
        starter_id=earliest.author_id,
        created_at=earliest.created_at,
    )
    moving.update(thread=new, number=F("number") + RENUMBER_OFFSET)
    Notice.objects.filter(post__thread=new).update(thread=new)  # they follow their posts
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
        raise ModerationRefused(_("Only moderators of the whole board ban members."))
    if (member.is_staff or member.is_superuser) and not user.is_superuser:
        raise ModerationRefused(_("Only a superuser bans staff."))


@transaction.atomic
def ban_member(*, member: User, moderator: User, reason: str, ends_at: datetime | None = None):
    """Bans a member until `ends_at` (None: until lifted). They can no longer log in or post;
    their posts stay. A ban with an end date expires by itself."""
    member = User.objects.select_for_update().get(pk=member.pk)
    require_global_moderator(moderator, member)
    return write_ban(member=member, moderator=moderator, reason=reason, ends_at=ends_at)


def write_ban(*, member: User, moderator: User, reason: str, ends_at: datetime | None):
    """The writes of a ban, for callers that checked who may ban (ban_member) or that ban by a
    rule of the board (an infraction level, reached by a forum moderator's infraction too).
    `member`'s row is locked."""
    from accounts.models import Ban

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
def ban_spammer(
    *, member: User, moderator: User, reason: str, ban_address: bool = False
) -> SpammerCleanup:
    """vBulletin's "ban spammer": bans the account until lifted, removes (softly) every thread
    it started and every post it wrote, held ones too, bans the address it registered from if
    asked, and logs it. undo_ban_spammer() reverses exactly this."""
    transaction.on_commit(note_write)  # moves many posts and counts: the whole board
    ban = ban_member(member=member, moderator=moderator, reason=reason)
    now = timezone.now()
    removed = {"is_removed": True, "removed_at": now, "removed_by": moderator}
    threads = Thread.objects.filter(starter=member, is_removed=False)
    thread_ids = list(threads.select_for_update().values_list("pk", flat=True))
    posts = Post.objects.filter(author=member, is_removed=False).exclude(thread_id__in=thread_ids)
    post_rows = list(posts.select_for_update().values_list("pk", "thread_id"))
    Thread.objects.filter(pk__in=thread_ids).update(**removed, removed_reason=reason)
    Post.objects.filter(pk__in=[pk for pk, _ in post_rows]).update(**removed, removed_reason=reason)
    recount_notices_about(threads=thread_ids, posts=[pk for pk, _ in post_rows])
    address_ban = ban_registration_address(member, moderator, reason) if ban_address else None
    touched = set(thread_ids) | {thread_id for _, thread_id in post_rows}
    forum_ids = Thread.objects.filter(pk__in=touched).values_list("forum_id", flat=True)
    recount_threads(touched, set(forum_ids))
    cleanup = SpammerCleanup.objects.create(
        member=member,
        moderator=moderator,
        reason=reason,
        created_at=now,
        ban=ban,
        address_ban=address_ban,
        thread_ids=thread_ids,
        post_ids=[pk for pk, _ in post_rows],
    )
    banned_address = f"; banned {address_ban.network}" if address_ban else ""
    log_moderation(
        moderator=moderator,
        obj=member,
        message=f"Banned as a spammer: removed {len(thread_ids)} threads and "
        f"{len(post_rows)} posts{banned_address}.",
        reason=reason,
    )
    return cleanup


def ban_registration_address(member: User, moderator: User, reason: str) -> AddressBan | None:
    """Bans the address the member registered from, if it is still known."""
    record = (
        AddressRecord.objects.filter(member=member, kind=AddressRecord.REGISTRATION)
        .order_by("-created_at")
        .first()
    )
    if record is None:
        return None
    return AddressBan.objects.create(
        network=record.address, reason=f"Spammer {member}: {reason}"[:1000], created_by=moderator
    )


@transaction.atomic
def undo_ban_spammer(*, cleanup: SpammerCleanup, superuser: User) -> SpammerCleanup:
    """Restores what ban_spammer() removed (unless a moderator has changed it since), lifts its
    ban if still in force, and ends its address ban. Superusers only."""
    transaction.on_commit(note_write)  # moves many posts and counts: the whole board
    if not (superuser.is_active and superuser.is_superuser):
        raise ModerationRefused(_("Only a superuser undoes a spammer's ban."))
    cleanup = SpammerCleanup.objects.select_for_update().get(pk=cleanup.pk)
    if cleanup.undone_at is not None:
        return cleanup
    now = timezone.now()
    still_removed = {"is_removed": True, "removed_at": cleanup.created_at}
    restored = {"is_removed": False, "removed_at": None, "removed_by": None, "removed_reason": ""}
    Thread.objects.filter(pk__in=cleanup.thread_ids, **still_removed).update(**restored)
    Post.objects.filter(pk__in=cleanup.post_ids, **still_removed).update(**restored)
    recount_notices_about(threads=cleanup.thread_ids, posts=cleanup.post_ids)
    member = cleanup.member
    if member.is_banned and cleanup.ban_id and cleanup.ban.lifted_at is None:
        unban_member(member=member, moderator=superuser, reason="Spammer ban undone.")
    if cleanup.address_ban_id:
        AddressBan.objects.filter(pk=cleanup.address_ban_id).update(ends_at=now)
    touched = set(cleanup.thread_ids) | set(
        Post.objects.filter(pk__in=cleanup.post_ids).values_list("thread_id", flat=True)
    )
    forum_ids = Thread.objects.filter(pk__in=touched).values_list("forum_id", flat=True)
    recount_threads(touched, set(forum_ids))
    SpammerCleanup.objects.filter(pk=cleanup.pk).update(undone_at=now, undone_by=superuser)
    cleanup.undone_at, cleanup.undone_by = now, superuser
    log_moderation(moderator=superuser, obj=member, message="Spammer ban undone: posts restored.")
    return cleanup


@transaction.atomic
def report_post(*, post: Post, reporter: User, reason: str) -> Report:
    """A member tells the moderators about a post; a second report while one is open is the
    same report."""
    if not reporter.is_authenticated or not reporter.is_active or reporter.is_under_ban:
        raise PermissionDenied(_("Log in to report a post."))
    User.objects.select_for_update().get(pk=reporter.pk)  # one open report per member and post
    existing = Report.objects.open().filter(post=post, reporter=reporter).first()
    if existing is not None:
        return existing
    report = Report.objects.create(post=post, reporter=reporter, reason=reason)
    Post.objects.filter(pk=post.pk).update(open_report_count=F("open_report_count") + 1)
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
    # Under the post's row lock, so that two moderators resolving its reports at once leave the
    # count that is left, not one of them each.
    post = Post.objects.filter(pk=report.post_id)
    list(post.select_for_update().values_list("pk"))
    post.update(open_report_count=Report.objects.open().filter(post=report.post_id).count())
    log_moderation(
        moderator=moderator,
        obj=report,
        message="Resolved and removed the post." if remove_post_too else "Resolved.",
        reason=reason,
    )
    return report


# Warnings and infractions (forum.models.Infraction). A forum's moderators give them for posts
# in their forums; the ban a level brings follows from the board's rule, so it is written even
# when the moderator could not ban by hand.


def require_infraction_giver(moderator: User, post: Post) -> None:
    require_moderator(moderator, post.thread.forum_id)
    member = post.author
    if member.is_staff or member.is_superuser:
        raise ModerationRefused(_("Staff are not given warnings or infractions."))
    if member.pk == moderator.pk:
        raise ModerationRefused(_("You cannot give yourself a warning or an infraction."))


@transaction.atomic
def give_infraction(
    *, post: Post, moderator: User, reason: str, points: int, expires_at: datetime | None
) -> Infraction:
    """Marks `post` with a warning (0 points) or an infraction, mails its author, and bans
    them when their points in force reach an InfractionLevel they had not reached before.
    Raises ModerationRefused; a post has at most one (the database refuses a second)."""
    member = User.objects.select_for_update().get(pk=post.author_id)
    post = Post.objects.select_related("thread", "author").get(pk=post.pk)
    require_infraction_giver(moderator, post)
    if Infraction.objects.filter(post=post).exists():
        raise ModerationRefused(_("This post already has a warning or an infraction."))
    before = points_in_force(member)
    infraction = Infraction.objects.create(
        post=post,
        member=member,
        moderator=moderator,
        reason=reason,
        points=points,
        expires_at=None if points == 0 else expires_at,
    )
    kind = "Warning" if infraction.is_warning else f"Infraction of {points} points"
    log_moderation(moderator=moderator, obj=infraction, message=f"{kind} given.", reason=reason)
    send_infraction_mail.enqueue(infraction.pk)
    if not infraction.is_warning:
        ban_at_level(member=member, moderator=moderator, before=before, after=before + points)
    return infraction


def points_in_force(member: User) -> int:
    return Infraction.objects.in_force().filter(member=member).aggregate(n=Sum("points"))["n"] or 0


def ban_at_level(*, member: User, moderator: User, before: int, after: int):
    """Bans `member` for the days of the highest level their points just reached; a ban
    already in force that lasts longer is kept."""
    level = (
        InfractionLevel.objects.filter(points__gt=before, points__lte=after)
        .order_by("-points")
        .first()
    )
    if level is None:
        return None
    ends_at = timezone.now() + timedelta(days=level.ban_days)
    if member.is_under_ban and (member.banned_until is None or member.banned_until >= ends_at):
        return None
    return write_ban(
        member=member,
        moderator=moderator,
        reason=f"{after} infraction points (the limit is {level.points}).",
        ends_at=ends_at,
    )


@transaction.atomic
def reverse_infraction(*, infraction: Infraction, moderator: User, reason: str) -> Infraction:
    """Takes an infraction back: its points stop counting. A ban it brought stays until a
    moderator lifts it, as in vBulletin."""
    infraction = (
        Infraction.objects.select_for_update(of=("self",))
        .select_related("post__thread", "post__author")
        .get(pk=infraction.pk)
    )
    require_infraction_giver(moderator, infraction.post)
    if infraction.reversed_at is not None:
        return infraction
    now = timezone.now()
    Infraction.objects.filter(pk=infraction.pk).update(
        reversed_at=now, reversed_by=moderator, reversed_reason=reason
    )
    infraction.reversed_at, infraction.reversed_by = now, moderator
    infraction.reversed_reason = reason
    log_moderation(moderator=moderator, obj=infraction, message="Reversed.", reason=reason)
    return infraction


# Forum permissions and the forum tree

# The typical setups, one click away in the admin (ForumAdmin's actions): each sets the rows of
# the built-in audiences; "public" removes them, so that the forum inherits again.
READ_ONLY = {SEE, READ}
PRESETS = {
    "staff_only": {GUESTS: set(), REGISTERED: set(), AWAITING: set(), MODERATORS: set(PERMISSIONS)},
    "read_only": {
        GUESTS: READ_ONLY,
        REGISTERED: READ_ONLY,
        AWAITING: READ_ONLY,
        MODERATORS: set(PERMISSIONS),
    },
    "members_only": {
        GUESTS: set(),
        REGISTERED: set(PERMISSIONS),
        AWAITING: READ_ONLY,
        MODERATORS: set(PERMISSIONS),
    },
    "public": {},
}


@transaction.atomic
def apply_forum_preset(*, forums, preset: str) -> None:
    """Gives each of `forums` a typical setup (PRESETS); groups' rows are left as they are."""
    grants = PRESETS[preset]
    forums = list(forums)
    ForumPermission.objects.filter(forum__in=forums, audience__in=BUILT_IN_AUDIENCES).delete()
    ForumPermission.objects.bulk_create(
        ForumPermission(forum=forum, audience=audience, **flags_of(given))
        for forum in forums
        for audience, given in grants.items()
    )
    rebuild_forum_tree()


@transaction.atomic
def set_forum_permission(*, forum: Forum, audience: str, group=None, granted) -> None:
    """Sets one audience's permissions in one forum (`granted`: a set of PERMISSIONS)."""
    ForumPermission.objects.update_or_create(
        forum=forum, audience=audience, group=group, defaults=flags_of(set(granted))
    )
    rebuild_forum_tree()


def flags_of(granted: set[str]) -> dict[str, bool]:
    return {f"can_{permission}": permission in granted for permission in PERMISSIONS}


@transaction.atomic
def rebuild_forum_tree() -> int:
    """Resolves every forum's permissions (its own rows, else its parent's, at the top the
    defaults), breadcrumbs and subforum count onto the forum rows, which pages read. A forum
    inside one an audience may not see is hidden from it too. Returns how many rows changed.
    Run after any change of a forum's parent or permissions (the admin does)."""
    forums = {forum.pk: forum for forum in Forum.objects.select_for_update().order_by("pk")}
    rows: dict[int, dict[str, set[str]]] = {}
    for row in ForumPermission.objects.all():
        rows.setdefault(row.forum_id, {})[row.key] = row.granted()
    children: dict[int | None, list[Forum]] = {}
    for forum in forums.values():
        children.setdefault(forum.parent_id, []).append(forum)
    top = {key: set(PERMISSIONS) for key in BUILT_IN_AUDIENCES}
    announced: dict[int | None, int] = {}
    for forum_id in Announcement.objects.values_list("forum_id", flat=True):
        announced[forum_id] = announced.get(forum_id, 0) + 1
    changed = []
    opened_or_closed = []  # forums whose permissions changed: who may see their notices too

    def resolve(forum, inherited: dict[str, set[str]], ancestry: list, category, shown: int):
        grants = {**inherited, **rows.get(forum.pk, {})}
        if forum.parent_id is not None:
            # The built-in audiences that may not see the parent lose its subforums too.
            hidden = {k for k in BUILT_IN_AUDIENCES if SEE not in inherited.get(k, ())}
            grants = {k: g for k, g in grants.items() if k not in hidden}
        grants = {key: given for key, given in grants.items() if given}
        kids = children.get(forum.pk, [])
        shown += announced.get(forum.pk, 0)
        # A subforum sits in its parent's category.
        category = category or forum.category_id
        state = (access_tokens(grants), ancestry, len(kids), category, shown)
        if state != tuple(getattr(forum, field) for field in fields):
            if state[0] != forum.access:
                opened_or_closed.append(forum.pk)
            for field, value in zip(fields, state, strict=True):
                setattr(forum, field, value)
            changed.append(forum)
        for child in kids:
            resolve(child, grants, [*ancestry, [forum.name, forum.slug]], category, shown)

    fields = ["access", "ancestry", "subforum_count", "category_id", "announcement_count"]
    for forum in children.get(None, []):
        resolve(forum, top, [], None, announced.get(None, 0))
    Forum.objects.bulk_update(changed, fields)
    recount_notices_about(forums=opened_or_closed)
    # Every page may show these forums differently now.
    transaction.on_commit(note_write)
    return len(changed)
