from django.conf import settings
from django.db import models
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy

from accounts.models import User
from forum.models import Post

# Thumbnails fit in a square of this many pixels (WebP). Shown in the list under a post and for
# [ATTACH]; the link on them opens the full image.
THUMBNAIL_PIXELS = 400


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Attachments of posts `user` may open (Post.objects.visible_to); of a removed post,
        only for the moderators of its forum, as only they see its text."""
        attachments = self.filter(post__in=Post.objects.visible_to(user))
        scope = user.moderated_forum_ids if user.is_authenticated else frozenset()
        if scope is None:
            return attachments
        shown = Q(post__is_removed=False)
        if scope:
            shown |= Q(post__thread__forum_id__in=scope)
        return attachments.filter(shown)

    def used_bytes_of(self, member) -> int:
        return self.filter(owner=member).aggregate(total=Sum("size"))["total"] or 0

    def totals_per_member(self):
        return (
            self.values("owner", "owner__username")
            .annotate(files=Count("pk"), total=Sum("size"))
            .order_by("-total")
        )


class Attachment(models.Model):
    """A file carried by a post: an image re-encoded by the board, or a document of an allowed
    type, kept in the storage (local disk or S3) under `stored_name`."""

    post = models.ForeignKey(
        Post,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=gettext_lazy("post"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=gettext_lazy("owner"),
    )
    position = models.PositiveSmallIntegerField(
        help_text=gettext_lazy("1, 2, ... within the post; [ATTACH]2[/ATTACH] places the second."),
        verbose_name=gettext_lazy("position"),
    )
    name = models.CharField(
        max_length=100,
        help_text=gettext_lazy("The uploaded name, made safe."),
        verbose_name=gettext_lazy("name"),
    )
    content_type = models.CharField(max_length=100, verbose_name=gettext_lazy("content type"))
    size = models.PositiveIntegerField(
        help_text=gettext_lazy("Bytes stored."), verbose_name=gettext_lazy("size")
    )
    is_image = models.BooleanField(default=False, verbose_name=gettext_lazy("is image"))
    width = models.PositiveIntegerField(default=0, verbose_name=gettext_lazy("width"))
    height = models.PositiveIntegerField(default=0, verbose_name=gettext_lazy("height"))
    stored_name = models.CharField(
        max_length=255, unique=True, editable=False, verbose_name=gettext_lazy("stored name")
    )
    thumbnail_name = models.CharField(
        max_length=255,
        blank=True,
        editable=False,
        help_text=gettext_lazy("Empty until the task made it."),
        verbose_name=gettext_lazy("thumbnail name"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("created at"))

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("attachment")
        verbose_name_plural = gettext_lazy("attachments")
        ordering = ["post", "position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="attachment_position")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("pictures:attachment", args=[self.pk, self.name])

    def thumbnail_url(self) -> str:
        from django.urls import reverse

        return reverse("pictures:thumbnail", args=[self.pk])


class MemberPictures(User):
    """Members as the pictures admin lists them: avatar, and attachments with their total."""

    class Meta:
        verbose_name = gettext_lazy("member's pictures")
        verbose_name_plural = gettext_lazy("members' pictures")
        proxy = True
