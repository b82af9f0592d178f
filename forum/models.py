from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import loaded_name
from config.cache import CacheUnavailable
from config.prepared import PreparedQuery
from forum.links import link
from forum.markup import ATTACH_RE, without_quotes
from forum.pagecache import forget_shared

# A list shows who posted last and when, never what: leave the bodies in the database.
UNLISTED_POST_FIELDS = ("last_post__body", "last_post__body_html")
LISTING_ORDER = ("-is_sticky", "-last_post_at", "-id")
# The forum page's "Sort by": the column each sorts on and its natural direction. Stickies stay
# on top whatever the sort, as vBulletin kept them.
LISTING_SORTS = {
    "last_post": ("last_post_at", "desc"),
    "replies": ("post_count", "desc"),
    "views": ("view_count", "desc"),
    "title": ("title", "asc"),
}


def listing_order(sort: str, direction: str) -> tuple[str, ...]:
    """The listing's ORDER BY for a sort and a direction ("asc" or "desc")."""
    field = LISTING_SORTS[sort][0]
    sign = "-" if direction == "desc" else ""
    return ("-is_sticky", f"{sign}{field}", f"{sign}id")


class Category(models.Model):
    """A heading on the board index that groups forums."""

    name = models.CharField(max_length=100, verbose_name=gettext_lazy("name"))
    slug = models.SlugField(max_length=100, unique=True, verbose_name=gettext_lazy("slug"))
    description = models.CharField(
        max_length=255, blank=True, verbose_name=gettext_lazy("description")
    )
    position = models.PositiveIntegerField(
        default=0,
        help_text=gettext_lazy("Lower comes first."),
        verbose_name=gettext_lazy("position"),
    )

    class Meta:
        verbose_name = gettext_lazy("category")
        verbose_name_plural = gettext_lazy("categories")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


# Forum permissions, as vBulletin's: for each forum and audience, whether it may see the forum
# (in lists, and its page), read its threads, start threads, reply in threads it started, and
# reply in threads others started. Built-in audiences, then any Django group an admin makes.
GUESTS, REGISTERED, AWAITING, MODERATORS, GROUP = (
    "guests",
    "registered",
    "awaiting",
    "moderators",
    "group",
)
AUDIENCES = [
    (GUESTS, gettext_lazy("Guests")),
    (REGISTERED, gettext_lazy("Registered members")),
    (AWAITING, gettext_lazy("Members awaiting email confirmation")),
    (MODERATORS, gettext_lazy("Moderators")),
    (GROUP, gettext_lazy("A group")),
]
BUILT_IN_AUDIENCES = [GUESTS, REGISTERED, AWAITING, MODERATORS]
SEE, READ, START, REPLY_OWN, REPLY_OTHERS = "see", "read", "start", "reply_own", "reply_others"
PERMISSIONS = [SEE, READ, START, REPLY_OWN, REPLY_OTHERS]


def access_tokens(grants: dict[str, set[str]]) -> str:
    """Forum.access for `grants` (audience key -> permissions): " read:guests see:guests ... ",
    each token framed by spaces so that a LIKE '% read:guests %' finds it on any database."""
    tokens = sorted(f"{permission}:{key}" for key, given in grants.items() for permission in given)
    return f" {' '.join(tokens)} " if tokens else " "


def inherited_access(parent_access: str) -> str:
    """What a forum with no rows of its own inherits from a parent with `parent_access`: the
    same, but built-in audiences that may not see the parent get nothing."""
    tokens = parent_access.split()
    hidden = {key for key in BUILT_IN_AUDIENCES if f"{SEE}:{key}" not in tokens}
    kept = [token for token in tokens if token.partition(":")[2] not in hidden]
    return f" {' '.join(kept)} " if kept else " "


def default_access() -> str:
    """Everything for the built-in audiences: a forum nobody restricted is public (posting still
    needs an account, a confirmed email where asked, and no ban)."""
    return access_tokens({key: set(PERMISSIONS) for key in BUILT_IN_AUDIENCES})


def audiences_of(user) -> list[str]:
    """The built-in audiences `user` belongs to (groups are looked up only when needed)."""
    if not user.is_authenticated:
        return [GUESTS]
    awaiting = settings.BOARD_REQUIRE_EMAIL_CONFIRMATION and not user.email_confirmed
    keys = [AWAITING if awaiting else REGISTERED]
    if user.is_staff and user.moderated_forum_ids != frozenset():
        keys.append(MODERATORS)
    return keys


def group_key(group_id: int) -> str:
    return f"{GROUP}:{group_id}"


