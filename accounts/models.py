import unicodedata
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Count, Window
from django.urls import reverse


def username_key(username: str) -> str:
    """The form two usernames share when members could not tell them apart.

    Case, width and compatibility forms are folded (NFKC + casefold) and surrounding or repeated
    spaces are collapsed, so "Ross86", "ross86 " and "Ｒｏｓｓ８６" all collide.
    """
    folded = unicodedata.normalize("NFKC", username).casefold()
    return " ".join(folded.split())


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
    signature = models.TextField(blank=True, max_length=1000)
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
        return reverse("members:member_detail", args=[self.pk])

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
    def zone(self) -> zoneinfo.ZoneInfo | None:
        if not self.time_zone:
            return None
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None
