import re
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from config.cache import CacheUnavailable
from forum.links import link
from forum.pagecache import forget_shared

# A list shows who posted last and when, never what: leave the bodies in the database.
UNLISTED_POST_FIELDS = ("last_post__body", "last_post__body_html")
LISTING_ORDER = ("-is_sticky", "-last_post_at", "-id")


class Category(models.Model):
    """A heading on the board index that groups forums."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ForumQuerySet(models.QuerySet):
    def for_index(self):
        """Forums with everything the board index shows, in the index's order."""
        return (
            self.select_related("category", "last_post__thread", "last_post__author")
            .defer(*UNLISTED_POST_FIELDS)
            .order_by("category__position", "category_id", "position", "id")
        )


class Forum(models.Model):
    """A board of threads. Its counters and last post are kept by forum.actions."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="forums")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Lower comes first.")
    thread_count = models.PositiveIntegerField(default=0, help_text="Visible threads.")
    post_count = models.PositiveIntegerField(default=0, help_text="Visible posts.")
    last_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_post_at = models.DateTimeField(null=True, blank=True)
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="moderated_forums",
        help_text="Moderators of this forum only; moderators listed on no forum act everywhere.",
    )

    objects = ForumQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return link("forum:forum_detail", self.slug)

    def page_count(self) -> int:
        return max(1, -(-self.thread_count // settings.BOARD_THREADS_PER_PAGE))


class ThreadQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_removed=False)

    def visible_to(self, user):
        """Threads `user` may open: removed ones only for moderators of their forum."""
        if not user.is_authenticated or user.moderated_forum_ids == frozenset():
            return self.visible()
        if user.moderated_forum_ids is None:
            return self
        return self.filter(Q(is_removed=False) | Q(forum_id__in=user.moderated_forum_ids))

    def in_forum(self, forum: Forum):
        return self.filter(forum=forum)

    def for_listing(self):
        """Threads as a forum page lists them: stickies first, then by last activity."""
        return (
            self.select_related("starter", "last_post__author")
            .defer(*UNLISTED_POST_FIELDS)
            .order_by(*LISTING_ORDER)
        )

    def listing_page(self, page: int, per_page: int):
        """Page `page` of these threads in listing order, found by id first: the rows an
        OFFSET skips are read from the index alone, never joined or annotated. Page 255 of a
        forum of 6,800 threads costs about what page 1 costs."""
        ids = self.order_by(*LISTING_ORDER).values("pk")[(page - 1) * per_page : page * per_page]
        return self.filter(pk__in=models.Subquery(ids)).for_listing()


class Thread(models.Model):
    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, blank=True, allow_unicode=False)
    starter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads_started"
    )
    created_at = models.DateTimeField(default=timezone.now)
    is_sticky = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_removed = models.BooleanField(default=False)
    post_count = models.PositiveIntegerField(default=0, help_text="Visible posts.")
    last_number = models.PositiveIntegerField(
        default=0, help_text="The highest post number given out; the next post gets one more."
    )
    view_count = models.PositiveIntegerField(default=0)
    first_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_post_at = models.DateTimeField(null=True, blank=True)
    legacy_id = models.PositiveIntegerField(
        null=True, blank=True, unique=True, help_text="The thread's id on the old board, if known."
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_reason = models.CharField(
        max_length=1000, blank=True, help_text="Why a moderator removed it; moderators read it."
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The thread this one was merged into; its old address leads there.",
    )

    objects = ThreadQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["forum", "-is_sticky", "-last_post_at"], name="thread_listing"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.slug = slugify(self.title)[:100].strip("-") or "thread"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return link("forum:thread_detail", self.pk, self.slug)

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    def refusal_to_reply(self, user) -> str | None:
        """Why `user` may not reply here, or None when they may."""
        if not user.is_authenticated:
            return "Log in or register to reply."
        if user.is_under_ban:
            return user.ban_message()
        if not user.may_post:
            return "Confirm your email address before posting: see the mail we sent you."
        if self.is_removed and not user.moderates(self.forum_id):
            return "This thread was removed."
        if self.is_locked and not user.moderates(self.forum_id):
            return "This thread is closed: no new replies."
        return None

    def page_count(self) -> int:
        return max(1, -(-self.last_number // settings.BOARD_POSTS_PER_PAGE))

    def is_visible_to(self, user) -> bool:
        """ThreadQuerySet.visible_to()'s rule, for a thread already loaded."""
        return not self.is_removed or (user.is_authenticated and user.moderates(self.forum_id))

    def count_view(self) -> int:
        """Counts one view and returns the thread's view count including this one."""
        return self.view_count + Thread.add_view(self.pk)

    @staticmethod
    def shared_name(pk: int) -> str:
        """The name the thread is kept under with pagecache.shared()."""
        return f"thread:{pk}"

    @staticmethod
    def add_view(pk: int) -> int:
        """Counts one view of thread `pk`; returns how many views it has beyond the row as it
        was read before this call (including those this call moved to the row).

        With Redis, views pile up there and reach the thread row once per
        BOARD_VIEW_FLUSH_EVERY, so reading a thread never takes a write lock on it. The request
        whose increment reaches the threshold moves exactly that many from Redis to the row, so
        the total (row plus Redis) stays exact even when two requests move them at once. While
        Redis is unreachable, and always without it (BOARD_VIEW_FLUSH_EVERY is 1), each view
        goes straight to the row.
        """
        key = f"thread-views:{pk}"
        flush_every = settings.BOARD_VIEW_FLUSH_EVERY
        try:
            pending = Thread.count_view_in_cache(key) if flush_every > 1 else 1
            if pending >= flush_every > 1:
                cache.decr(key, flush_every)
        except CacheUnavailable:
            pending = flush_every = 1
        if pending >= flush_every:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # A view count lost in a crash is harmless; waiting for the WAL to reach
                    # the disk on a page view is not (it cost visitors' thread pages a fifth).
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit = off")
                Thread.objects.filter(pk=pk).update(view_count=F("view_count") + flush_every)
            # The shared copy of the thread (forum.views) holds the row's old count.
            forget_shared(Thread.shared_name(pk))
        return pending

    @staticmethod
    def count_view_in_cache(key: str) -> int:
        """Adds one to the views pending under `key`; returns the new number."""
        try:
            return cache.incr(key)  # one round trip on every view but a thread's first
        except ValueError:
            return 1 if cache.add(key, 1, timeout=None) else cache.incr(key)

    @staticmethod
    def pending_views(threads) -> None:
        """Adds the views still in the cache to each thread's view_count (one cache call)."""
        keys = {f"thread-views:{thread.pk}": thread for thread in threads}
        for key, pending in cache.get_many(list(keys)).items():
            keys[key].view_count += pending


class PostQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_removed=False)

    def recent_by(self, member):
        """A member's visible posts in visible threads, newest first."""
        return (
            self.visible()
            .filter(author=member, thread__is_removed=False)
            .select_related("thread")
            .order_by("-created_at", "-pk")
        )

    def page_of(self, thread: Thread, page: int):
        """One page of a thread, fetched by a range of post numbers: page 500 costs page 1."""
        per_page = settings.BOARD_POSTS_PER_PAGE
        return (
            self.filter(
                thread=thread,
                number__gt=(page - 1) * per_page,
                number__lte=page * per_page,
            )
            .select_related("author", "edited_by")
            .order_by("number")
        )


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="posts")
    number = models.PositiveIntegerField(
        help_text="The post's public number in its thread (#1, #2 ...); never reused."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    body = models.TextField(help_text="What the member wrote (BBCode source).")
    body_html = models.TextField(help_text="The body rendered to safe HTML when it was written.")
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_removed = models.BooleanField(default=False)
    legacy_id = models.PositiveIntegerField(
        null=True, blank=True, unique=True, help_text="The post's id on the old board, if known."
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_reason = models.CharField(
        max_length=1000, blank=True, help_text="Why a moderator removed it; moderators read it."
    )
    submission_key = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="The form's one-time key: a form submitted twice makes one post.",
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="post_number_in_thread"),
        ]
        indexes = [models.Index(fields=["author", "-created_at"], name="post_by_author")]

    def __str__(self) -> str:
        return f"#{self.number} in {self.thread_id} by {self.author_id}"

    def get_absolute_url(self) -> str:
        return link("forum:post_permalink", self.pk)

    def page_number(self) -> int:
        return (self.number - 1) // settings.BOARD_POSTS_PER_PAGE + 1

    def location(self) -> str:
        """Where the post stands: its thread's page and the post's anchor."""
        page = self.page_number()
        suffix = f"?page={page}" if page > 1 else ""
        return f"{self.thread.get_absolute_url()}{suffix}#post{self.pk}"

    def may_be_edited_by(self, user, now) -> bool:
        """Authors edit within BOARD_EDIT_WINDOW_MINUTES; moderators of the forum always."""
        if not user.is_authenticated:
            return False
        if user.moderates(self.thread.forum_id):
            return True
        if user.pk != self.author_id or self.is_removed or not user.may_post:
            return False
        if self.thread.is_locked or self.thread.is_removed:
            return False
        return now - self.created_at <= timedelta(minutes=settings.BOARD_EDIT_WINDOW_MINUTES)

    def quote_source(self) -> str:
        """The post as a [QUOTE] for a reply: its own quotes left out, as vBulletin does."""
        body = self.body
        while True:
            stripped = INNERMOST_QUOTE.sub("", body)
            if stripped == body:
                break
            body = stripped
        name = self.author.username.replace("]", "").replace(";", "")
        return f"[QUOTE={name};{self.pk}]{body.strip()}[/QUOTE]\n"


INNERMOST_QUOTE = re.compile(r"\[quote(?:=[^\]]*)?\](?:(?!\[quote).)*?\[/quote\]", re.I | re.S)


class PostRevision(models.Model):
    """A post's text before an edit; moderators read the history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    written_at = models.DateTimeField(help_text="When this text was written (posted or edited).")
    replaced_at = models.DateTimeField(default=timezone.now)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["post", "-replaced_at"]

    def __str__(self) -> str:
        return f"{self.post} before {self.replaced_at:%Y-%m-%d %H:%M}"


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)

    def moderated_by(self, user):
        """The reports on posts in the forums `user` moderates."""
        scope = user.moderated_forum_ids
        if scope is None:
            return self
        return self.filter(post__thread__forum_id__in=scope)


class Report(models.Model):
    """A member's report of a post to the moderators."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    reason = models.CharField(max_length=1000, help_text="What the member says is wrong.")
    created_at = models.DateTimeField(default=timezone.now)
    is_open = models.BooleanField(default=True, help_text="Waiting for a moderator.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["is_open", "-created_at"], name="report_queue")]

    def __str__(self) -> str:
        return f"Report on post {self.post_id} by {self.reporter_id}"
