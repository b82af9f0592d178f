import ipaddress
import math
import re
import unicodedata
import zoneinfo

from confusable_homoglyphs.confusables import confusables_data
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Value, Window
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.validators import is_invisible
from config.prepared import PreparedQuery
from forum.links import link


def loaded_name(instance, field: str, kind: str) -> str:
    """A related object's name for __str__ when it is already loaded (the admin's lists load
    them), else its kind and id: a title never costs a hidden query."""
    descriptor = getattr(type(instance), field)
    if descriptor.is_cached(instance):
        related = getattr(instance, field)
        return f"“{related}”" if kind == "thread" else str(related)
    related_id = getattr(instance, f"{field}_id")
    kinds = {"thread": _("thread"), "member": _("member"), "post": _("post")}
    if related_id is None:
        return _("no %(kind)s") % {"kind": kinds.get(kind, kind)}
    return f"{kinds.get(kind, kind)} {related_id}"


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

    def lock_in_order(self, ids) -> dict:
        """Locks these members' rows in id order, the order recount locks them in, and returns
        them by id: a write that changes several members' counters takes them this way first,
        so two such writes never wait on each other in a circle (a deadlock)."""
        rows = self.select_for_update().filter(pk__in=set(ids)).order_by("pk")
        return {member.pk: member for member in rows} if ids else {}

    def board_statistics(self) -> dict:
        """The member count and the newest member, in one query (compiled once per process:
        config/prepared.py)."""
        newest = next(iter(NEWEST_MEMBER.fetch()), None)
        return {"count": newest.total if newest else 0, "newest": newest}

    def newest_with_count(self):
        """The newest active member, annotated with the count of active members (`total`)."""
        return (
            self.filter(is_active=True)
            .annotate(total=Window(Count("pk")))
            .order_by("-date_joined", "-pk")[:1]
        )


class MessagesFrom(models.TextChoices):
    EVERYONE = "everyone", gettext_lazy("Every member")
    CONTACTS = "contacts", gettext_lazy("Only my contacts")
    NOBODY = "nobody", gettext_lazy("Nobody: private messages off")