def forum_permits(user, permission: str, prefix: str = "") -> Q:
    """The forums (at `prefix`, e.g. "thread__forum__") that grant `permission` to `user`: by
    an audience of theirs, a group of theirs (a subquery: no query of its own), or because
    they moderate that forum by name. Superusers are granted everything."""
    if user.is_authenticated and user.is_superuser:
        return Q()
    granted = Q()
    for key in audiences_of(user):
        granted |= Q(**{f"{prefix}access__contains": f" {permission}:{key} "})
    if user.is_authenticated:
        if user.moderated_forum_ids:
            granted |= Q(**{f"{prefix}pk__in": user.moderated_forum_ids})
        # ' read:group:7 ' for each group of theirs, looked for in the forum's access.
        token = Concat(
            Value(f" {permission}:{GROUP}:"),
            Cast("group_id", models.TextField()),
            Value(" "),
            output_field=models.TextField(),
        )
        forum_access = Cast(OuterRef(f"{prefix}access"), models.TextField())
        tokens = group_memberships().filter(Contains(forum_access, token), user_id=user.pk)
        granted |= Q(Exists(tokens))
    return granted


def group_memberships():
    return get_user_model().groups.through.objects


class ForumQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Forums `user` may see: listed on the index and in menus, their page open."""
        return self.filter(forum_permits(user, SEE))

    def readable_by(self, user):
        """Forums whose threads `user` may read."""
        return self.filter(forum_permits(user, READ))

    def for_index(self):
        """Forums with everything the board index shows, in the index's order."""
        return (
            self.select_related("category", "last_post__thread", "last_post__author")
            .defer(*UNLISTED_POST_FIELDS)
            .order_by("category__position", "category_id", "position", "id")
        )


