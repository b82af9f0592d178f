"""What each member has read, and what they follow.

Read marks are kept as vBulletin's database tracking did: per thread, the highest post number
the member has seen; per forum and board-wide, a time before which everything counts as read.
Threads whose last post is older than BOARD_READ_TRACKING_DAYS count as read for everyone, so
the tables stay small.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import loaded_name
from forum.models import Forum, Post, Thread


class ThreadRead(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("user"),
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="+", verbose_name=gettext_lazy("thread")
    )
    last_read_number = models.PositiveIntegerField(
        help_text=gettext_lazy("The highest post number seen."),
        verbose_name=gettext_lazy("last read number"),
    )
    read_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("read at"))

    class Meta:
        verbose_name = gettext_lazy("thread read")
        verbose_name_plural = gettext_lazy("thread reads")
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="one_read_mark_per_thread")
        ]

    def __str__(self) -> str:
        who, where = loaded_name(self, "user", "member"), loaded_name(self, "thread", "thread")
        return f"{who} read {where} to #{self.last_read_number}"


class ForumRead(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("user"),
    )
    forum = models.ForeignKey(
        Forum, on_delete=models.CASCADE, related_name="+", verbose_name=gettext_lazy("forum")
    )
    marked_at = models.DateTimeField(
        help_text=gettext_lazy("Everything posted before this counts as read."),
        verbose_name=gettext_lazy("marked at"),
    )

    class Meta:
        verbose_name = gettext_lazy("forum read")
        verbose_name_plural = gettext_lazy("forum reads")
        constraints = [
            models.UniqueConstraint(fields=["user", "forum"], name="one_read_mark_per_forum")
        ]

    def __str__(self) -> str:
        who, where = loaded_name(self, "user", "member"), loaded_name(self, "forum", "forum")
        return f"{who} marked {where} read at {self.marked_at:%Y-%m-%d %H:%M}"


class Subscription(models.Model):
    """A member following a thread or a whole forum; replies are mailed to them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=gettext_lazy("user"),
    )
    thread = models.ForeignKey(
        Thread,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=gettext_lazy("thread"),
    )
    forum = models.ForeignKey(
        Forum,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=gettext_lazy("forum"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    notified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When we last mailed about this; reset by a visit."),
        verbose_name=gettext_lazy("notified at"),
    )

    class Meta:
        verbose_name = gettext_lazy("subscription")
        verbose_name_plural = gettext_lazy("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="one_subscription_per_thread"),
            models.UniqueConstraint(fields=["user", "forum"], name="one_subscription_per_forum"),
            models.CheckConstraint(
                condition=Q(thread__isnull=True) ^ Q(forum__isnull=True),
                name="subscription_to_a_thread_or_a_forum",
            ),
        ]

    def __str__(self) -> str:
        followed = (
            loaded_name(self, "thread", "thread")
            if self.thread_id
            else loaded_name(self, "forum", "forum")
        )
        return f"{loaded_name(self, 'user', 'member')} follows {followed}"


class Notification(models.Model):
    """One reply mail to one member: the idempotency key of that mail.

    The worker writes (and commits) this row before it hands the mail to the mail server, and
    sends only if the row is new, so a mail is sent at most once per post and member even when
    its task runs twice (a worker killed between sending and recording the result). The price:
    a worker killed after the row but before the server took the mail loses that mail; such rows
    keep an empty `sent_at`.
    """

    post = models.ForeignKey(
        Post,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=gettext_lazy("post"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=gettext_lazy("user"),
    )
    claimed_at = models.DateTimeField(
        default=timezone.now,
        help_text=gettext_lazy("When a worker took this mail on, before sending it."),
        verbose_name=gettext_lazy("claimed at"),
    )
    sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "When the mail server accepted it; empty if its worker died while sending."
        ),
        verbose_name=gettext_lazy("sent at"),
    )

    class Meta:
        verbose_name = gettext_lazy("notification")
        verbose_name_plural = gettext_lazy("notifications")
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="one_notification_per_post")
        ]

    def __str__(self) -> str:
        who, post = loaded_name(self, "user", "member"), loaded_name(self, "post", "post")
        return f"Mail to {who} about {post}"


def tracking_horizon(user):
    """Before this time every post counts as read for `user`."""
    horizon = timezone.now() - timedelta(days=settings.BOARD_READ_TRACKING_DAYS)
    if user.marked_all_read_at and user.marked_all_read_at > horizon:
        return user.marked_all_read_at
    return horizon


def with_read_state(threads, user):
    """Annotates each thread with `first_unread_number` (None when all of it was read).

    One subquery per mark kind, folded into the list's own query.
    """
    if not user.is_authenticated:
        return threads.annotate(first_unread_number=Value(None, models.IntegerField()))
    read_to = Subquery(
        ThreadRead.objects.filter(user=user, thread=OuterRef("pk")).values("last_read_number")[:1]
    )
    forum_mark = Subquery(
        ForumRead.objects.filter(user=user, forum=OuterRef("forum")).values("marked_at")[:1]
    )
    horizon = Value(tracking_horizon(user))
    cutoff = Greatest(Coalesce(forum_mark, horizon), horizon)
    return threads.annotate(read_to=Coalesce(read_to, 0), read_cutoff=cutoff).annotate(
        first_unread_number=models.Case(
            models.When(
                Q(last_post_at__gt=F("read_cutoff")) & Q(last_number__gt=F("read_to")),
                then=F("read_to") + 1,
            ),
            default=None,
            output_field=models.IntegerField(),
        )
    )