class User(AbstractUser):
    """A member of the board. Joined, counted and titled as a 2007 forum shows them."""

    username = models.CharField(
        max_length=50,
        unique=True,
        help_text=gettext_lazy("Shown on every post. 3-25 letters, digits, spaces and _ . -"),
        error_messages={"unique": gettext_lazy("That username is taken.")},
        verbose_name=gettext_lazy("username"),
    )
    username_key = models.CharField(
        max_length=50,
        unique=True,
        editable=False,
        help_text=gettext_lazy("The username folded for look-alike comparison; kept unique."),
        verbose_name=gettext_lazy("username key"),
    )
    user_title = models.CharField(
        max_length=50,
        blank=True,
        help_text=gettext_lazy(
            "A custom title shown under the name; empty means the rank by post count."
        ),
        verbose_name=gettext_lazy("user title"),
    )
    signature = models.TextField(
        blank=True,
        help_text=gettext_lazy("BBCode, shown under each post."),
        verbose_name=gettext_lazy("signature"),
    )
    signature_html = models.TextField(
        blank=True, editable=False, verbose_name=gettext_lazy("signature html")
    )
    location = models.CharField(max_length=100, blank=True, verbose_name=gettext_lazy("location"))
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text=gettext_lazy("Times are shown in this zone; empty means the board's zone."),
        verbose_name=gettext_lazy("time zone"),
    )
    language = models.CharField(
        gettext_lazy("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=gettext_lazy(
            "Pages and mail are in this language; empty means the board's language."
        ),
    )
    color_mode = models.CharField(
        max_length=5,
        choices=[
            ("auto", gettext_lazy("As my system")),
            ("light", gettext_lazy("Light")),
            ("dark", gettext_lazy("Dark")),
        ],
        default="auto",
        help_text=gettext_lazy(
            "The board's colours: light, dark, or following the system's setting."
        ),
        verbose_name=gettext_lazy("color mode"),
    )
    post_count = models.PositiveIntegerField(
        default=0,
        help_text=gettext_lazy("Visible posts; see recount."),
        verbose_name=gettext_lazy("post count"),
    )
    last_activity_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("last activity at")
    )
    is_imported = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Created by an archive import; has never logged in."),
        verbose_name=gettext_lazy("is imported"),
    )
    last_posted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When the member last posted; flood control reads it."),
        verbose_name=gettext_lazy("last posted at"),
    )
    marked_all_read_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Mark all read: everything before this counts as read."),
        verbose_name=gettext_lazy("marked all read at"),
    )
    subscribe_on_reply = models.BooleanField(
        default=True,
        help_text=gettext_lazy("Follow a thread (and get mail about replies) when replying to it."),
        verbose_name=gettext_lazy("subscribe on reply"),
    )
    email_confirmed = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Clicked the link in the welcome mail."),
        verbose_name=gettext_lazy("email confirmed"),
    )
    # The member's current ban, copied from their Ban row so that every request can check it
    # without a query; forum.actions.ban_member and unban_member keep them in step.
    is_banned = models.BooleanField(
        default=False,
        editable=False,
        help_text=gettext_lazy("Banned; see banned_until and the Ban records."),
        verbose_name=gettext_lazy("is banned"),
    )
    banned_until = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=gettext_lazy("When the ban ends; empty is forever."),
        verbose_name=gettext_lazy("banned until"),
    )
    ban_reason = models.CharField(
        max_length=1000, blank=True, editable=False, verbose_name=gettext_lazy("ban reason")
    )
    # Private messages (the messaging app). The unread count is shown in every member's header,
    # so it lives on the row each request loads; messaging.actions keeps it in step.
    messages_from = models.CharField(
        max_length=10,
        choices=MessagesFrom,
        default=MessagesFrom.EVERYONE,
        help_text=gettext_lazy("Who may send this member private messages (staff always may)."),
        verbose_name=gettext_lazy("messages from"),
    )
    mail_on_message = models.BooleanField(
        default=True,
        help_text=gettext_lazy(
            "Mail me when a private message arrives (once per conversation until read)."
        ),
        verbose_name=gettext_lazy("mail on message"),
    )
    unread_conversation_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=gettext_lazy("Conversations with messages the member has not read."),
        verbose_name=gettext_lazy("unread conversation count"),
    )
    contacts = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="contact_of",
        help_text=gettext_lazy("The member's contacts (vBulletin's buddy list)."),
        verbose_name=gettext_lazy("contacts"),
    )  # fmt: skip
    ignored_members = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="ignored_by",
        help_text=gettext_lazy("Members whose posts are hidden from this member and whose "
                               "messages are refused."),
        verbose_name=gettext_lazy("ignored members"),
    )  # fmt: skip
    # The ignored members' ids, copied from ignored_members so that every thread page can hide
    # their posts without a query (as is_banned is copied from Ban); messaging.actions writes both.
    ignored_ids = models.JSONField(
        default=list, blank=True, editable=False, verbose_name=gettext_lazy("ignored ids")
    )
    # Kept by community.actions in the transaction that changes them, so the postbit and the
    # header's bell read them from the row every page already loads.
    reputation = models.IntegerField(
        default=0,
        editable=False,
        help_text=gettext_lazy("Reputation received, positive minus negative."),
        verbose_name=gettext_lazy("reputation"),
    )
    unread_notice_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=gettext_lazy("Unread notifications: the bell in the header."),
        verbose_name=gettext_lazy("unread notice count"),
    )
    # The member's avatar (pictures/): the key in its stored files' names; empty, none.
    avatar_key = models.CharField(
        max_length=32, blank=True, editable=False, verbose_name=gettext_lazy("avatar key")
    )
    may_set_avatar = models.BooleanField(
        default=True,
        help_text=gettext_lazy("Off: the member may not set an avatar (an administrator's block)."),
        verbose_name=gettext_lazy("may set avatar"),
    )
    # Copied from the member's confirmed TOTP device (accounts.two_factor keeps them in step), so
    # that logging in and the admin's staff rule know without a query.
    has_two_factor = models.BooleanField(
        default=False,
        editable=False,
        help_text=gettext_lazy("Logs in with a code from an authenticator app."),
        verbose_name=gettext_lazy("has two factor"),
    )
    deactivated_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text=gettext_lazy("When the member closed their account; logging in again "
                               "reopens it."),
        verbose_name=gettext_lazy("deactivated at"),
    )  # fmt: skip
    erased_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text=gettext_lazy("When the account was erased (it shows as “Former member #N”)."),
        verbose_name=gettext_lazy("erased at"),
    )  # fmt: skip

    objects = MemberManager()

    class Meta:
        ordering = ["username_key"]
        verbose_name = gettext_lazy("member")
        verbose_name_plural = gettext_lazy("members")
        constraints = [
            # One account per address, whatever its case; many accounts may have none.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="member_email_unique",
                violation_error_message=gettext_lazy(
                    "That email address belongs to another account."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args, **kwargs):
        self.username_key = username_key(self.username)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return link("members:member_detail", self.pk)

    @property
    def rank(self) -> str:
        """The title earned by post count, from the BOARD_RANKS ladder, in the active language
        (the ladder's titles are English; a title the catalog lacks is shown as written)."""
        earned = settings.BOARD_RANKS[0][1]
        for threshold, title in settings.BOARD_RANKS:
            if self.post_count >= threshold:
                earned = title
        return _(earned)

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
        reason = self.ban_reason or _("none given")
        if self.banned_until is None:
            return _("You are banned for good. Reason: %(reason)s") % {"reason": reason}
        return _("You are banned until %(until)s. Reason: %(reason)s") % {
            "until": f"{timezone.localtime(self.banned_until):%Y-%m-%d %H:%M %Z}",
            "reason": reason,
        }

    @property
    def may_be_ignored(self) -> bool:
        """Moderators and admins cannot be ignored: members must always see what they say."""
        return not (self.is_staff or self.is_superuser)

    def ignores(self, member: "User | None") -> bool:
        return member is not None and member.pk in self.ignored_ids and member.may_be_ignored

    @property
    def may_post(self) -> bool:
        """Active, not banned, and (where the board asks for it) with a confirmed email."""
        if not self.is_active or self.is_under_ban:
            return False
        return self.email_confirmed or not settings.BOARD_REQUIRE_EMAIL_CONFIRMATION

    @property
    def max_links_per_post(self) -> int | None:
        """How many links and images to other sites one post of theirs may hold; None is any.
        New members are limited, as spam accounts post links from the start."""
        if self.is_staff or self.post_count >= settings.BOARD_NEW_MEMBER_POSTS:
            return None
        return settings.BOARD_NEW_MEMBER_MAX_LINKS

    def link_refusal(self, link_count: int) -> str | None:
        """Why a post with `link_count` links and images may not be posted by them, or None."""
        allowed = self.max_links_per_post
        if allowed is None or link_count <= allowed:
            return None
        until = ngettext(
            "until you have %(needed)d post (you have %(count)d)",
            "until you have %(needed)d posts (you have %(count)d)",
            settings.BOARD_NEW_MEMBER_POSTS,
        ) % {"needed": settings.BOARD_NEW_MEMBER_POSTS, "count": self.post_count}
        if allowed == 0:
            return _(
                "New members may not post links or images %(until)s. Remove them and try again."
            ) % {"until": until}
        return ngettext(
            "New members may post at most %(allowed)d link or image per post %(until)s; "
            "this post has %(count)d. Remove some and try again.",
            "New members may post at most %(allowed)d links or images per post %(until)s; "
            "this post has %(count)d. Remove some and try again.",
            allowed,
        ) % {"allowed": allowed, "until": until, "count": link_count}

    def seconds_until_may_post(self, now) -> int:
        """Flood control: how long the member must still wait before posting again."""
        if self.is_staff or self.last_posted_at is None:
            return 0
        waited = (now - self.last_posted_at).total_seconds()
        return max(0, math.ceil(settings.BOARD_FLOOD_SECONDS - waited))

    @cached_property
    def group_ids(self) -> frozenset[int]:
        """The groups the member is in: one query, kept for the request (forum permissions
        ask only when a forum grants something to a group)."""
        return frozenset(self.groups.values_list("pk", flat=True))

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

    def may_ban(self, member: "User") -> bool:
        """Moderators of the whole board ban members; only superusers ban staff."""
        if not (self.is_authenticated and self.is_active and self.is_staff) or member == self:
            return False
        if (member.is_staff or member.is_superuser) and not self.is_superuser:
            return False
        return self.moderated_forum_ids is None

    def moderates(self, forum_id: int) -> bool:
        scope = self.moderated_forum_ids
        return scope is None or forum_id in scope

    @property
    def mail_language(self) -> str:
        """The language of mail to the member: their own, else the board's."""
        return self.language or settings.LANGUAGE_CODE

    @property
    def zone(self) -> zoneinfo.ZoneInfo | None:
        if not self.time_zone:
            return None
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None


# Compiled once per process (config/prepared.py): the index's member statistics, and the
# member a profile shows (list(User.objects.filter(is_active=True, pk=pk)[:1])).
NEWEST_MEMBER = PreparedQuery(User, lambda: User.objects.newest_with_count())
ACTIVE_MEMBER = PreparedQuery(User, lambda pk: User.objects.filter(is_active=True, pk=pk)[:1])


class Ban(models.Model):
    """A moderator's ban of a member: why, by whom, until when, and when it was lifted.

    The member's row carries the ban in force (is_banned, banned_until, ban_reason) so that
    checks need no query; these rows are the record moderators and superusers read.
    """

    member = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="bans", verbose_name=gettext_lazy("member")
    )
    reason = models.CharField(
        max_length=1000,
        help_text=gettext_lazy("Shown to the member when they log in."),
        verbose_name=gettext_lazy("reason"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    created_by = models.ForeignKey(
        User,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=gettext_lazy("The moderator."),
        verbose_name=gettext_lazy("created by"),
    )
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty: the ban lasts until a moderator lifts it."),
        verbose_name=gettext_lazy("ends at"),
    )
    lifted_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("lifted at"))
    lifted_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("lifted by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = gettext_lazy("ban")
        verbose_name_plural = gettext_lazy("bans")

    def __str__(self) -> str:
        return _("Ban of %(member)s from %(day)s") % {
            "member": loaded_name(self, "member", "member"),
            "day": f"{self.created_at:%Y-%m-%d}",
        }

    @property
    def is_in_force(self) -> bool:
        if self.lifted_at is not None:
            return False
        return self.ends_at is None or self.ends_at > timezone.now()


class AddressRecord(models.Model):
    """Where a member was when they registered, logged in, posted or edited: moderators read
    these to tell who is who (vBulletin's IP tools); members never see them. Kept
    BOARD_ADDRESS_DAYS, then erased by `manage.py erase_old_addresses`."""

    REGISTRATION, LOGIN, POST, EDIT = "registration", "login", "post", "edit"
    KINDS = [
        (REGISTRATION, gettext_lazy("registered")),
        (LOGIN, gettext_lazy("logged in")),
        (POST, gettext_lazy("posted")),
        (EDIT, gettext_lazy("edited")),
    ]

    member = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="addresses",
        verbose_name=gettext_lazy("member"),
    )
    address = models.GenericIPAddressField(verbose_name=gettext_lazy("address"))
    kind = models.CharField(max_length=12, choices=KINDS, verbose_name=gettext_lazy("kind"))
    # A plain number: accounts is the lower layer and knows nothing of forum's models.
    post_id = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("The post written or edited (forum.Post's id)."),
        verbose_name=gettext_lazy("post id"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["address", "member"], name="address_members"),
            models.Index(fields=["member", "-created_at"], name="member_addresses"),
            models.Index(
                fields=["post_id"], condition=models.Q(post_id__isnull=False), name="post_address"
            ),
            models.Index(fields=["created_at"], name="address_age"),
        ]
        verbose_name = gettext_lazy("address record")
        verbose_name_plural = gettext_lazy("address records")

    def __str__(self) -> str:
        return (
            f"{loaded_name(self, 'member', 'member')} {self.get_kind_display()} from {self.address}"
        )

    @classmethod
    def note(cls, member, address: str | None, kind: str, *, post_id: int | None = None):
        """Records `address` (as REMOTE_ADDR gave it); an address that is not one is left out
        (a test client, a misconfigured proxy)."""
        try:
            address = str(ipaddress.ip_address(address or ""))
        except ValueError:
            return None
        return cls.objects.create(member=member, address=address, kind=kind, post_id=post_id)


class BanQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=timezone.now()))


class AddressBanQuerySet(BanQuerySet):
    def covering(self, address: str | None) -> "AddressBan | None":
        """The ban in force whose range holds `address`, or None. One query: the list is short,
        and ranges are matched the same way on PostgreSQL and SQLite."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return None
        for ban in self.in_force().order_by("pk"):
            if ip in ban.ip_network:
                return ban
        return None


class EmailDomainBanQuerySet(BanQuerySet):
    def covering(self, email: str | None) -> "EmailDomainBan | None":
        """The ban in force on the email's domain or a domain above it, or None. One query."""
        return self.on_domain_of(email).first()

    def on_domain_of(self, email: str | None):
        """The bans in force on the email's domain or a domain above it, oldest first."""
        domain = (email or "").rpartition("@")[2].strip().lower().rstrip(".")
        if not domain:
            return self.none()
        labels = domain.split(".")
        candidates = [".".join(labels[i:]) for i in range(len(labels))]
        return self.in_force().filter(domain__in=candidates).order_by("pk")


def until_text(ends_at) -> str:
    if ends_at is None:
        return _("until lifted")
    return _("until %(when)s") % {"when": f"{timezone.localtime(ends_at):%Y-%m-%d %H:%M %Z}"}


class AddressBan(models.Model):
    """No registering or posting from an address or a range (staff excepted)."""

    network = models.CharField(
        max_length=50,
        help_text=gettext_lazy(
            "An address (203.0.113.7) or a range in CIDR form (203.0.113.0/24, 2001:db8::/48)."
        ),
        verbose_name=gettext_lazy("network"),
    )
    reason = models.CharField(
        max_length=1000,
        help_text=gettext_lazy("Shown to whoever is refused."),
        verbose_name=gettext_lazy("reason"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("created by"),
    )
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty: until deleted."),
        verbose_name=gettext_lazy("ends at"),
    )

    objects = AddressBanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = gettext_lazy("address ban")
        verbose_name_plural = gettext_lazy("address bans")

    def __str__(self) -> str:
        return self.network

    def save(self, *args, **kwargs):
        self.network = normal_network(self.network)
        super().save(*args, **kwargs)

    @property
    def ip_network(self):
        return ipaddress.ip_network(self.network, strict=False)

    def clean(self):
        self.network = normal_network(self.network)

    def refusal(self) -> str:
        return _(
            "Registering and posting from your network address are banned %(until)s. "
            "Reason: %(reason)s"
        ) % {"until": until_text(self.ends_at), "reason": self.reason}