class Forum(models.Model):
    """A board of threads. Its counters and last post are kept by forum.actions."""

    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="forums",
        verbose_name=gettext_lazy("category"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=gettext_lazy(
            "Makes this a subforum: listed under its parent, in the parent's category."
        ),
        verbose_name=gettext_lazy("parent"),
    )
    name = models.CharField(max_length=100, verbose_name=gettext_lazy("name"))
    slug = models.SlugField(max_length=100, unique=True, verbose_name=gettext_lazy("slug"))
    description = models.CharField(
        max_length=255, blank=True, verbose_name=gettext_lazy("description")
    )
    position = models.PositiveIntegerField(
        default=0,
        help_text=gettext_lazy("Lower comes first."),
        verbose_name=gettext_lazy("position"),
    )
    holds_all_posts = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Every new thread and reply here waits for a moderator's approval "
            "(moderators' own excepted)."
        ),
        verbose_name=gettext_lazy("holds all posts"),
    )
    thread_count = models.PositiveIntegerField(
        default=0,
        help_text=gettext_lazy("Visible threads."),
        verbose_name=gettext_lazy("thread count"),
    )
    post_count = models.PositiveIntegerField(
        default=0, help_text=gettext_lazy("Visible posts."), verbose_name=gettext_lazy("post count")
    )
    last_post = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("last post"),
    )
    last_post_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("last post at")
    )
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="moderated_forums",
        help_text=gettext_lazy(
            "Moderators of this forum only; moderators listed on no forum act everywhere."
        ),
        verbose_name=gettext_lazy("moderators"),
    )

    # Kept by forum.actions.rebuild_forum_tree from the parents and the ForumPermission rows,
    # so that every page reads who may do what from the forum row it already loads.
    access = models.TextField(
        default=default_access,
        editable=False,
        help_text=gettext_lazy(
            "The permissions in force, inherited ones resolved: ' read:guests ...'."
        ),
        verbose_name=gettext_lazy("access"),
    )
    ancestry = models.JSONField(
        default=list,
        editable=False,
        help_text=gettext_lazy(
            "The parent forums from the top, as [name, slug] pairs, for breadcrumbs."
        ),
        verbose_name=gettext_lazy("ancestry"),
    )
    subforum_count = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=gettext_lazy("subforum count")
    )
    moved_stubs_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=gettext_lazy(
            'When the last "Moved:" stub left here expires: the page looks for stubs '
            "only until then (community.MovedStub)."
        ),
        verbose_name=gettext_lazy("moved stubs until"),
    )
    announcement_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=gettext_lazy(
            "Announcements shown here (board-wide, its own, its parents'), ended or not: "
            "the page looks for them only when there are some."
        ),
        verbose_name=gettext_lazy("announcement count"),
    )

    objects = ForumQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("forum")
        verbose_name_plural = gettext_lazy("forums")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self._state.adding and self.parent_id is not None:
            # A new subforum starts with what it inherits, never open by default; the admin's
            # rebuild_forum_tree() then counts it on its parent.
            parent = self.parent
            self.access = inherited_access(parent.access)
            self.ancestry = [*parent.ancestry, [parent.name, parent.slug]]
            self.category_id = parent.category_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return link("forum:forum_detail", self.slug)

    def permits(self, user, permission: str) -> bool:
        """forum_permits() for this forum, already loaded: no query, but one (kept for the
        request) for a member's groups when only a group could grant it."""
        if user.is_authenticated and (
            user.is_superuser or self.pk in (user.moderated_forum_ids or ())
        ):
            return True
        if any(f" {permission}:{key} " in self.access for key in audiences_of(user)):
            return True
        if not user.is_authenticated or f" {permission}:{GROUP}:" not in self.access:
            return False
        return any(f" {permission}:{group_key(pk)} " in self.access for pk in user.group_ids)

    def access_summary(self) -> str:
        """The permissions in force, for the admin: "guests: see, read; registered: all"."""
        given: dict[str, list[str]] = {}
        for token in self.access.split():
            permission, _colon, key = token.partition(":")
            given.setdefault(key, []).append(permission)
        parts = []
        for key, permissions in sorted(given.items()):
            everything = len(permissions) == len(PERMISSIONS)
            shown = "all" if everything else ", ".join(sorted(permissions))
            parts.append(f"{key}: {shown}")
        return "; ".join(parts) or "nobody but superusers"

    def clean(self):
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A forum cannot sit inside itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    def refusal_to_start(self, user) -> str | None:
        """Why `user` may not start a thread here, or None when they may."""
        if not user.is_authenticated:
            return _("Log in or register to start a thread.")
        if user.is_under_ban:
            return user.ban_message()
        if not user.may_post:
            return _(
                "Confirm your email address before posting (a new link: /accounts/confirm-again/)."
            )
        if not self.permits(user, START):
            return _("You may not start threads in this forum.")
        return None

    @property
    def crumbs(self) -> list[dict]:
        return [
            {"name": name, "url": link("forum:forum_detail", slug)} for name, slug in self.ancestry
        ]

    def page_count(self) -> int:
        return max(1, -(-self.thread_count // settings.BOARD_THREADS_PER_PAGE))

    def holds_posts_of(self, user) -> bool:
        """Whether what `user` posts here waits in the moderation queue: everything in a
        forum that holds all posts, and a new member's first BOARD_HOLD_FIRST_POSTS posts
        (approved posts count towards it, so a newcomer waits once, not N times).
        Moderators of the forum are never held."""
        if user.moderates(self.pk):
            return False
        return self.holds_all_posts or user.post_count < settings.BOARD_HOLD_FIRST_POSTS


def arrange_forums(forums: list[Forum], user, under: int | None = None) -> list[Forum]:
    """The forums directly under `under` (None: the top) that `user` may see, in the given
    order, each with .subforums (likewise), and with .total_threads, .total_posts and
    .latest_post rolled up over itself and every forum below it whose threads `user` may read:
    no title from a forum they may not read reaches them. No query (but Forum.permits')."""
    by_parent: dict[int | None, list[Forum]] = {}
    for forum in forums:
        by_parent.setdefault(forum.parent_id, []).append(forum)

    def arrange(parent_id: int | None) -> list[Forum]:
        shown = [forum for forum in by_parent.get(parent_id, []) if forum.permits(user, SEE)]
        for forum in shown:
            forum.subforums = arrange(forum.pk)
            readable = forum.permits(user, READ)
            forum.total_threads = forum.thread_count if readable else 0
            forum.total_posts = forum.post_count if readable else 0
            forum.latest_post = forum.last_post if readable else None
            for child in forum.subforums:
                forum.total_threads += child.total_threads
                forum.total_posts += child.total_posts
                if child.latest_post and (
                    forum.latest_post is None
                    or child.latest_post.created_at > forum.latest_post.created_at
                ):
                    forum.latest_post = child.latest_post
        return shown

    return arrange(under)


class ForumPermission(models.Model):
    """One audience's permissions in one forum, as set in the admin. A forum with no row for
    an audience inherits its parent's; at the top, the built-in audiences may do everything
    and groups add nothing. forum.actions.rebuild_forum_tree resolves them into Forum.access."""

    forum = models.ForeignKey(
        Forum,
        on_delete=models.CASCADE,
        related_name="permissions",
        verbose_name=gettext_lazy("forum"),
    )
    audience = models.CharField(
        max_length=12, choices=AUDIENCES, verbose_name=gettext_lazy("audience")
    )
    group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=gettext_lazy("Only for the audience 'A group'."),
        verbose_name=gettext_lazy("group"),
    )
    can_see = models.BooleanField(
        gettext_lazy("see"), default=True, help_text=gettext_lazy("Listed, and its page opens.")
    )
    can_read = models.BooleanField(
        gettext_lazy("read"), default=True, help_text=gettext_lazy("Reads its threads.")
    )
    can_start = models.BooleanField(gettext_lazy("start threads"), default=True)
    can_reply_own = models.BooleanField(gettext_lazy("reply to own threads"), default=True)
    can_reply_others = models.BooleanField(gettext_lazy("reply to others' threads"), default=True)

    class Meta:
        verbose_name = gettext_lazy("forum permission")
        verbose_name_plural = gettext_lazy("forum permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "audience"],
                condition=~Q(audience=GROUP),
                name="one_permission_per_audience",
            ),
            models.UniqueConstraint(
                fields=["forum", "group"],
                condition=Q(audience=GROUP),
                name="one_permission_per_group",
            ),
            models.CheckConstraint(
                condition=Q(audience=GROUP, group__isnull=False)
                | (~Q(audience=GROUP) & Q(group__isnull=True)),
                name="group_only_for_group_audience",
            ),
        ]
        ordering = ["forum", "audience", "group"]

    def __str__(self) -> str:
        return f"{self.key} in forum {self.forum_id}"

    @property
    def key(self) -> str:
        return group_key(self.group_id) if self.audience == GROUP else self.audience

    def granted(self) -> set[str]:
        return {p for p in PERMISSIONS if getattr(self, f"can_{p}")}

    def clean(self):
        if (self.audience == GROUP) != (self.group_id is not None):
            raise ValidationError(_("Choose a group for the audience 'A group', and only for it."))


