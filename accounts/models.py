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
from django.utils.translation import gettext_lazy as _

from accounts.validators import is_invisible
from forum.links import link


def loaded_name(instance, field: str, kind: str) -> str:
    """A related object's name for __str__ when it is already loaded (the admin's lists load
    them), else its kind and id: a title never costs a hidden query."""
    descriptor = getattr(type(instance), field)
    if descriptor.is_cached(instance):
        related = getattr(instance, field)
        return f"“{related}”" if kind == "thread" else str(related)
    related_id = getattr(instance, f"{field}_id")
    return f"{kind} {related_id}" if related_id is not None else f"no {kind}"


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
        """The member count and the newest member, in one query."""
        newest = (
            self.filter(is_active=True)
            .annotate(total=Window(Count("pk")))
            .order_by("-date_joined", "-pk")
            .first()
        )
        return {"count": newest.total if newest else 0, "newest": newest}


class MessagesFrom(models.TextChoices):
    EVERYONE = "everyone", "Every member"
    CONTACTS = "contacts", "Only my contacts"
    NOBODY = "nobody", "Nobody: private messages off"


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
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Pages and mail are in this language; empty means the board's language."),
    )
    color_mode = models.CharField(
        max_length=5,
        choices=[("auto", "As my system"), ("light", "Light"), ("dark", "Dark")],
        default="auto",
        help_text="The board's colours: light, dark, or following the system's setting.",
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
    # Private messages (the messaging app). The unread count is shown in every member's header,
    # so it lives on the row each request loads; messaging.actions keeps it in step.
    messages_from = models.CharField(
        max_length=10,
        choices=MessagesFrom,
        default=MessagesFrom.EVERYONE,
        help_text="Who may send this member private messages (staff always may).",
    )
    mail_on_message = models.BooleanField(
        default=True,
        help_text="Mail me when a private message arrives (once per conversation until read).",
    )
    unread_conversation_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Conversations with messages the member has not read."
    )
    contacts = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="contact_of",
        help_text="The member's contacts (vBulletin's buddy list).",
    )  # fmt: skip
    ignored_members = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="ignored_by",
        help_text="Members whose posts are hidden from this member and whose messages are refused.",
    )  # fmt: skip
    # The ignored members' ids, copied from ignored_members so that every thread page can hide
    # their posts without a query (as is_banned is copied from Ban); messaging.actions writes both.
    ignored_ids = models.JSONField(default=list, blank=True, editable=False)
    # Kept by community.actions in the transaction that changes them, so the postbit and the
    # header's bell read them from the row every page already loads.
    reputation = models.IntegerField(
        default=0, editable=False, help_text="Reputation received, positive minus negative."
    )
    unread_notice_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Unread notifications: the bell in the header."
    )
    # The member's avatar (pictures/): the key in its stored files' names; empty, none.
    avatar_key = models.CharField(max_length=32, blank=True, editable=False)
    may_set_avatar = models.BooleanField(
        default=True, help_text="Off: the member may not set an avatar (an administrator's block)."
    )
    # Copied from the member's confirmed TOTP device (accounts.two_factor keeps them in step), so
    # that logging in and the admin's staff rule know without a query.
    has_two_factor = models.BooleanField(
        default=False, editable=False, help_text="Logs in with a code from an authenticator app."
    )
    deactivated_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the member closed their account; logging in again reopens it.",
    )  # fmt: skip
    erased_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the account was erased (it shows as “Former member #N”).",
    )  # fmt: skip

    objects = MemberManager()

    class Meta:
        ordering = ["username_key"]
        verbose_name = "member"
        constraints = [
            # One account per address, whatever its case; many accounts may have none.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="member_email_unique",
                violation_error_message="That email address belongs to another account.",
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
        until = (
            f"until you have {settings.BOARD_NEW_MEMBER_POSTS} posts (you have {self.post_count})"
        )
        if allowed == 0:
            return f"New members may not post links or images {until}. Remove them and try again."
        plural = "s" if allowed != 1 else ""
        return (
            f"New members may post at most {allowed} link{plural} or image{plural} per post "
            f"{until}; this post has {link_count}. Remove some and try again."
        )

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
        return f"Ban of {loaded_name(self, 'member', 'member')} from {self.created_at:%Y-%m-%d}"

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
    KINDS = [(REGISTRATION, "registered"), (LOGIN, "logged in"), (POST, "posted"), (EDIT, "edited")]

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    address = models.GenericIPAddressField()
    kind = models.CharField(max_length=12, choices=KINDS)
    # A plain number: accounts is the lower layer and knows nothing of forum's models.
    post_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The post written or edited (forum.Post's id)."
    )
    created_at = models.DateTimeField(default=timezone.now)

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
        domain = (email or "").rpartition("@")[2].strip().lower().rstrip(".")
        if not domain:
            return None
        labels = domain.split(".")
        candidates = [".".join(labels[i:]) for i in range(len(labels))]
        return self.in_force().filter(domain__in=candidates).order_by("pk").first()


def until_text(ends_at) -> str:
    if ends_at is None:
        return "until lifted"
    return f"until {timezone.localtime(ends_at):%Y-%m-%d %H:%M %Z}"


class AddressBan(models.Model):
    """No registering or posting from an address or a range (staff excepted)."""

    network = models.CharField(
        max_length=50,
        help_text="An address (203.0.113.7) or a range in CIDR form (203.0.113.0/24, "
        "2001:db8::/48).",
    )
    reason = models.CharField(max_length=1000, help_text="Shown to whoever is refused.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until deleted.")

    objects = AddressBanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "address ban"

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
        return (
            f"Registering and posting from your network address are banned "
            f"{until_text(self.ends_at)}. Reason: {self.reason}"
        )


# Wider ranges would lock out a large share of the internet by one typo.
WIDEST_PREFIX = {4: 8, 6: 19}


def normal_network(raw: str) -> str:
    try:
        network = ipaddress.ip_network((raw or "").strip(), strict=False)
    except ValueError:
        raise ValidationError(
            {"network": "Write an address (203.0.113.7) or a range (203.0.113.0/24)."}
        ) from None
    if network.prefixlen < WIDEST_PREFIX[network.version]:
        raise ValidationError(
            {"network": f"That range is too wide: at most /{WIDEST_PREFIX[network.version]}."}
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
        help_text="spam.example bans @spam.example and @mail.spam.example.",
        error_messages={"unique": "That domain is banned already."},
    )
    reason = models.CharField(max_length=1000, help_text="Shown to whoever is refused.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until deleted.")

    objects = EmailDomainBanQuerySet.as_manager()

    class Meta:
        ordering = ["domain"]
        verbose_name = "email domain ban"

    def __str__(self) -> str:
        return self.domain

    def clean(self):
        domain = (self.domain or "").strip().lower().lstrip("@").rstrip(".")
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            domain = ""
        if not DOMAIN_SHAPE.match(domain):
            raise ValidationError({"domain": "Write a domain such as spam.example."})
        self.domain = domain

    def refusal(self) -> str:
        return (
            f"Registering and posting with email addresses at {self.domain} are banned "
            f"{until_text(self.ends_at)}. Reason: {self.reason}"
        )


def plain_answer(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class HumanQuestion(models.Model):
    """A question people at this board answer easily and bots do not ("What do we lift
    here?"), asked at registration (BOARD_HUMAN_CHECK). One active question is picked at
    random for each form."""

    question = models.CharField(max_length=200)
    answers = models.TextField(
        help_text="Every accepted answer, one per line; case and spaces do not matter."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.question

    def clean(self):
        if not self.accepted_answers():
            raise ValidationError({"answers": "Give at least one accepted answer."})

    def accepted_answers(self) -> set[str]:
        return {plain_answer(line) for line in self.answers.splitlines() if line.strip()}

    def accepts(self, answer: str) -> bool:
        return plain_answer(answer) in self.accepted_answers()


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


class EmailChange(models.Model):
    """A member's request to move their account to another address: it takes effect only when
    the link mailed to the new address is followed, and the old address may undo it. The rows
    are also the record of every change (who, from, to, when)."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_changes")
    old_email = models.EmailField(blank=True)
    new_email = models.EmailField()
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "email change"

    def __str__(self) -> str:
        return f"{self.member_id}: {self.old_email or '(none)'} to {self.new_email}"


class MemberSession(models.Model):
    """One logged-in browser of a member, for their sessions page: recorded at login, its last
    request noted at most every few minutes (accounts.sessions). The session itself stays in
    the session backend; this row names its key so that it can be ended from elsewhere."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        indexes = [models.Index(fields=["member", "-last_seen_at"], name="member_sessions")]
        verbose_name = "member session"

    def __str__(self) -> str:
        return f"{self.member_id} since {self.created_at:%Y-%m-%d %H:%M}"


class AccountEvent(models.Model):
    """The account log: things done to an account that members and staff may need to trace
    later (an email change, two-factor on or off, deactivation, erasure), and who did them."""

    EMAIL_CHANGED, EMAIL_RESTORED = "email_changed", "email_restored"
    TWO_FACTOR_ON, TWO_FACTOR_OFF = "two_factor_on", "two_factor_off"
    DEACTIVATED, ERASED, SESSIONS_ENDED = "deactivated", "erased", "sessions_ended"
    KINDS = [
        (EMAIL_CHANGED, "email address changed"),
        (EMAIL_RESTORED, "email change undone"),
        (TWO_FACTOR_ON, "two-factor login turned on"),
        (TWO_FACTOR_OFF, "two-factor login turned off"),
        (DEACTIVATED, "account deactivated"),
        (ERASED, "account erased"),
        (SESSIONS_ENDED, "other sessions ended"),
    ]

    # SET_NULL: an erased member's row stays, but the log must outlive any later deletion.
    member = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="account_events"
    )
    kind = models.CharField(max_length=20, choices=KINDS)
    by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who did it: the member, or a staff member from the admin.",
    )  # fmt: skip
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "account event"

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class DataExport(models.Model):
    """A member's "download my data" archive (a zip of JSON and plain text), built by the task
    worker (accounts.mail.build_data_export) and fetched through a signed link that expires
    after BOARD_DATA_EXPORT_HOURS; older archives are deleted when the next is built."""

    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    archive = models.BinaryField(blank=True, default=b"", editable=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "data export"

    def __str__(self) -> str:
        return f"{self.member_id} at {self.requested_at:%Y-%m-%d %H:%M}"
