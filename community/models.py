"""What makes members come back: polls, thanks, reputation, the notification bell and who is
online. Counters they change (a poll's votes, a post's thanks, a member's reputation and
unread notifications) are written by community.actions in the same transaction."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forum.models import Post, Thread

POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 20


def poll_options_problem(options: list[str]) -> str | None:
    """What is wrong with a poll's options (already trimmed, blank lines dropped), or None."""
    if not POLL_MIN_OPTIONS <= len(options) <= POLL_MAX_OPTIONS:
        return _("A poll needs %(least)d to %(most)d options, one a line (%(count)d given).") % {
            "least": POLL_MIN_OPTIONS,
            "most": POLL_MAX_OPTIONS,
            "count": len(options),
        }
    if len({option.casefold() for option in options}) < len(options):
        return _("Each option of a poll must differ from the others.")
    return None


class Poll(models.Model):
    """A thread's poll, shown above its first post."""

    thread = models.OneToOneField(
        Thread, on_delete=models.CASCADE, related_name="poll", verbose_name=gettext_lazy("thread")
    )
    question = models.CharField(max_length=200, verbose_name=gettext_lazy("question"))
    is_multiple = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Voters may tick several options."),
        verbose_name=gettext_lazy("is multiple"),
    )
    is_public = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Everyone sees who voted for what."),
        verbose_name=gettext_lazy("is public"),
    )
    closes_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty: never."),
        verbose_name=gettext_lazy("closes at"),
    )
    voter_count = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=gettext_lazy("voter count")
    )

    class Meta:
        verbose_name = gettext_lazy("poll")
        verbose_name_plural = gettext_lazy("polls")

    def __str__(self) -> str:
        return self.question

    def refusal_to_vote(self, user, now=None) -> str | None:
        """Why `user` may not vote (having voted already is the database's to refuse)."""
        if not user.is_authenticated:
            return _("Log in or register to vote.")
        if user.is_under_ban:
            return user.ban_message()
        if not user.may_post:  # throwaway accounts stuffing a poll: confirmed members vote
            return _(
                "Confirm your email address before voting (a new link: /accounts/confirm-again/)."
            )
        if self.is_closed(now):
            return _("This poll is closed.")
        return None

    def is_closed(self, now=None) -> bool:
        """Closed with its thread, or at its date."""
        now = now or timezone.now()
        return self.thread.is_locked or (self.closes_at is not None and self.closes_at <= now)


class PollOption(models.Model):
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="options", verbose_name=gettext_lazy("poll")
    )
    text = models.CharField(max_length=200, verbose_name=gettext_lazy("text"))
    position = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("position"))
    vote_count = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=gettext_lazy("vote count")
    )

    class Meta:
        verbose_name = gettext_lazy("poll option")
        verbose_name_plural = gettext_lazy("poll options")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="poll_option_position")
        ]

    def __str__(self) -> str:
        return self.text


