import math
import unicodedata
import zoneinfo

from confusable_homoglyphs.confusables import confusables_data
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Count, Value, Window
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.validators import is_invisible
from forum.links import link


def username_key(username: str) -> str:
    """The form two usernames share when members could not tell them apart.

    Case, width and compatibility forms are folded (NFKC + casefold), invisible characters
    (zero-width, fillers, bidi controls ...; see accounts.validators) are dropped, surrounding
    or repeated spaces are collapsed, and letters that look like ASCII letters in another
    script (Cyrillic "Р", Greek "ο" ...) become those letters, after Unicode's confusables
    table (UTS #39). So "Ross86", "ross86 ", "Ｒｏｓｓ８６", "Ross\u200b86" and "Роѕѕ86" all
    collide. New names with invisible characters are refused outright; dropping them here
    makes older ones collide too.
    """
    # Dropped before normalising too, so that a filler between two jamo cannot keep them
    # from composing into the syllable the visible name holds.
    folded = unicodedata.normalize("NFKC", visible(username)).casefold()
    folded = "".join(ascii_lookalike(char) for char in " ".join(visible(folded).split()))
    return folded.casefold()


def visible(text: str) -> str:
    return "".join(char for char in text if char.isspace() or not is_invisible(char))


def ascii_lookalike(char: str) -> str:
    if char.isascii():
        return char
    for homoglyph in confusables_data.get(char, ()):
        if len(homoglyph["c"]) == 1 and homoglyph["c"].isascii():
            return homoglyph["c"]
    return char


MODERATORS_GROUP = "Moderators"


class MemberManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username_key=username_key(username))

    def board_statistics(self) -> dict:
        """The member count and the newest member, in one query."""
        newest = (
            self.filter(is_active=True)
            .annotate(total=Window(Count("pk")))
            .order_by("-date_joined", "-pk")
            .first()
        )
        return {"count": newest.total if newest else 0, "newest": newest}