class AnnouncementQuerySet(models.QuerySet):
    def current(self, now=None):
        """Announcements shown now: started and not yet ended."""
        now = now or timezone.now()
        return self.filter(starts_at__lte=now).filter(Q(ends_at=None) | Q(ends_at__gt=now))

    def for_forum(self, forum: Forum, now=None):
        """What a forum's page shows: board-wide ones and those of the forum or its parents."""
        slugs = [slug for _, slug in forum.ancestry] + [forum.slug]
        return (
            self.current(now)
            .filter(Q(forum=None) | Q(forum__slug__in=slugs))
            .select_related("author")
            .order_by("-starts_at", "-pk")
        )


class Announcement(models.Model):
    """vBulletin's announcement: shown above the threads of a forum (and its subforums), or of
    every forum, between its start and end."""

    forum = models.ForeignKey(
        Forum,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="announcements",
        help_text=gettext_lazy("Empty: every forum."),
        verbose_name=gettext_lazy("forum"),
    )
    title = models.CharField(max_length=100, verbose_name=gettext_lazy("title"))
    body = models.TextField(help_text=gettext_lazy("BBCode."), verbose_name=gettext_lazy("body"))
    body_html = models.TextField(editable=False, verbose_name=gettext_lazy("body html"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("author"),
    )
    starts_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("starts at"))
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty: until removed."),
        verbose_name=gettext_lazy("ends at"),
    )

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("announcement")
        verbose_name_plural = gettext_lazy("announcements")
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def is_current(self, now=None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now and (self.ends_at is None or self.ends_at > now)

    def clean(self):
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end comes before the start.")})


class ThreadQuerySet(models.QuerySet):
    def visible(self):
        """Threads everyone sees: neither removed nor waiting for approval."""
        return self.filter(is_removed=False, is_held=False)

    def visible_to(self, user):
        """Threads `user` may open: in forums whose threads they may read (forum_permits);
        removed ones only for moderators of their forum, held ones for those moderators and
        the member who started them."""
        readable = forum_permits(user, READ, "forum__")
        if not user.is_authenticated:
            return self.visible().filter(readable)
        scope = user.moderated_forum_ids
        if scope is None:
            return self.filter(readable)
        shown = Q(is_removed=False, is_held=False) | Q(is_removed=False, starter=user)
        if scope:
            shown |= Q(forum_id__in=scope)
        return self.filter(shown).filter(readable)

    def held(self):
        """Threads waiting in the moderation queue (a rejected one is removed instead)."""
        return self.filter(is_held=True, is_removed=False)

    def moderated_by(self, user):
        """In the forums `user` moderates and may read."""
        scope = user.moderated_forum_ids
        readable = self.filter(forum_permits(user, READ, "forum__"))
        return readable if scope is None else readable.filter(forum_id__in=scope)

    def readable_by(self, user):
        """Threads in forums whose threads `user` may read (no other rule: chain it)."""
        return self.filter(forum_permits(user, READ, "forum__"))

    def in_forum(self, forum: Forum):
        return self.filter(forum=forum)

    def for_listing(self, order: tuple[str, ...] = LISTING_ORDER):
        """Threads as a forum page lists them: stickies first, then by last activity (or
        `order`, from listing_order())."""
        return (
            self.select_related("starter", "last_post__author")
            .defer(*UNLISTED_POST_FIELDS)
            .order_by(*order)
        )

    def listing_page(self, page: int, per_page: int, order: tuple[str, ...] = LISTING_ORDER):
        """Page `page` of these threads in listing order, found by id first: the rows an
        OFFSET skips are read from the index alone, never joined or annotated. Page 255 of a
        forum of 6,800 threads costs about what page 1 costs (in the default order, which has
        an index; the other sorts read the forum's rows)."""
        ids = self.order_by(*order).values("pk")[(page - 1) * per_page : page * per_page]
        return self.filter(pk__in=models.Subquery(ids)).for_listing(order)


class Thread(models.Model):
    forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, related_name="threads", verbose_name=gettext_lazy("forum")
    )
    title = models.CharField(max_length=100, verbose_name=gettext_lazy("title"))
    slug = models.SlugField(
        max_length=100, blank=True, allow_unicode=False, verbose_name=gettext_lazy("slug")
    )
    starter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="threads_started",
        verbose_name=gettext_lazy("starter"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    is_sticky = models.BooleanField(default=False, verbose_name=gettext_lazy("is sticky"))
    is_locked = models.BooleanField(default=False, verbose_name=gettext_lazy("is locked"))
    is_removed = models.BooleanField(default=False, verbose_name=gettext_lazy("is removed"))
    is_held = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Waiting for a moderator's approval: only its starter and the forum's "
            "moderators see it, and no counter counts it yet."
        ),
        verbose_name=gettext_lazy("is held"),
    )
    held_reply_count = models.PositiveIntegerField(
        default=0,
        help_text=gettext_lazy(
            "Replies waiting for approval; the thread page looks for them only when there are some."
        ),
        verbose_name=gettext_lazy("held reply count"),
    )
    post_count = models.PositiveIntegerField(
        default=0, help_text=gettext_lazy("Visible posts."), verbose_name=gettext_lazy("post count")
    )
    last_number = models.PositiveIntegerField(
        default=0,
        help_text=gettext_lazy("The highest post number given out; the next post gets one more."),
        verbose_name=gettext_lazy("last number"),
    )
    view_count = models.PositiveIntegerField(default=0, verbose_name=gettext_lazy("view count"))
    first_post = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("first post"),
    )
    last_post = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("last post"),
    )
    last_post_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("last post at")
    )
    legacy_id = models.PositiveIntegerField(
        null=True,
        blank=True,
        unique=True,
        help_text=gettext_lazy("The thread's id on the old board, if known."),
        verbose_name=gettext_lazy("legacy id"),
    )
    removed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("removed at")
    )
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("removed by"),
    )
    removed_reason = models.CharField(
        max_length=1000,
        blank=True,
        help_text=gettext_lazy("Why a moderator removed it; moderators read it."),
        verbose_name=gettext_lazy("removed reason"),
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=gettext_lazy("The thread this one was merged into; its old address leads there."),
        verbose_name=gettext_lazy("merged into"),
    )

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("thread")
        verbose_name_plural = gettext_lazy("threads")
        indexes = [
            models.Index(fields=["forum", "-is_sticky", "-last_post_at"], name="thread_listing"),
            models.Index(fields=["forum"], condition=Q(is_held=True), name="thread_held"),
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
            return _("Log in or register to reply.")
        if user.is_under_ban:
            return user.ban_message()
        if not user.may_post:
            return _("Confirm your email address before posting: see the mail we sent you.")
        if not self.forum.permits(user, READ):
            return _("You may not read this forum.")
        if self.is_removed and not user.moderates(self.forum_id):
            return _("This thread was removed.")
        if self.is_held:
            return _("This thread is waiting for a moderator's approval.")
        if self.is_locked and not user.moderates(self.forum_id):
            return _("This thread is closed: no new replies.")
        if self.starter_id == user.pk and not self.forum.permits(user, REPLY_OWN):
            return _("You may not reply to your own threads in this forum.")
        if self.starter_id != user.pk and not self.forum.permits(user, REPLY_OTHERS):
            return _("You may not reply to others' threads in this forum.")
        return None

    def page_count(self) -> int:
        return max(1, -(-self.last_number // settings.BOARD_POSTS_PER_PAGE))

    def is_on_first_page(self) -> bool:
        """Whether the thread is listed on page 1 of its forum in the default order."""
        first = Thread.objects.visible().filter(forum_id=self.forum_id).order_by(*LISTING_ORDER)
        return self.pk in first.values_list("pk", flat=True)[: settings.BOARD_THREADS_PER_PAGE]

    def page_links(self) -> list[int]:
        """The page numbers a forum list shows beside a thread of several pages: the first
        three (the last page gets its own link), vBulletin's "1 2 3 ... Last Page"."""
        count = self.page_count()
        return list(range(1, min(count, 4))) if count > 1 else []

    def is_visible_to(self, user) -> bool:
        """ThreadQuerySet.visible_to()'s rule, for a thread already loaded (with its forum)."""
        if not self.forum.permits(user, READ):
            return False
        if not self.is_removed and not self.is_held:
            return True
        if not user.is_authenticated:
            return False
        if user.moderates(self.forum_id):
            return True
        return not self.is_removed and self.starter_id == user.pk

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
        """Posts everyone sees: neither removed nor waiting for approval."""
        return self.filter(is_removed=False, is_held=False)

    def in_visible_threads(self):
        return self.filter(thread__is_removed=False, thread__is_held=False)

    def visible_to(self, user):
        """Posts `user` may open: in threads they may open, and held ones only for their
        author and the forum's moderators. (Removed posts show as removed, in place.)"""
        posts = self.filter(thread__in=Thread.objects.visible_to(user))
        if not user.is_authenticated:
            return posts.filter(is_held=False)
        scope = user.moderated_forum_ids
        if scope is None:
            return posts
        shown = Q(is_held=False) | Q(author=user)
        if scope:
            shown |= Q(thread__forum_id__in=scope)
        return posts.filter(shown)

    def held(self):
        """Replies waiting in the moderation queue (a rejected one is removed instead)."""
        return self.filter(is_held=True, is_removed=False)

    def moderated_by(self, user):
        """In the forums `user` moderates and may read."""
        scope = user.moderated_forum_ids
        readable = self.readable_by(user)
        return readable if scope is None else readable.filter(thread__forum_id__in=scope)

    def held_in(self, thread: Thread, user):
        """The replies waiting for approval in `thread` that `user` may see: all of them for
        its moderators, their own for others. None when no query is needed."""
        if not user.is_authenticated or not thread.held_reply_count:
            return self.none()
        held = self.held().filter(thread=thread).select_related("author").order_by("pk")
        return held if user.moderates(thread.forum_id) else held.filter(author=user)

    def readable_by(self, user):
        """Posts in forums whose threads `user` may read (no other rule: chain it)."""
        return self.filter(forum_permits(user, READ, "thread__forum__"))

    def recent_by(self, member, reader):
        """A member's visible posts in visible threads that `reader` may read, newest first."""
        return (
            self.visible()
            .in_visible_threads()
            .readable_by(reader)
            .filter(author=member)
            .select_related("thread")
            .order_by("-created_at", "-pk")
        )

    def page_of(self, thread: Thread, page: int):
        """One page of a thread, fetched by a range of post numbers: page 500 costs page 1."""
        return self.numbered(thread.pk, *post_numbers_on(page))

    def numbered(self, thread_id: int, after: int, last: int):
        """The thread's posts numbered `after` + 1 to `last`, with authors and editors."""
        return (
            self.filter(thread_id=thread_id, number__gt=after, number__lte=last)
            .select_related("author", "edited_by")
            .order_by("number")
        )


def post_numbers_on(page: int) -> tuple[int, int]:
    """The post numbers on a thread's page `page`: after the first, up to the second."""
    per_page = settings.BOARD_POSTS_PER_PAGE
    return (page - 1) * per_page, page * per_page


class Post(models.Model):
    thread = models.ForeignKey(
        Thread, on_delete=models.PROTECT, related_name="posts", verbose_name=gettext_lazy("thread")
    )
    number = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "The post's public number in its thread (#1, #2 ...); never reused. A held "
            "reply gets its number when it is approved."
        ),
        verbose_name=gettext_lazy("number"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=gettext_lazy("author"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=gettext_lazy("created at")
    )
    body = models.TextField(
        help_text=gettext_lazy("What the member wrote (BBCode source)."),
        verbose_name=gettext_lazy("body"),
    )
    body_html = models.TextField(
        help_text=gettext_lazy("The body rendered to safe HTML when it was written."),
        verbose_name=gettext_lazy("body html"),
    )
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("edited at"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("edited by"),
    )
    is_removed = models.BooleanField(default=False, verbose_name=gettext_lazy("is removed"))
    is_held = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "A reply waiting for a moderator's approval: only its author and the forum's "
            "moderators see it. A held thread's first post is not held itself: its thread is."
        ),
        verbose_name=gettext_lazy("is held"),
    )
    legacy_id = models.PositiveIntegerField(
        null=True,
        blank=True,
        unique=True,
        help_text=gettext_lazy("The post's id on the old board, if known."),
        verbose_name=gettext_lazy("legacy id"),
    )
    open_report_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=gettext_lazy(
            "Reports on this post waiting for a moderator: moderators see a mark on it."
        ),
        verbose_name=gettext_lazy("open report count"),
    )
    removed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("removed at")
    )
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("removed by"),
    )
    removed_reason = models.CharField(
        max_length=1000,
        blank=True,
        help_text=gettext_lazy("Why a moderator removed it; moderators read it."),
        verbose_name=gettext_lazy("removed reason"),
    )
    thanks_count = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=gettext_lazy("thanks count")
    )
    thanked_by = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=gettext_lazy(
            "[member id, username] of those who thanked, oldest first "
            "(community.actions keeps it with thanks_count): the postbit lists them with no query."
        ),
        verbose_name=gettext_lazy("thanked by"),
    )
    submission_key = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=gettext_lazy("The form's one-time key: a form submitted twice makes one post."),
        verbose_name=gettext_lazy("submission key"),
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("post")
        verbose_name_plural = gettext_lazy("posts")
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="post_number_in_thread"),
            models.CheckConstraint(
                condition=Q(number__isnull=False) | Q(is_held=True),
                name="post_numbered_unless_held",
            ),
        ]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="post_by_author"),
            models.Index(fields=["thread"], condition=Q(is_held=True), name="post_held"),
        ]

    def __str__(self) -> str:
        # A sentence: the admin's lists and history show it, in the reader's language.
        return _("#%(number)s in %(thread)s by %(author)s") % {
            "number": self.number or _("held"),
            "thread": loaded_name(self, "thread", "thread"),
            "author": loaded_name(self, "author", "member"),
        }

    def get_absolute_url(self) -> str:
        return link("forum:post_permalink", self.pk)

    def page_number(self) -> int:
        """The thread page showing the post; a held reply shows under the last page."""
        if self.number is None:
            return self.thread.page_count()
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
        """The post as a [QUOTE] for a reply: its own quotes left out, as vBulletin does, and
        its [ATTACH] tags, which in the reply would place the reply's own files."""
        body = ATTACH_RE.sub("", without_quotes(self.body))
        name = self.author.username.replace("]", "").replace(";", "")
        return f"[QUOTE={name};{self.pk}]{body.strip()}[/QUOTE]\n"


