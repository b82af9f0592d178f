"""What makes members come back: polls, thanks, reputation, the notification bell and who is
online. Counters they change (a poll's votes, a post's thanks, a member's reputation and
unread notifications) are written by community.actions in the same transaction."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from forum.models import Post, Thread

POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 20


def poll_options_problem(options: list[str]) -> str | None:
    """What is wrong with a poll's options (already trimmed, blank lines dropped), or None."""
    if not POLL_MIN_OPTIONS <= len(options) <= POLL_MAX_OPTIONS:
        return (
            f"A poll needs {POLL_MIN_OPTIONS} to {POLL_MAX_OPTIONS} options, one a line "
            f"({len(options)} given)."
        )
    if len({option.casefold() for option in options}) < len(options):
        return "Each option of a poll must differ from the others."
    return None


class Poll(models.Model):
    """A thread's poll, shown above its first post."""

    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(max_length=200)
    is_multiple = models.BooleanField(default=False, help_text="Voters may tick several options.")
    is_public = models.BooleanField(default=False, help_text="Everyone sees who voted for what.")
    closes_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never.")
    voter_count = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return self.question

    def refusal_to_vote(self, user, now=None) -> str | None:
        """Why `user` may not vote (having voted already is the database's to refuse)."""
        if not user.is_authenticated:
            return "Log in or register to vote."
        if user.is_under_ban:
            return user.ban_message()
        if not user.may_post:  # throwaway accounts stuffing a poll: confirmed members vote
            return (
                "Confirm your email address before voting (a new link: /accounts/confirm-again/)."
            )
        if self.is_closed(now):
            return "This poll is closed."
        return None

    def is_closed(self, now=None) -> bool:
        """Closed with its thread, or at its date."""
        now = now or timezone.now()
        return self.thread.is_locked or (self.closes_at is not None and self.closes_at <= now)


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    vote_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="poll_option_position")
        ]

    def __str__(self) -> str:
        return self.text


class PollBallot(models.Model):
    """A member's one vote in a poll: the unique constraint is what makes it once."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    options = models.ManyToManyField(PollOption, related_name="ballots")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_ballot_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} voted in poll {self.poll_id}"


class Thanks(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "thanks"
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="thank_a_post_once")]

    def __str__(self) -> str:
        return f"{self.member_id} thanked post {self.post_id}"


class Reputation(models.Model):
    """Reputation one member gave another for a post, with a comment (vBulletin 3.6)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reputation_given"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reputation_received"
    )
    amount = models.SmallIntegerField(help_text="+1 or -1.")
    comment = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
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
        (REPLY, "Replies in threads you follow"),
        (QUOTE, "Quotes of your posts"),
        (MENTION, "Mentions of you"),
        (REPUTATION, "Reputation you receive"),
        (THANKS, "Thanks you receive"),
        (PRIVATE_MESSAGE, "Private messages"),
    ]
    # Replies are mailed by following.notifications (once per visit) and private messages by
    # messaging.notifications (once until read, the member's "mail me" choice); offering them
    # here would mail them twice.
    MAILED_KINDS = frozenset([QUOTE, MENTION, REPUTATION, THANKS])

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=12, choices=KINDS)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread = models.ForeignKey(Thread, null=True, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, null=True, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=200, blank=True, help_text="For kinds with no post.")
    created_at = models.DateTimeField(default=timezone.now)
    is_read = models.BooleanField(default=False)
    mailed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set before the mail goes, so it goes at most once."
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
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
        actor = self.actor.username if self.actor else "Someone"
        title = self.thread.title if self.thread else ""
        return {
            self.REPLY: f"{actor} replied in {title}",
            self.QUOTE: f"{actor} quoted you in {title}",
            self.MENTION: f"{actor} mentioned you in {title}",
            self.REPUTATION: f"{actor} gave you reputation for your post in {title}",
            self.THANKS: f"{actor} thanked you for your post in {title}",
            self.PRIVATE_MESSAGE: f"{actor} sent you a private message",
        }.get(self.kind, self.kind)

    def target(self) -> str:
        if self.post_id:
            return self.post.get_absolute_url()
        return self.url or "/"


class NoticeMail(models.Model):
    """Which kinds of notification a member also gets by mail (none until they choose)."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Notice.KINDS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="one_mail_choice_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} mails {self.kind}"


class Presence(models.Model):
    """Someone seen on the board lately: a member, or a guest by a hash of their address.
    Written in batches by community.online, never once per request."""

    key = models.CharField(max_length=64, unique=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField(db_index=True)
    path = models.CharField(max_length=200, blank=True)
    thread_pk = models.PositiveBigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key


class OnlineRecord(models.Model):
    """The most users ever online at once, and when (one row)."""

    count = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)

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

    forum = models.ForeignKey("forum.Forum", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    objects = MovedStubQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["forum", "thread"], name="one_moved_stub_per_forum")
        ]
        indexes = [models.Index(fields=["forum", "-expires_at"], name="moved_stub_by_forum")]

    def __str__(self) -> str:
        return f"Moved: {self.thread_id} out of {self.forum_id}"
