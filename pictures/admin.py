from django.contrib import admin, messages
from django.db.models import Count, F, Sum
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy, ngettext

from accounts.validators import TextRulesAdmin
from forum.admin import DateDrillDownInRange, InModeratedForumsAdmin
from pictures import actions
from pictures.models import Attachment, MemberPictures
from pictures.templatetags.pictures import avatar


@admin.register(Attachment)
class AttachmentAdmin(
    InModeratedForumsAdmin, DateDrillDownInRange, TextRulesAdmin, admin.ModelAdmin
):
    forum_path = "post__thread__forum_id"
    list_display = ["name", "content_type", "file_size", "owner", "post_link", "created_at"]
    list_filter = ["is_image", "content_type"]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner", "post"]
    raw_id_fields = ["post", "owner"]
    readonly_fields = [
        "name",
        "post",
        "owner",
        "position",
        "content_type",
        "size",
        "is_image",
        "width",
        "height",
        "stored_name",
        "thumbnail_name",
        "created_at",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # attachments come with posts, through pictures.actions

    @admin.display(description=gettext_lazy("size"), ordering="size")
    def file_size(self, attachment):
        return filesizeformat(attachment.size)

    @admin.display(description=gettext_lazy("post"))
    def post_link(self, attachment):
        return format_html(
            '<a href="{}">#{} in thread {}</a>',
            attachment.post.get_absolute_url(),
            attachment.post.number or "held",
            attachment.post.thread_id,
        )

    def delete_model(self, request, obj):
        actions.delete_attachment(attachment=obj)

    def delete_queryset(self, request, queryset):
        for attachment in queryset:
            actions.delete_attachment(attachment=attachment)


@admin.register(MemberPictures)
class MemberPicturesAdmin(TextRulesAdmin, admin.ModelAdmin):
    list_display = ["username", "shown_avatar", "may_set_avatar", "files", "total"]
    list_filter = ["may_set_avatar"]
    search_fields = ["username", "username_key"]
    fields = ["username", "may_set_avatar"]
    readonly_fields = ["username", "may_set_avatar"]
    actions = ["remove_avatar", "block_avatar", "allow_avatar"]
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(file_count=Count("attachments"), byte_total=Sum("attachments__size"))
            .order_by(F("byte_total").desc(nulls_last=True), "username_key")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("avatar"))
    def shown_avatar(self, member):
        return avatar(member, "list")

    @admin.display(description=gettext_lazy("attachments"), ordering="file_count")
    def files(self, member):
        return member.file_count

    @admin.display(description=gettext_lazy("space used"), ordering="byte_total")
    def total(self, member):
        return filesizeformat(member.byte_total or 0)

    @admin.action(description=gettext_lazy("Remove the avatars of the selected members"))
    def remove_avatar(self, request, queryset):
        self.change_avatars(request, queryset, False, "Removed {} avatars.")

    @admin.action(description=gettext_lazy("Remove their avatars and block them from setting one"))
    def block_avatar(self, request, queryset):
        self.change_avatars(request, queryset, True, "Blocked {} members from avatars.")

    @admin.action(description=gettext_lazy("Allow the selected members to set an avatar again"))
    def allow_avatar(self, request, queryset):
        for member in queryset:
            actions.allow_avatar(member=member)
        messages.success(
            request,
            ngettext(
                "Allowed %(count)d member avatars again.",
                "Allowed %(count)d members avatars again.",
                len(queryset),
            )
            % {"count": len(queryset)},
        )

    def change_avatars(self, request, queryset, block, message):
        for member in queryset:
            actions.remove_avatar(member=member, block=block)
        messages.success(request, message.format(len(queryset)))