class PostRevision(models.Model):
    """A post's text before an edit; moderators read the history."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="revisions", verbose_name=gettext_lazy("post")
    )
    body = models.TextField(verbose_name=gettext_lazy("body"))
    written_at = models.DateTimeField(
        help_text=gettext_lazy("When this text was written (posted or edited)."),
        verbose_name=gettext_lazy("written at"),
    )
    replaced_at = models.DateTimeField(
        default=timezone.now, verbose_name=gettext_lazy("replaced at")
    )
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("replaced by"),
    )

    class Meta:
        verbose_name = gettext_lazy("post revision")
        verbose_name_plural = gettext_lazy("post revisions")
        ordering = ["post", "-replaced_at"]

    def __str__(self) -> str:
        return _("%(post)s before %(time)s") % {
            "post": self.post,
            "time": f"{self.replaced_at:%Y-%m-%d %H:%M}",
        }


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)

    def moderated_by(self, user):
        """The reports on posts in the forums `user` moderates."""
        scope = user.moderated_forum_ids
        readable = self.filter(forum_permits(user, READ, "post__thread__forum__"))
        if scope is None:
            return readable
        return readable.filter(post__thread__forum_id__in=scope)


class Report(models.Model):
    """A member's report of a post to the moderators."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="reports", verbose_name=gettext_lazy("post")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_made",
        verbose_name=gettext_lazy("reporter"),
    )
    reason = models.CharField(
        max_length=1000,
        help_text=gettext_lazy("What the member says is wrong."),
        verbose_name=gettext_lazy("reason"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    is_open = models.BooleanField(
        default=True,
        help_text=gettext_lazy("Waiting for a moderator."),
        verbose_name=gettext_lazy("is open"),
    )
    resolved_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("resolved at")
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("resolved by"),
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("report")
        verbose_name_plural = gettext_lazy("reports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["is_open", "-created_at"], name="report_queue")]

    def __str__(self) -> str:
        reporter, post = loaded_name(self, "reporter", "member"), loaded_name(self, "post", "post")
        return _("Report by %(reporter)s on %(post)s") % {"reporter": reporter, "post": post}


class SpammerCleanup(models.Model):
    """One "ban spammer" step: the ban, the threads and posts it removed and the address ban
    it made, kept so that a superuser can undo exactly that and nothing else."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="spammer_cleanups",
        verbose_name=gettext_lazy("member"),
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("moderator"),
    )
    reason = models.CharField(max_length=1000, verbose_name=gettext_lazy("reason"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    ban = models.ForeignKey(
        "accounts.Ban",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("ban"),
    )
    address_ban = models.ForeignKey(
        "accounts.AddressBan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("address ban"),
    )
    thread_ids = models.JSONField(
        default=list,
        help_text=gettext_lazy("The threads it removed."),
        verbose_name=gettext_lazy("thread ids"),
    )
    post_ids = models.JSONField(
        default=list,
        help_text=gettext_lazy("The posts it removed."),
        verbose_name=gettext_lazy("post ids"),
    )
    undone_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("undone at"))
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("undone by"),
    )

    class Meta:
        verbose_name = gettext_lazy("spammer cleanup")
        verbose_name_plural = gettext_lazy("spammer cleanups")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return _("Spammer ban of %(member)s on %(day)s") % {
            "member": loaded_name(self, "member", "member"),
            "day": f"{self.created_at:%Y-%m-%d}",
        }


# Warnings and infractions, as vBulletin 3.6 gives them: a moderator marks a post with a
# reason; an infraction carries points for a while, a warning none. Points in force add up, and
# reaching an InfractionLevel bans the member for that level's days (forum.actions).

MAX_INFRACTION_POINTS = 1000
MAX_INFRACTION_DAYS = 3650


class InfractionReason(models.Model):
    """A reason moderators choose from; its points and expiry are the defaults given."""

    name = models.CharField(max_length=100, unique=True, verbose_name=gettext_lazy("name"))
    points = models.PositiveSmallIntegerField(
        default=1,
        validators=[MaxValueValidator(MAX_INFRACTION_POINTS)],
        help_text=gettext_lazy("0 makes it a warning."),
        verbose_name=gettext_lazy("points"),
    )
    expires_after_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MaxValueValidator(MAX_INFRACTION_DAYS)],
        help_text=gettext_lazy("How long its points count; 0: they never expire."),
        verbose_name=gettext_lazy("expires after days"),
    )

    class Meta:
        verbose_name = gettext_lazy("infraction reason")
        verbose_name_plural = gettext_lazy("infraction reasons")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InfractionLevel(models.Model):
    """A threshold: when a member's points in force reach it, they are banned for ban_days."""

    points = models.PositiveSmallIntegerField(
        unique=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INFRACTION_POINTS * 10)],
        verbose_name=gettext_lazy("points"),
    )
    ban_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INFRACTION_DAYS)],
        help_text=gettext_lazy("How long the automatic ban lasts."),
        verbose_name=gettext_lazy("ban days"),
    )

    class Meta:
        verbose_name = gettext_lazy("infraction level")
        verbose_name_plural = gettext_lazy("infraction levels")
        ordering = ["points"]

    def __str__(self) -> str:
        return _("%(points)d points: banned %(days)d days") % {
            "points": self.points,
            "days": self.ban_days,
        }