class PollBallot(models.Model):
    """A member's one vote in a poll: the unique constraint is what makes it once."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="ballots", verbose_name=gettext_lazy("poll")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("member"),
    )
    options = models.ManyToManyField(
        PollOption, related_name="ballots", verbose_name=gettext_lazy("options")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))

    class Meta:
        verbose_name = gettext_lazy("poll ballot")
        verbose_name_plural = gettext_lazy("poll ballots")
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_ballot_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} voted in poll {self.poll_id}"


class Thanks(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="+", verbose_name=gettext_lazy("post")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("member"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))

    class Meta:
        verbose_name = gettext_lazy("thanks")
        verbose_name_plural = gettext_lazy("thanks")
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="thank_a_post_once")]

    def __str__(self) -> str:
        return f"{self.member_id} thanked post {self.post_id}"


class Reputation(models.Model):
    """Reputation one member gave another for a post, with a comment (vBulletin 3.6)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="+", verbose_name=gettext_lazy("post")
    )
    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reputation_given",
        verbose_name=gettext_lazy("giver"),
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reputation_received",
        verbose_name=gettext_lazy("receiver"),
    )
    amount = models.SmallIntegerField(
        help_text=gettext_lazy("+1 or -1."), verbose_name=gettext_lazy("amount")
    )
    comment = models.CharField(max_length=250, blank=True, verbose_name=gettext_lazy("comment"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))

    class Meta:
        verbose_name = gettext_lazy("reputation")
        verbose_name_plural = gettext_lazy("reputations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "giver"], name="reputation_once_per_post"),
            models.CheckConstraint(condition=Q(amount__in=[-1, 1]), name="reputation_amount"),
        ]
        indexes = [
            models.Index(fields=["giver", "-created_at"], name="reputation_by_giver"),
            models.Index(fields=["receiver", "-created_at"], name="reputation_by_receiver"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} from {self.giver_id} to {self.receiver_id}"


class NoticeQuerySet(models.QuerySet):
    def for_member(self, member):
        """The member's notices, newest first, leaving out those about threads they may no
        longer see (removed since, or closed to them by a forum's permissions) and about posts
        removed or held since (a spammer's mention goes with the spam)."""
        shown = Q(thread__isnull=True) | Q(thread__in=Thread.objects.visible_to(member))
        post_shown = Q(post__isnull=True) | Q(post__is_removed=False, post__is_held=False)
        return (
            self.filter(shown, post_shown, recipient=member)
            .select_related("actor", "thread", "post")
            .defer("post__body", "post__body_html", "post__thanked_by")
            .order_by("-created_at", "-pk")
        )

    def unread_count_for(self, member) -> int:
        """What the member's bell counts: their unread notices that for_member() shows."""
        return self.for_member(member).filter(is_read=False).count()


class Notice(models.Model):
    """One entry under the bell. (following.Notification is something else: the key that
    makes each reply mail go out once.)"""

    REPLY = "reply"
    QUOTE = "quote"
    MENTION = "mention"
    REPUTATION = "reputation"
    THANKS = "thanks"
    # The hook for private messages: their action adds a Notice of this kind with
    # `community.actions.notify(...)`, and the bell, the page and the mail follow.
    PRIVATE_MESSAGE = "pm"
    KINDS = [
        (REPLY, gettext_lazy("Replies in threads you follow")),
        (QUOTE, gettext_lazy("Quotes of your posts")),
        (MENTION, gettext_lazy("Mentions of you")),
        (REPUTATION, gettext_lazy("Reputation you receive")),
        (THANKS, gettext_lazy("Thanks you receive")),
        (PRIVATE_MESSAGE, gettext_lazy("Private messages")),
    ]
    # Replies are mailed by following.notifications (once per visit) and private messages by
    # messaging.notifications (once until read, the member's "mail me" choice); offering them
    # here would mail them twice.
    MAILED_KINDS = frozenset([QUOTE, MENTION, REPUTATION, THANKS])

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=gettext_lazy("recipient"),
    )
    kind = models.CharField(max_length=12, choices=KINDS, verbose_name=gettext_lazy("kind"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("actor"),
    )
    thread = models.ForeignKey(
        Thread,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("thread"),
    )
    post = models.ForeignKey(
        Post,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("post"),
    )
    url = models.CharField(
        max_length=200,
        blank=True,
        help_text=gettext_lazy("For kinds with no post."),
        verbose_name=gettext_lazy("url"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    is_read = models.BooleanField(default=False, verbose_name=gettext_lazy("is read"))
    mailed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Set before the mail goes, so it goes at most once."),
        verbose_name=gettext_lazy("mailed at"),
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("notice")
        verbose_name_plural = gettext_lazy("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notice_by_recipient")]
        constraints = [
            # A post mentions, quotes or answers a member once, however its task is retried.
            models.UniqueConstraint(
                fields=["recipient", "kind", "post", "actor"],
                condition=Q(post__isnull=False),
                name="one_notice_per_post_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    def sentence(self) -> str:
        words = {
            "actor": self.actor.username if self.actor else _("Someone"),
            "title": self.thread.title if self.thread else "",
        }
        sentence = {
            self.REPLY: _("%(actor)s replied in %(title)s"),
            self.QUOTE: _("%(actor)s quoted you in %(title)s"),
            self.MENTION: _("%(actor)s mentioned you in %(title)s"),
            self.REPUTATION: _("%(actor)s gave you reputation for your post in %(title)s"),
            self.THANKS: _("%(actor)s thanked you for your post in %(title)s"),
            self.PRIVATE_MESSAGE: _("%(actor)s sent you a private message"),
        }.get(self.kind)
        return sentence % words if sentence else self.kind

    def target(self) -> str:
        if self.post_id:
            return self.post.get_absolute_url()
        return self.url or "/"


class NoticeMail(models.Model):
    """Which kinds of notification a member also gets by mail (none until they choose)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("member"),
    )
    kind = models.CharField(max_length=12, choices=Notice.KINDS, verbose_name=gettext_lazy("kind"))

    class Meta:
        verbose_name = gettext_lazy("notice mail")
        verbose_name_plural = gettext_lazy("notice mails")
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="one_mail_choice_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} mails {self.kind}"


class Presence(models.Model):
    """Someone seen on the board lately: a member, or a guest by a hash of their address.
    Written in batches by community.online, never once per request."""

    key = models.CharField(max_length=64, unique=True, verbose_name=gettext_lazy("key"))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("member"),
    )
    seen_at = models.DateTimeField(db_index=True, verbose_name=gettext_lazy("seen at"))
    path = models.CharField(max_length=200, blank=True, verbose_name=gettext_lazy("path"))
    thread_pk = models.PositiveBigIntegerField(
        null=True, blank=True, verbose_name=gettext_lazy("thread pk")
    )

    class Meta:
        verbose_name = gettext_lazy("presence")
        verbose_name_plural = gettext_lazy("presences")

    def __str__(self) -> str:
        return self.key


class OnlineRecord(models.Model):
    """The most users ever online at once, and when (one row)."""

    count = models.PositiveIntegerField(default=0, verbose_name=gettext_lazy("count"))
    at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("at"))

    class Meta:
        verbose_name = gettext_lazy("online record")
        verbose_name_plural = gettext_lazy("online records")

    def __str__(self) -> str:
        return f"{self.count} at {self.at:%Y-%m-%d %H:%M}"


class MovedStubQuerySet(models.QuerySet):
    def live_in(self, forum, now=None):
        """The stubs a forum lists: not expired, for threads everyone sees, newest first."""
        now = now or timezone.now()
        return (
            self.filter(forum=forum, expires_at__gt=now)
            .filter(thread__is_removed=False, thread__is_held=False)
            .select_related("thread__forum", "thread__starter")
            .order_by("-created_at", "-pk")
        )


class MovedStub(models.Model):
    """vBulletin's "Moved:" row, left in the forum a thread moved out of, until it expires."""

    forum = models.ForeignKey(
        "forum.Forum",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("forum"),
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="+", verbose_name=gettext_lazy("thread")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    expires_at = models.DateTimeField(verbose_name=gettext_lazy("expires at"))

    objects = MovedStubQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("moved stub")
        verbose_name_plural = gettext_lazy("moved stubs")
        constraints = [
            models.UniqueConstraint(fields=["forum", "thread"], name="one_moved_stub_per_forum")
        ]
        indexes = [models.Index(fields=["forum", "-expires_at"], name="moved_stub_by_forum")]

    def __str__(self) -> str:
        return f"Moved: {self.thread_id} out of {self.forum_id}"
