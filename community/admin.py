from django.contrib import admin

from accounts.validators import TextRulesAdmin
from community.models import Poll, PollOption, Reputation
from forum.admin import InModeratedForumsAdmin


class PollOptionInline(TextRulesAdmin, admin.TabularInline):
    model = PollOption
    extra = 0
    fields = ("position", "text", "vote_count")
    readonly_fields = ("vote_count",)


@admin.register(Poll)
class PollAdmin(InModeratedForumsAdmin, TextRulesAdmin, admin.ModelAdmin):
    """Moderators correct a poll's wording or closing date; votes are the members'."""

    forum_path = "thread__forum_id"

    list_display = ("question", "thread", "voter_count", "closes_at")
    list_select_related = ("thread",)
    raw_id_fields = ("thread",)
    search_fields = ("question",)
    inlines = [PollOptionInline]
    ordering = ["-pk"]


@admin.register(Reputation)
class ReputationAdmin(InModeratedForumsAdmin, TextRulesAdmin, admin.ModelAdmin):
    """Reputation given, with who gave it (members never see the giver). Deleting a row here
    does not change the member's total: `manage.py recount_community` does."""

    forum_path = "post__thread__forum_id"

    list_display = ("receiver", "amount", "giver", "comment", "created_at")
    list_select_related = ("receiver", "giver")
    raw_id_fields = ("post", "giver", "receiver")
    search_fields = ("receiver__username", "giver__username")
    ordering = ["-created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
