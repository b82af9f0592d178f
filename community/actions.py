"""Every community write, each in one transaction with the counters it changes.

Locks follow forum.actions' order: member rows first, then the thread or post.

The bell's count (User.unread_notice_count, read on every page with the member's row) counts
the unread notices the member may see: Notice.objects.for_member, which the notices page
lists. A notice is counted when it is written; a write that changes who may see notices
(a post or thread removed, restored, held, moved, merged, split or deleted, a forum's
permissions, a member's groups) calls recount_notices_about, which counts its recipients
again once it commits. Filtering at read time instead would cost every page a query.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from community.models import (
    Notice,
    NoticeMail,
    Poll,
    PollBallot,
    PollOption,
    Reputation,
    Thanks,
    poll_options_problem,
)
from forum import pagecache
from forum.models import Post, Thread


class CommunityRefused(Exception):
    """The member may not do this; the message says why, in words for the member."""


def notify(
    *,
    recipient: User,
    kind: str,
    actor: User | None,
    post: Post | None = None,
    thread: Thread | None = None,
    url: str = "",
) -> Notice | None:
    """Puts a notice under `recipient`'s bell and counts it, in the caller's transaction; mails
    it too when they chose that kind. None for a notice to oneself, from a member the recipient
    ignores (no bell and no mail: their ignore list), or one already given (the same post,
    kind and actor: a retried task)."""
    if actor is not None and (recipient.pk == actor.pk or recipient.ignores(actor)):
        return None
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                recipient=recipient, kind=kind, actor=actor, post=post, thread=thread, url=url
            )
    except IntegrityError:
        return None
    User.objects.filter(pk=recipient.pk).update(unread_notice_count=F("unread_notice_count") + 1)
    if (
        kind in Notice.MAILED_KINDS
        and NoticeMail.objects.filter(member=recipient, kind=kind).exists()
    ):
        from community.notices import mail_notice  # the task module imports this one

        mail_notice.enqueue(notice.pk)
    return notice


@transaction.atomic
def mark_notices_read(*, member: User, notice_ids: list[int] | None = None) -> int:
    """Marks the member's notices read (all, or those of `notice_ids`); returns how many. The
    bell's counter is counted again under the member's row lock, so it is exact."""
    User.objects.select_for_update().filter(pk=member.pk).first()
    unread = Notice.objects.filter(recipient=member, is_read=False)
    if notice_ids is not None:
        unread = unread.filter(pk__in=notice_ids)
    marked = unread.update(is_read=True)
    left = Notice.objects.unread_count_for(member)
    User.objects.filter(pk=member.pk).update(unread_notice_count=left)
    member.unread_notice_count = left
    return marked


def recount_unread_notices(member_ids) -> int:
    """Sets each member's bell count to the unread notices they may see, each under their row
    lock (a notice written meanwhile counts itself after it, with F()); returns how many
    counts were wrong. One transaction per member: a long list locks one row at a time."""
    changed = 0
    for member_id in sorted(set(member_ids)):
        with transaction.atomic():
            member = User.objects.select_for_update().filter(pk=member_id).first()
            if member is None:
                continue
            unread = Notice.objects.unread_count_for(member)
            changed += (
                User.objects.filter(pk=member_id)
                .exclude(unread_notice_count=unread)
                .update(unread_notice_count=unread)
            )
    return changed


def recount_notices_about(*, threads=None, posts=None, forums=None) -> None:
    """For a write that changes who may see these threads, these posts or the threads of these
    forums (ids, or a query of ids): once it commits, the bell counts of the members with
    unread notices about them are counted again. The members are found now, in the write's
    transaction, so that notices deleted with their post or thread are found too."""
    about = Q(pk__in=[])
    if threads is not None:
        about |= Q(thread__in=threads)
    if posts is not None:
        about |= Q(post__in=posts)
    if forums is not None:
        about |= Q(thread__forum__in=forums)
    unread = Notice.objects.filter(about, is_read=False)
    recipients = set(unread.values_list("recipient_id", flat=True).distinct())
    if recipients:
        transaction.on_commit(lambda: recount_unread_notices(recipients))


def set_notice_mail(*, member: User, kinds: list[str]) -> None:
    with transaction.atomic():
        NoticeMail.objects.filter(member=member).exclude(kind__in=kinds).delete()
        for kind in kinds:
            NoticeMail.objects.get_or_create(member=member, kind=kind)


# Polls


@transaction.atomic
def create_poll(
    *,
    thread: Thread,
    question: str,
    options: list[str],
    is_multiple: bool = False,
    is_public: bool = False,
    closes_at: datetime | None = None,
) -> Poll:
    """Adds a poll to a thread (the thread's starter does, when starting it)."""
    options = [option.strip() for option in options if option.strip()]
    if problem := poll_options_problem(options):
        raise CommunityRefused(problem)
    poll = Poll.objects.create(
        thread=thread,
        question=question,
        is_multiple=is_multiple,
        is_public=is_public,
        closes_at=closes_at,
    )
    PollOption.objects.bulk_create(
        PollOption(poll=poll, text=text, position=number) for number, text in enumerate(options)
    )
    pagecache.on_commit_stale(thread=thread.pk)
    return poll


@transaction.atomic
def vote(*, poll: Poll, member: User, option_ids: list[int]) -> PollBallot:
    """Casts the member's one ballot. The database refuses a second one, however many
    requests race (PollBallot's unique constraint)."""
    refusal = poll.refusal_to_vote(member)
    if refusal:
        raise CommunityRefused(refusal)
    chosen = list(PollOption.objects.filter(poll=poll, pk__in=set(option_ids)))
    if not chosen:
        raise CommunityRefused(_("Choose an option to vote."))
    if len(chosen) > 1 and not poll.is_multiple:
        raise CommunityRefused(_("This poll takes one choice only."))
    try:
        with transaction.atomic():
            ballot = PollBallot.objects.create(poll=poll, member=member)
    except IntegrityError:
        raise CommunityRefused(_("You have already voted in this poll.")) from None
    ballot.options.set(chosen)
    PollOption.objects.filter(pk__in=[option.pk for option in chosen]).update(
        vote_count=F("vote_count") + 1
    )
    Poll.objects.filter(pk=poll.pk).update(voter_count=F("voter_count") + 1)
    pagecache.on_commit_stale(thread=poll.thread_id)
    return ballot


# Thanks and reputation


def refusal_to_rate(post: Post, member: User) -> str | None:
    """Why `member` may not thank, or give reputation for, `post`."""
    if not member.is_authenticated:
        return _("Log in or register first.")
    if member.is_under_ban:
        return member.ban_message()
    if post.author_id == member.pk:
        return _("That is your own post.")
    if post.is_removed or post.is_held:
        return _("This post cannot take thanks or reputation.")
    return None


@transaction.atomic
def thank_post(*, post: Post, member: User) -> Post:
    """Thanks a post once; the post's count and list of thankers change in the same
    transaction (its row locked, so concurrent thanks all land)."""
    if not settings.BOARD_THANKS:
        raise CommunityRefused(_("Thanks are turned off on this board."))
    refusal = refusal_to_rate(post, member)
    if refusal:
        raise CommunityRefused(refusal)
    try:
        with transaction.atomic():
            Thanks.objects.create(post=post, member=member)
    except IntegrityError:
        raise CommunityRefused(_("You have already thanked this post.")) from None
    locked = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    locked.thanked_by = [*locked.thanked_by, [member.pk, member.username]]
    locked.thanks_count = len(locked.thanked_by)
    Post.objects.filter(pk=post.pk).update(
        thanked_by=locked.thanked_by, thanks_count=locked.thanks_count
    )
    notify(
        recipient=locked.author,
        kind=Notice.THANKS,
        actor=member,
        post=locked,
        thread=locked.thread,
    )
    # The post's thanks show under it; its author's total in their profile and postbits.
    pagecache.on_commit_stale(thread=locked.thread_id, member=locked.author_id)
    return locked


def reputation_refusal(giver: User, receiver_id: int, now: datetime) -> str | None:
    """vBulletin's limits: so many a day, and spread around before the same member again."""
    given = Reputation.objects.filter(giver=giver)
    today = given.filter(created_at__gt=now - timedelta(days=1)).count()
    if today >= settings.BOARD_REPUTATION_PER_DAY:
        return _(
            "You have given all the reputation you may in 24 hours (%(count)d); try again tomorrow."
        ) % {"count": settings.BOARD_REPUTATION_PER_DAY}
    spread = settings.BOARD_REPUTATION_SPREAD
    if spread and receiver_id in given.values_list("receiver_id", flat=True)[:spread]:
        return _("You must give some reputation to others before giving it to this member again.")
    return None


@transaction.atomic
def give_reputation(*, post: Post, giver: User, amount: int, comment: str = "") -> Reputation:
    """Gives the post's author +1 or -1 with a comment; their total changes in the same
    transaction. The giver's row is locked first, so the daily limit holds against races."""
    if not settings.BOARD_REPUTATION:
        raise CommunityRefused(_("Reputation is turned off on this board."))
    if amount not in (1, -1):
        raise CommunityRefused(_("Reputation is either positive or negative."))
    locked_giver = User.objects.select_for_update().get(pk=giver.pk)
    refusal = refusal_to_rate(post, locked_giver) or reputation_refusal(
        locked_giver, post.author_id, timezone.now()
    )
    if refusal:
        raise CommunityRefused(refusal)
    try:
        with transaction.atomic():
            given = Reputation.objects.create(
                post=post, giver=giver, receiver_id=post.author_id, amount=amount, comment=comment
            )
    except IntegrityError:
        raise CommunityRefused(_("You have already given reputation for this post.")) from None
    User.objects.filter(pk=post.author_id).update(reputation=F("reputation") + amount)
    notify(
        recipient=post.author, kind=Notice.REPUTATION, actor=giver, post=post, thread=post.thread
    )
    # Their reputation shows in their profile and every postbit of theirs.
    pagecache.on_commit_stale(thread=post.thread_id, member=post.author_id)
    return given


def total_per_row(rows, group_by: str, value=None):
    """A correlated subquery: how many `rows` (or the sum of `value`) belong to the outer row."""
    total = Sum(value) if value else Count("pk")
    grouped = rows.filter(**{group_by: OuterRef("pk")}).values(group_by).annotate(total=total)
    return Coalesce(Subquery(grouped.values("total")[:1]), 0)


@transaction.atomic
def recount() -> dict[str, int]:
    """Rebuilds every community counter from its rows; returns how many rows were wrong."""
    members = User.objects.annotate(
        rep=total_per_row(Reputation.objects.all(), "receiver", "amount")
    ).exclude(reputation=F("rep"))
    fixed_members = set()
    for member in members.only("pk"):
        User.objects.filter(pk=member.pk).update(reputation=member.rep)
        fixed_members.add(member.pk)
    # The bell counts only what each member may see: one count per member with a count or
    # an unread notice.
    unread_of = Notice.objects.filter(is_read=False).values("recipient")
    counted = User.objects.filter(Q(unread_notice_count__gt=0) | Q(pk__in=unread_of))
    for member in counted.order_by("pk"):
        unread = Notice.objects.unread_count_for(member)
        if unread != member.unread_notice_count:
            User.objects.filter(pk=member.pk).update(unread_notice_count=unread)
            fixed_members.add(member.pk)
    posts = Post.objects.annotate(thanks=total_per_row(Thanks.objects.all(), "post")).exclude(
        thanks_count=F("thanks")
    )
    fixed_posts = 0
    for post in posts.only("pk"):
        thankers = Thanks.objects.filter(post=post).order_by("pk")
        names = [list(pair) for pair in thankers.values_list("member_id", "member__username")]
        Post.objects.filter(pk=post.pk).update(thanked_by=names, thanks_count=len(names))
        fixed_posts += 1
    options = PollOption.objects.annotate(
        votes=total_per_row(PollBallot.options.through.objects.all(), "polloption")
    ).exclude(vote_count=F("votes"))
    fixed_polls = {option.poll_id for option in options}
    for option in options:
        PollOption.objects.filter(pk=option.pk).update(vote_count=option.votes)
    polls = Poll.objects.annotate(voters=total_per_row(PollBallot.objects.all(), "poll")).exclude(
        voter_count=F("voters")
    )
    for poll in polls:
        Poll.objects.filter(pk=poll.pk).update(voter_count=poll.voters)
        fixed_polls.add(poll.pk)
    return {"members": len(fixed_members), "posts": fixed_posts, "polls": len(fixed_polls)}
