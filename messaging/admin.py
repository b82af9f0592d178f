"""Superusers see who reported which message and every moderator's read of one; no admin page
shows a conversation or a message's text (moderators read a reported message on the board's
report page, which logs the read)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from accounts.validators import TextRulesAdmin
from forum.admin import SuperusersRecordAdmin
from messaging.models import MessageReport, ReportRead


@admin.register(MessageReport)
class MessageReportAdmin(SuperusersRecordAdmin, TextRulesAdmin, admin.ModelAdmin):
    list_display = ("pk", "message_author", "reporter", "created_at", "resolved_at", "resolved_by")
    list_select_related = ("message__author", "reporter", "resolved_by")
    fields = ("message_author", "reporter", "reason", "created_at", "resolved_at", "resolved_by")
    readonly_fields = fields
    ordering = ["-created_at"]

    @admin.display(description=gettext_lazy("Message by"))
    def message_author(self, report):
        return report.message.author


@admin.register(ReportRead)
class ReportReadAdmin(SuperusersRecordAdmin, TextRulesAdmin, admin.ModelAdmin):
    """Every read of a reported message by a moderator."""

    list_display = ("read_at", "moderator", "report", "address")
    list_select_related = ("moderator", "report__reporter")
    list_filter = ["moderator"]
    fields = ("read_at", "moderator", "report", "address")
    readonly_fields = fields
    ordering = ["-read_at"]
