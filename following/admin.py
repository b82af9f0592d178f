from django.contrib import admin

from accounts.validators import TextRulesAdmin
from following.models import Notification
from forum.admin import SuperusersRecordAdmin


@admin.register(Notification)
class NotificationAdmin(SuperusersRecordAdmin, TextRulesAdmin, admin.ModelAdmin):
    """Reply mails sent, for superusers: a row with no `sent_at` is a mail whose worker died
    while sending it, and which the board will not send again (at most once)."""

    list_display = ("post", "user", "claimed_at", "sent_at")
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ("post__thread", "post__author", "user")
    raw_id_fields = ("post", "user")
    ordering = ["-claimed_at"]