# Wider ranges would lock out a large share of the internet by one typo.
WIDEST_PREFIX = {4: 8, 6: 19}


def normal_network(raw: str) -> str:
    try:
        network = ipaddress.ip_network((raw or "").strip(), strict=False)
    except ValueError:
        raise ValidationError(
            {"network": _("Write an address (203.0.113.7) or a range (203.0.113.0/24).")}
        ) from None
    if network.prefixlen < WIDEST_PREFIX[network.version]:
        raise ValidationError(
            {
                "network": _("That range is too wide: at most /%(prefix)d.")
                % {"prefix": WIDEST_PREFIX[network.version]}
            }
        )
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)  # one address reads as one address
    return str(network)


DOMAIN_SHAPE = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}$")


class EmailDomainBan(models.Model):
    """No registering or posting with an email address at this domain or under it."""

    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text=gettext_lazy("spam.example bans @spam.example and @mail.spam.example."),
        error_messages={"unique": gettext_lazy("That domain is banned already.")},
        verbose_name=gettext_lazy("domain"),
    )
    reason = models.CharField(
        max_length=1000,
        help_text=gettext_lazy("Shown to whoever is refused."),
        verbose_name=gettext_lazy("reason"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("created by"),
    )
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Empty: until deleted."),
        verbose_name=gettext_lazy("ends at"),
    )

    objects = EmailDomainBanQuerySet.as_manager()

    class Meta:
        ordering = ["domain"]
        verbose_name = gettext_lazy("email domain ban")
        verbose_name_plural = gettext_lazy("email domain bans")

    def __str__(self) -> str:
        return self.domain

    def clean(self):
        domain = (self.domain or "").strip().lower().lstrip("@").rstrip(".")
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            domain = ""
        if not DOMAIN_SHAPE.match(domain):
            raise ValidationError({"domain": _("Write a domain such as spam.example.")})
        self.domain = domain

    def refusal(self) -> str:
        return _(
            "Registering and posting with email addresses at %(domain)s are banned %(until)s. "
            "Reason: %(reason)s"
        ) % {"domain": self.domain, "until": until_text(self.ends_at), "reason": self.reason}