class InfractionQuerySet(models.QuerySet):
    def in_force(self, now=None):
        """Infractions whose points count now: not reversed, not expired, not warnings."""
        now = now or timezone.now()
        return self.filter(reversed_at=None, points__gt=0).filter(
            Q(expires_at=None) | Q(expires_at__gt=now)
        )

    def of_member(self, member):
        return (
            self.filter(member=member)
            .select_related("post__thread", "moderator")
            .defer("post__body", "post__body_html")
            .order_by("-created_at", "-pk")
        )


class Infraction(models.Model):
    """A warning (0 points) or an infraction given for one post; reversed, never deleted."""

    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("post")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="infractions",
        verbose_name=gettext_lazy("member"),
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("moderator"),
    )
    reason = models.CharField(
        max_length=1000,
        help_text=gettext_lazy("Told to the member."),
        verbose_name=gettext_lazy("reason"),
    )
    points = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(MAX_INFRACTION_POINTS)], verbose_name=gettext_lazy("points")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When its points stop counting; empty: never."),
        verbose_name=gettext_lazy("expires at"),
    )
    reversed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("reversed at")
    )
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("reversed by"),
    )
    reversed_reason = models.CharField(
        max_length=1000, blank=True, verbose_name=gettext_lazy("reversed reason")
    )

    objects = InfractionQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("infraction")
        verbose_name_plural = gettext_lazy("infractions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["post"], name="one_infraction_per_post"),
        ]
        indexes = [models.Index(fields=["member", "-created_at"], name="infraction_by_member")]

    def __str__(self) -> str:
        post = loaded_name(self, "post", "post")
        if self.is_warning:
            return _("Warning for %(post)s") % {"post": post}
        return _("Infraction (%(points)d points) for %(post)s") % {
            "points": self.points,
            "post": post,
        }

    @property
    def is_warning(self) -> bool:
        return self.points == 0

    @property
    def is_in_force(self) -> bool:
        if self.reversed_at is not None or self.is_warning:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


