"""Private conversations between two or more members (vBulletin's private messages).

A conversation holds numbered messages; each member in it has a Participant row that says
what they have read, what they deleted for themselves and whether they left. Nobody but its
participants reads a conversation; moderators read a message only once someone in the
conversation reports it, and every such read is logged (ReportRead).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forum.paging import page_count


class Conversation(models.Model):
    subject = models.CharField(max_length=100, verbose_name=gettext_lazy("subject"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("started by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    last_number = models.PositiveIntegerField(
        default=0,
        help_text=gettext_lazy("The number of the newest message."),
        verbose_name=gettext_lazy("last number"),
    )
    last_message = models.ForeignKey(
        "Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("last message"),
    )
    last_message_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("last message at")
    )

    class Meta:
        verbose_name = gettext_lazy("conversation")
        verbose_name_plural = gettext_lazy("conversations")
        ordering = ["-last_message_at"]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("messaging:conversation_detail", args=[self.pk])


class ParticipantQuerySet(models.QuerySet):
    def current(self):
        """Members still in their conversations (not left)."""
        return self.filter(left_at__isnull=True)

    def stored_by(self, user):
        """The conversations `user` keeps: not left, and not deleted since the last message."""
        return self.current().filter(user=user, conversation__last_number__gt=F("cleared_through"))

    def inbox_of(self, user):
        """The member's conversations, newest message first, with what the inbox shows."""
        others = Participant.objects.current().select_related("user").order_by("joined_at", "pk")
        return (
            self.stored_by(user)
            .select_related("conversation__last_message__author")
            .prefetch_related(Prefetch("conversation__participants", queryset=others))
            .order_by("-last_message_at", "-pk")
        )


class Participant(models.Model):
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="participants",
        verbose_name=gettext_lazy("conversation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conversation_places",
        verbose_name=gettext_lazy("user"),
    )
    joined_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("joined at"))
    left_at = models.DateTimeField(null=True, blank=True, verbose_name=gettext_lazy("left at"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("added by"),
    )  # fmt: skip
    # Copied from the conversation, so that the inbox is read from one index in its order.
    last_message_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("last message at")
    )
    is_unread = models.BooleanField(default=False, verbose_name=gettext_lazy("is unread"))
    read_through = models.PositiveIntegerField(
        default=0,
        help_text=gettext_lazy("The newest message number the member has read."),
        verbose_name=gettext_lazy("read through"),
    )
    cleared_through = models.PositiveIntegerField(
        default=0,
        help_text=gettext_lazy("Messages up to this number are deleted for this member alone."),
        verbose_name=gettext_lazy("cleared through"),
    )
    notified_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Mailed about a new message; not again until read."),
        verbose_name=gettext_lazy("notified at"),
    )
    mail_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("The worker's key: the mail for notified_at went out."),
        verbose_name=gettext_lazy("mail sent at"),
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("participant")
        verbose_name_plural = gettext_lazy("participants")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="one_place_per_member")
        ]
        indexes = [models.Index(fields=["user", "-last_message_at"], name="inbox_order")]

    def __str__(self) -> str:
        return f"{self.user} in {self.conversation_id}"

    @property
    def has_left(self) -> bool:
        return self.left_at is not None

    def moves_on_reading(self, through: int) -> bool:
        """Whether reading up to message `through` changes what this member has read."""
        if through > self.read_through:
            return True
        return self.is_unread and through >= self.conversation.last_number

    def shown_count(self) -> int:
        return self.conversation.last_number - self.cleared_through

    def page_count(self) -> int:
        return page_count(self.shown_count(), settings.BOARD_MESSAGES_PER_PAGE)


class MessageQuerySet(models.QuerySet):
    def page_for(self, place: Participant, page: int):
        """One page of the conversation as `place` sees it: after what they deleted, by the
        message numbers (no OFFSET), authors loaded."""
        per_page = settings.BOARD_MESSAGES_PER_PAGE
        first = place.cleared_through + (page - 1) * per_page + 1
        return (
            self.filter(conversation=place.conversation_id)
            .filter(number__gte=first, number__lt=first + per_page)
            .select_related("author")
            .order_by("number")
        )

    def kept_by(self, user):
        """Messages `user` may read as a participant: in conversations they are still in,
        after what they deleted for themselves. One filter() call, so one join."""
        return self.filter(
            conversation__participants__user=user,
            conversation__participants__left_at__isnull=True,
            number__gt=F("conversation__participants__cleared_through"),
        )

    def sent_by(self, user):
        """Messages `user` wrote, in conversations they keep ("Sent Items")."""
        return self.kept_by(user).filter(author=user)


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=gettext_lazy("conversation"),
    )
    number = models.PositiveIntegerField(verbose_name=gettext_lazy("number"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("author"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    body = models.TextField(verbose_name=gettext_lazy("body"))
    body_html = models.TextField(editable=False, verbose_name=gettext_lazy("body html"))
    submission_key = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        verbose_name=gettext_lazy("submission key"),
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("message")
        verbose_name_plural = gettext_lazy("messages")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "number"], name="message_number")
        ]
        indexes = [models.Index(fields=["author", "-created_at"], name="message_author_time")]

    def __str__(self) -> str:
        return _("Message #%(number)s in %(conversation)s") % {
            "number": self.number,
            "conversation": self.conversation_id,
        }

    def page_for(self, place: Participant) -> int:
        shown = self.number - place.cleared_through
        return max(1, page_count(shown, settings.BOARD_MESSAGES_PER_PAGE))

    def location_for(self, place: Participant) -> str:
        page = self.page_for(place)
        suffix = f"?page={page}" if page > 1 else ""
        return f"{self.conversation.get_absolute_url()}{suffix}#message{self.pk}"

    def quote_source(self) -> str:
        from forum.markup import without_quotes

        name = (self.author.username if self.author else "Former member").replace("]", "")
        return f"[QUOTE={name.replace(';', '')}]{without_quotes(self.body).strip()}[/QUOTE]\n"


def reads_message_reports(user) -> bool:
    """Moderators of the whole board (and superusers) handle reported messages; a moderator of
    some forums only has no business in members' private conversations."""
    return (
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.moderated_forum_ids is None
    )


class MessageReport(models.Model):
    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=gettext_lazy("message"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("reporter"),
    )
    reason = models.CharField(max_length=1000, verbose_name=gettext_lazy("reason"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("created at"))
    resolved_at = models.DateTimeField(
        null=True, blank=True, verbose_name=gettext_lazy("resolved at")
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("resolved by"),
    )  # fmt: skip

    class Meta:
        verbose_name = gettext_lazy("message report")
        verbose_name_plural = gettext_lazy("message reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_member")
        ]

    def __str__(self) -> str:
        return _("Report of message %(message)s by %(reporter)s") % {
            "message": self.message_id,
            "reporter": self.reporter,
        }

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ReportRead(models.Model):
    """A moderator read a reported message: logged on every read, never edited."""

    report = models.ForeignKey(
        MessageReport,
        on_delete=models.CASCADE,
        related_name="reads",
        verbose_name=gettext_lazy("report"),
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("moderator"),
    )
    read_at = models.DateTimeField(default=timezone.now, verbose_name=gettext_lazy("read at"))
    address = models.GenericIPAddressField(
        null=True, blank=True, verbose_name=gettext_lazy("address")
    )

    class Meta:
        verbose_name = gettext_lazy("report read")
        verbose_name_plural = gettext_lazy("report reads")
        ordering = ["-read_at"]

    def __str__(self) -> str:
        return f"{self.moderator} read report {self.report_id}"