def plain_answer(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class HumanQuestion(models.Model):
    """A question people at this board answer easily and bots do not ("What do we lift
    here?"), asked at registration (BOARD_HUMAN_CHECK). One active question is picked at
    random for each form."""

    question = models.CharField(max_length=200, verbose_name=gettext_lazy("question"))
    answers = models.TextField(
        help_text=gettext_lazy(
            "Every accepted answer, one per line; case and spaces do not matter."
        ),
        verbose_name=gettext_lazy("answers"),
    )
    is_active = models.BooleanField(default=True, verbose_name=gettext_lazy("is active"))

    class Meta:
        ordering = ["pk"]
        verbose_name = gettext_lazy("human question")
        verbose_name_plural = gettext_lazy("human questions")

    def __str__(self) -> str:
        return self.question

    def clean(self):
        if not self.accepted_answers():
            raise ValidationError({"answers": _("Give at least one accepted answer.")})

    def accepted_answers(self) -> set[str]:
        return {plain_answer(line) for line in self.answers.splitlines() if line.strip()}

    def accepts(self, answer: str) -> bool:
        return plain_answer(answer) in self.accepted_answers()


class ThrottleCount(models.Model):
    """How often one thing (failed logins for an account, mail to an address ...) happened in
    the current window. Kept in the database so that every worker and every app server shares
    the counts, whatever the cache; accounts.throttle reads and writes them."""

    key = models.CharField(
        max_length=80,
        primary_key=True,
        help_text=gettext_lazy("kind:hash of what counts"),
        verbose_name=gettext_lazy("key"),
    )
    count = models.PositiveIntegerField(default=0, verbose_name=gettext_lazy("count"))
    window_ends_at = models.DateTimeField(
        db_index=True, verbose_name=gettext_lazy("window ends at")
    )

    class Meta:
        verbose_name = gettext_lazy("throttle count")
        verbose_name_plural = gettext_lazy("throttle counts")

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.window_ends_at:%Y-%m-%d %H:%M}"