# The reads every rendered page makes, compiled once per process (config/prepared.py): each is
# list() of the queryset method it names, the same instances.
FORUMS_FOR_INDEX = PreparedQuery(Forum, lambda: Forum.objects.for_index())
FORUM_BY_SLUG = PreparedQuery(
    Forum, lambda slug: Forum.objects.select_related("category").filter(slug=slug)[:1]
)
THREAD_FOR_PAGE = PreparedQuery(
    Thread, lambda pk, *, related: Thread.objects.select_related(*related).filter(pk=pk)[:1]
)
POSTS_NUMBERED = PreparedQuery(
    Post, lambda thread_id, after, last: Post.objects.numbered(thread_id, after, last)
)
# A shape per page, sort and page size: the first pages are the ones read.
THREADS_LISTED = PreparedQuery(
    Thread,
    lambda forum_id, *, page, per_page, order: (
        Thread.objects.visible().filter(forum_id=forum_id).listing_page(page, per_page, order)
    ),
    max_shapes=64,
)


# A member's profile as guests see it (members may read other forums: theirs run uncached).
GUESTS_RECENT_POSTS = PreparedQuery(
    Post,
    lambda member_id, *, count: Post.objects.recent_by(
        get_user_model()(pk=member_id), AnonymousUser()
    )[:count],
)


def recent_posts_by(member, reader, count: int) -> list[Post]:
    """list(Post.objects.recent_by(member, reader)[:count])."""
    if reader.is_authenticated:
        return list(Post.objects.recent_by(member, reader)[:count])
    return GUESTS_RECENT_POSTS.fetch(member.pk, count=count)


def page_of_posts(thread: Thread, page: int) -> list[Post]:
    """list(Post.objects.page_of(thread, page))."""
    return POSTS_NUMBERED.fetch(thread.pk, *post_numbers_on(page))


def listing_page_of(forum: Forum, page: int, per_page: int, order: tuple[str, ...]) -> list:
    """list(Thread.objects.visible().in_forum(forum).listing_page(page, per_page, order))."""
    return THREADS_LISTED.fetch(forum.pk, page=page, per_page=per_page, order=order)