def add_forum_reading_state(forum: Forum, threads: list, user) -> None:
    """Sets `is_followed` on a forum and `first_unread_number` on each of a page of its
    threads, by with_read_state()'s rule. The forum and threads may be shared by every reader
    (pagecache.shared): what is the member's own comes from one small query (their
    subscription and mark on the forum, their read marks on those threads), none for a
    visitor."""
    forum.is_followed = False
    for thread in threads:
        thread.first_unread_number = None
    if not user.is_authenticated:
        return
    subscriptions, forum_reads = Subscription._meta.db_table, ForumRead._meta.db_table
    sql = (
        f"SELECT NULL, NULL, EXISTS (SELECT 1 FROM {subscriptions} WHERE user_id = %s"
        f" AND forum_id = %s), (SELECT marked_at FROM {forum_reads} WHERE user_id = %s"
        " AND forum_id = %s)"
    )
    params = [user.pk, forum.pk, user.pk, forum.pk]
    if threads:
        marks = ", ".join(["%s"] * len(threads))
        sql += (
            " UNION ALL SELECT thread_id, last_read_number, NULL, NULL"
            f" FROM {ThreadRead._meta.db_table} WHERE user_id = %s AND thread_id IN ({marks})"
        )
        params += [user.pk, *(thread.pk for thread in threads)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    read_to, forum_mark = {}, None
    for thread_id, number, followed, marked_at in rows:
        if thread_id is None:
            forum.is_followed, forum_mark = bool(followed), database_time(marked_at)
        else:
            read_to[thread_id] = number
    horizon = tracking_horizon(user)
    since = max(forum_mark or horizon, horizon)
    for thread in threads:
        thread.first_unread_number = first_unread_number(thread, read_to.get(thread.pk, 0), since)


def first_unread_number(thread: Thread, read_to: int, since) -> int | None:
    """with_read_state()'s rule for one loaded thread: the post after the member's read mark,
    if the thread has posts past it and its last post is newer than `since` (their tracking
    horizon, or their mark on the forum if later)."""
    is_recent = thread.last_post_at is not None and thread.last_post_at > since
    return read_to + 1 if is_recent and thread.last_number > read_to else None


def database_time(value):
    """A time read by a raw query: SQLite gives the text Django stored (UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return value


def add_reading_state(thread: Thread, user) -> None:
    """Sets `read_to`, `first_unread_number` and `is_followed` on one loaded thread, as
    with_read_state() and with_follow_state() annotate a list, by the same rule. One query for
    a member, none for a visitor."""
    thread.read_to, thread.first_unread_number, thread.is_followed = 0, None, False
    if not user.is_authenticated:
        return
    last_post_at = connection.ops.adapt_datetimefield_value(thread.last_post_at)
    reads, forum_reads = ThreadRead._meta.db_table, ForumRead._meta.db_table
    subscriptions = Subscription._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT last_read_number FROM {reads} WHERE user_id = %s AND thread_id = %s),"
            f" EXISTS (SELECT 1 FROM {forum_reads} WHERE user_id = %s AND forum_id = %s"
            " AND marked_at >= %s),"
            f" EXISTS (SELECT 1 FROM {subscriptions} WHERE user_id = %s AND thread_id = %s)",
            [user.pk, thread.pk, user.pk, thread.forum_id, last_post_at, user.pk, thread.pk],
        )
        read_to, forum_marked_since, followed = cursor.fetchone()
    thread.read_to = read_to or 0
    thread.is_followed = bool(followed)
    if not forum_marked_since:
        horizon = tracking_horizon(user)
        thread.first_unread_number = first_unread_number(thread, thread.read_to, horizon)


def unread_forums_shared_name(user_id: int) -> str:
    """The name a member's unread_forum_ids() is kept under with pagecache.shared(), until
    the next write or until their read marks move (forget it then)."""
    return f"unread-forums:{user_id}"


def unread_forum_ids(user) -> set[int]:
    """The forums holding a thread with posts `user` has not read. One query; none for
    visitors."""
    if not user.is_authenticated:
        return set()
    horizon = tracking_horizon(user)
    candidates = (
        Thread.objects.visible()
        .filter(forum=OuterRef("pk"), last_post_at__gt=horizon)
        .exclude(
            Exists(
                ThreadRead.objects.filter(
                    user=user, thread=OuterRef("pk"), last_read_number__gte=OuterRef("last_number")
                )
            )
        )
        .exclude(
            Exists(
                ForumRead.objects.filter(
                    user=user, forum=OuterRef("forum"), marked_at__gte=OuterRef("last_post_at")
                )
            )
        )
    )
    return set(Forum.objects.filter(Exists(candidates)).values_list("pk", flat=True))


def record_reading(user, thread: Thread, up_to_number: int) -> None:
    """Moves the read mark in `thread` forward to `up_to_number`, never back. One query."""
    bigger = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    table = ThreadRead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, thread_id, last_read_number, read_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id, thread_id) DO UPDATE SET "
            f"last_read_number = {bigger}({table}.last_read_number, EXCLUDED.last_read_number), "
            "read_at = EXCLUDED.read_at "
            # Re-reading writes nothing (no row version, no WAL flush at commit).
            f"WHERE {table}.last_read_number < EXCLUDED.last_read_number",
            [user.pk, thread.pk, up_to_number, timezone.now()],
        )


def subscribe(user, *, thread: Thread | None = None, forum: Forum | None = None) -> None:
    """Follows a thread or a forum; following twice is one subscription. One query."""
    Subscription.objects.bulk_create(
        [Subscription(user=user, thread=thread, forum=forum)], ignore_conflicts=True
    )


def with_follow_state(queryset, user, *, field: str):
    """Annotates `is_followed`: whether `user` subscribes to each row (a thread or a forum)."""
    if not user.is_authenticated:
        return queryset.annotate(is_followed=Value(False))
    followed = Subscription.objects.filter(user=user, **{field: OuterRef("pk")})
    return queryset.annotate(is_followed=Exists(followed))