class EmailChange(models.Model):
    """A member's request to move their account to another address: it takes effect only when
    the link mailed to the new address is followed, and the old address may undo it. The rows
    are also the record of every change (who, from, to, when)."""

    member = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="email_changes",
        verbose_name=gettext_lazy("member"),
    )
    old_email = models.EmailField(blank=True, verbose_name=gettext_lazy("old email"))
    new_email = models.EmailField(verbose_name=gettext_lazy("new email"))
    requested_at = models.DateTimeField(
        default=timezone.now, verbose_name=gettext_lazy("requested at")
    )
    confirmed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("confirmed at")
    )
    undone_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("undone at"))

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = gettext_lazy("email change")
        verbose_name_plural = gettext_lazy("email changes")

    def __str__(self) -> str:
        return f"{self.member_id}: {self.old_email or '(none)'} to {self.new_email}"


class MemberSession(models.Model):
    """One logged-in browser of a member, for their sessions page: recorded at login, its last
    request noted at most every few minutes (accounts.sessions). The session itself stays in
    the session backend; this row names its key so that it can be ended from elsewhere."""

    member = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="sessions", verbose_name=gettext_lazy("member")
    )
    session_key = models.CharField(
        max_length=64, unique=True, verbose_name=gettext_lazy("session key")
    )
    user_agent = models.CharField(
        max_length=300, blank=True, verbose_name=gettext_lazy("user agent")
    )
    address = models.GenericIPAddressField(
        null=True, blank=True, verbose_name=gettext_lazy("address")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    last_seen_at = models.DateTimeField(
        default=timezone.now, verbose_name=gettext_lazy("last seen at")
    )

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        indexes = [models.Index(fields=["member", "-last_seen_at"], name="member_sessions")]
        verbose_name = gettext_lazy("member session")
        verbose_name_plural = gettext_lazy("member sessions")

    def __str__(self) -> str:
        return f"{self.member_id} since {self.created_at:%Y-%m-%d %H:%M}"


class AccountEvent(models.Model):
    """The account log: things done to an account that members and staff may need to trace
    later (an email change, two-factor on or off, deactivation, erasure), and who did them."""

    EMAIL_CHANGED, EMAIL_RESTORED = "email_changed", "email_restored"
    TWO_FACTOR_ON, TWO_FACTOR_OFF = "two_factor_on", "two_factor_off"
    DEACTIVATED, ERASED, SESSIONS_ENDED = "deactivated", "erased", "sessions_ended"
    KINDS = [
        (EMAIL_CHANGED, gettext_lazy("email address changed")),
        (EMAIL_RESTORED, gettext_lazy("email change undone")),
        (TWO_FACTOR_ON, gettext_lazy("two-factor login turned on")),
        (TWO_FACTOR_OFF, gettext_lazy("two-factor login turned off")),
        (DEACTIVATED, gettext_lazy("account deactivated")),
        (ERASED, gettext_lazy("account erased")),
        (SESSIONS_ENDED, gettext_lazy("other sessions ended")),
    ]

    # SET_NULL: an erased member's row stays, but the log must outlive any later deletion.
    member = models.ForeignKey(
        User,
        null=True,
        on_delete=models.SET_NULL,
        related_name="account_events",
        verbose_name=gettext_lazy("member"),
    )
    kind = models.CharField(max_length=20, choices=KINDS, verbose_name=gettext_lazy("kind"))
    by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=gettext_lazy("Who did it: the member, or a staff member from the admin."),
        verbose_name=gettext_lazy("by"),
    )  # fmt: skip
    note = models.CharField(max_length=300, blank=True, verbose_name=gettext_lazy("note"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = gettext_lazy("account event")
        verbose_name_plural = gettext_lazy("account events")

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class DataExport(models.Model):
    """A member's "download my data" archive (a zip of JSON and plain text), built by the task
    worker (accounts.mail.build_data_export) and fetched through a signed link that expires
    after BOARD_DATA_EXPORT_HOURS; older archives are deleted when the next is built."""

    member = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=gettext_lazy("member"),
    )
    requested_at = models.DateTimeField(
        default=timezone.now, verbose_name=gettext_lazy("requested at")
    )
    ready_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("ready at"))
    archive = models.BinaryField(
        blank=True, default=b"", editable=False, verbose_name=gettext_lazy("archive")
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = gettext_lazy("data export")
        verbose_name_plural = gettext_lazy("data exports")

    def __str__(self) -> str:
        return f"{self.member_id} at {self.requested_at:%Y-%m-%d %H:%M}"
