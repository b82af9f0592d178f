from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify


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
        return self.select_related("category", "last_post__thread", "last_post__author").order_by(
            "category__position", "category_id", "position", "id"
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

    objects = ForumQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:forum_detail", args=[self.slug])

    def page_count(self) -> int:
        return max(1, -(-self.thread_count // settings.BOARD_THREADS_PER_PAGE))


class ThreadQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_removed=False)

    def in_forum(self, forum: Forum):
        return self.filter(forum=forum)

    def for_listing(self):
        """Threads as a forum page lists them: stickies first, then by last activity."""
        return self.select_related("starter", "last_post__author").order_by(
            "-is_sticky", "-last_post_at", "-id"
        )


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
        return reverse("forum:thread_detail", args=[self.pk, self.slug])

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    def page_count(self) -> int:
        return max(1, -(-self.last_number // settings.BOARD_POSTS_PER_PAGE))

    def count_view(self) -> int:
        """Counts one view and returns the thread's view count including this one.

        Views pile up in the cache and reach the thread row once per BOARD_VIEW_FLUSH_EVERY,
        so reading a thread never takes a write lock on it. Only the request whose increment
        lands exactly on the threshold writes, so concurrent viewers never double-count.
        """
        key = f"thread-views:{self.pk}"
        cache.add(key, 0, timeout=None)
        try:
            pending = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=None)
            pending = 1
        flush_every = settings.BOARD_VIEW_FLUSH_EVERY
        if pending == flush_every:
            cache.decr(key, flush_every)
            Thread.objects.filter(pk=self.pk).update(view_count=F("view_count") + flush_every)
        return self.view_count + pending

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
            .select_related("author")
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

    objects = PostQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="post_number_in_thread"),
        ]
        indexes = [models.Index(fields=["author", "-created_at"], name="post_by_author")]

    def __str__(self) -> str:
        return f"#{self.number} in {self.thread_id} by {self.author_id}"

    def get_absolute_url(self) -> str:
        return reverse("forum:post_permalink", args=[self.pk])

    def page_number(self) -> int:
        return (self.number - 1) // settings.BOARD_POSTS_PER_PAGE + 1