class User(AbstractUser):
    """A member of the board. Joined, counted and titled as a 2007 forum shows them."""

    username = models.CharField(
        max_length=50,
        unique=True,
        help_text="Shown on every post. 3-25 letters, digits, spaces and _ . -",
        error_messages={"unique": "That username is taken."},
    )
    username_key = models.CharField(
        max_length=50,
        unique=True,
        editable=False,
        help_text="The username folded for look-alike comparison; kept unique.",
    )
    user_title = models.CharField(
        max_length=50,
        blank=True,
        help_text="A custom title shown under the name; empty means the rank by post count.",
    )
    signature = models.TextField(blank=True, help_text="BBCode, shown under each post.")
    signature_html = models.TextField(blank=True, editable=False)
    location = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="Times are shown in this zone; empty means the board's zone.",
    )
    post_count = models.PositiveIntegerField(default=0, help_text="Visible posts; see recount.")
    last_activity_at = models.DateTimeField(null=True, blank=True)
    is_imported = models.BooleanField(
        default=False, help_text="Created by an archive import; has never logged in."
    )
    last_posted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member last posted; flood control reads it."
    )
    marked_all_read_at = models.DateTimeField(
        null=True, blank=True, help_text="Mark all read: everything before this counts as read."
    )
    subscribe_on_reply = models.BooleanField(
        default=True, help_text="Follow a thread (and get mail about replies) when replying to it."
    )
    email_confirmed = models.BooleanField(
        default=False, help_text="Clicked the link in the welcome mail."
    )
    # The member's current ban, copied from their Ban row so that every request can check it
    # without a query; forum.actions.ban_member and unban_member keep them in step.
    is_banned = models.BooleanField(
        default=False, editable=False, help_text="Banned; see banned_until and the Ban records."
    )
    banned_until = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the ban ends; empty is forever."
    )
    ban_reason = models.CharField(max_length=1000, blank=True, editable=False)

    objects = MemberManager()

    class Meta:
        ordering = ["username_key"]
        verbose_name = "member"

    def __str__(self) -> str:
        return self.username

    def save(self, *args, **kwargs):
        self.username_key = username_key(self.username)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return link("members:member_detail", self.pk)

    @property
    def rank(self) -> str:
        """The title earned by post count, from the BOARD_RANKS ladder."""
        earned = settings.BOARD_RANKS[0][1]
        for threshold, title in settings.BOARD_RANKS:
            if self.post_count >= threshold:
                earned = title
        return earned

    @property
    def display_title(self) -> str:
        return self.user_title or self.rank

    @property
    def may_set_user_title(self) -> bool:
        return self.is_staff or self.post_count >= settings.BOARD_CUSTOM_TITLE_POSTS

    @property
    def is_under_ban(self) -> bool:
        """Banned right now: a ban with an end date expires by itself, with no job to lift it."""
        if not self.is_banned:
            return False
        return self.banned_until is None or self.banned_until > timezone.now()

    def ban_message(self) -> str:
        until = "for good"
        if self.banned_until is not None:
            until = f"until {timezone.localtime(self.banned_until):%Y-%m-%d %H:%M %Z}"
        return f"You are banned {until}. Reason: {self.ban_reason or 'none given'}"

    @property
    def may_post(self) -> bool:
        """Active, not banned, and (where the board asks for it) with a confirmed email."""
        if not self.is_active or self.is_under_ban:
            return False
        return self.email_confirmed or not settings.BOARD_REQUIRE_EMAIL_CONFIRMATION

    def seconds_until_may_post(self, now) -> int:
        """Flood control: how long the member must still wait before posting again."""
        if self.is_staff or self.last_posted_at is None:
            return 0
        waited = (now - self.last_posted_at).total_seconds()
        return max(0, math.ceil(settings.BOARD_FLOOD_SECONDS - waited))

    @cached_property
    def moderated_forum_ids(self) -> frozenset[int] | None:
        """The forums this member moderates: None means every forum, empty means none.

        Moderators are staff in the "Moderators" group; those listed on some forums moderate
        only those, the others everywhere. One query, and none for ordinary members.
        """
        if self.is_superuser:
            return None
        if not (self.is_active and self.is_staff):
            return frozenset()
        from forum.models import Forum

        rows = set(
            Forum.moderators.through.objects.filter(user=self)
            .values_list("forum_id", flat=True)
            .union(self.groups.filter(name=MODERATORS_GROUP).values_list(Value(0)))
        )
        if 0 not in rows:
            return frozenset()
        rows.discard(0)
        return frozenset(rows) or None

    def moderates(self, forum_id: int) -> bool:
        scope = self.moderated_forum_ids
        return scope is None or forum_id in scope

    @property
    def zone(self) -> zoneinfo.ZoneInfo | None:
        if not self.time_zone:
            return None
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None


class Ban(models.Model):
    """A moderator's ban of a member: why, by whom, until when, and when it was lifted.

    The member's row carries the ban in force (is_banned, banned_until, ban_reason) so that
    checks need no query; these rows are the record moderators and superusers read.
    """

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="bans")
    reason = models.CharField(max_length=1000, help_text="Shown to the member when they log in.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", help_text="The moderator."
    )
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: the ban lasts until a moderator lifts it."
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Ban of {self.member_id} from {self.created_at:%Y-%m-%d}"

    @property
    def is_in_force(self) -> bool:
        if self.lifted_at is not None:
            return False
        return self.ends_at is None or self.ends_at > timezone.now()


class ThrottleCount(models.Model):
    """How often one thing (failed logins for an account, mail to an address ...) happened in
    the current window. Kept in the database so that every worker and every app server shares
    the counts, whatever the cache; accounts.throttle reads and writes them."""

    key = models.CharField(max_length=80, primary_key=True, help_text="kind:hash of what counts")
    count = models.PositiveIntegerField(default=0)
    window_ends_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "throttle count"

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.window_ends_at:%Y-%m-%d %H:%M}"
