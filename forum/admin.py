"""The admin: the board's back office for superusers and moderators.

Moderators (staff in the "Moderators" group) see only the threads, posts and reports of the
forums they moderate (all forums when they are listed on none). Every moderation step goes
through forum.actions, which checks the forum again, fixes counters and writes a LogEntry.
Only superusers hard-delete, and PROTECT keeps even them from deleting forums with threads.
Changelists are built for a large board: related rows joined, no full-table count.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from accounts import admin as accounts_admin
from accounts.admin import (
    DateDrillDownInRange,
    changelist_link,
    may_ban,
    step_form,
    step_page,
)
from accounts.models import Ban, User
from accounts.validators import TextRulesAdmin
from community.actions import recount_notices_about, recount_unread_notices
from forum import actions
from forum.forms import ThreadAdminForm
from forum.markup import render_bbcode
from forum.models import (
    READ,
    SEE,
    Announcement,
    Category,
    Forum,
    ForumPermission,
    Infraction,
    InfractionLevel,
    InfractionReason,
    Post,
    PostRevision,
    Report,
    SpammerCleanup,
    Thread,
    forum_permits,
)
from forum.moderation import BanForm, MoveForm, OptionalReasonForm, ReasonForm

admin.site.site_header = gettext_lazy("Board administration")
admin.site.site_title = gettext_lazy("Board admin")
# The app list beside every page took a quarter of a 1280 px screen from the lists: the home
# page and the breadcrumb bar lead everywhere it did.
admin.site.enable_nav_sidebar = False


def change_link(obj) -> str:
    if obj is None:
        return "-"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


def run_each(modeladmin, request, objects, step, done) -> None:
    """Runs one moderation step per object; a refusal on one does not stop the others.
    `done` says what was done to %(count)d objects: an ngettext_lazy with "count" as its
    number where the noun changes ("Resolved 1 report.", "Resolved 2 reports."), or a function
    of the count."""
    count = 0
    for obj in objects:
        try:
            step(obj)
        except actions.ModerationRefused as refused:
            modeladmin.message_user(request, f"{obj}: {refused}", messages.ERROR)
        else:
            count += 1
    if count:
        said = done(count) if callable(done) else done % {"count": count}
        modeladmin.message_user(request, said, messages.SUCCESS)


class VisibleForumFilter(admin.RelatedFieldListFilter):
    """The forum filter lists only the forums the user may see (forum permissions)."""

    def field_choices(self, field, request, model_admin):
        forums = Forum.objects.visible_to(request.user).order_by(*FORUM_ORDER)
        return [(forum.pk, str(forum)) for forum in forums]


FORUM_ORDER = ("category__position", "category_id", "position", "id")


class InModeratedForumsAdmin:
    """Rows of forums the user may read (forum permissions) and, of those, moderates: for
    every admin whose rows belong to a thread's forum (polls, reputation, attachments too)."""

    forum_path = "forum_id"

    def get_queryset(self, request):
        forum = self.forum_path.removesuffix("_id") + "__"
        queryset = super().get_queryset(request).filter(forum_permits(request.user, READ, forum))
        scope = request.user.moderated_forum_ids
        if scope is None:
            return queryset
        return queryset.filter(**{f"{self.forum_path}__in": scope})


class ModeratedAdmin(
    InModeratedForumsAdmin, DateDrillDownInRange, TextRulesAdmin, admin.ModelAdmin
):
    """Rows limited to the forums the user moderates; hard deletes for superusers only."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # threads and posts are written on the board, through forum.actions

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Category)
class CategoryAdmin(TextRulesAdmin, admin.ModelAdmin):
    list_display = ["name", "slug", "position", "forums"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description=gettext_lazy("forums"))
    def forums(self, category):
        return changelist_link(Forum, "forums", category__id__exact=category.pk)


class RebuildsForumTree:
    """For the admins whose rows the forum rows summarise (forum.actions.rebuild_forum_tree):
    forums (tree and permissions) and announcements (their counts)."""

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        actions.rebuild_forum_tree()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        actions.rebuild_forum_tree()


def preset_action(preset: str, description: str):
    """An admin action giving the selected forums one of the typical setups (actions.PRESETS)."""

    @admin.action(description=description, permissions=["change"])
    def apply(modeladmin, request, queryset):
        actions.apply_forum_preset(forums=queryset, preset=preset)
        names = ", ".join(forum.name for forum in queryset)
        modeladmin.message_user(
            request,
            _("%(done)s: %(forums)s.") % {"done": str(description).split(" (")[0], "forums": names},
        )

    apply.__name__ = f"make_{preset}"
    return apply


class ForumPermissionInline(TextRulesAdmin, admin.TabularInline):
    """The forum's permissions as a grid: one row per audience set here; an audience with no
    row inherits the parent forum's (at the top: built-in audiences may do everything,
    groups nothing more)."""

    model = ForumPermission
    extra = 0
    verbose_name = gettext_lazy("permission set here")
    verbose_name_plural = gettext_lazy(
        "Permissions (audiences not listed inherit from the parent forum; at the top, guests, "
        "members and moderators may do everything and groups add nothing)"
    )
    fields = [
        "audience",
        "group",
        "can_see",
        "can_read",
        "can_start",
        "can_reply_own",
        "can_reply_others",
    ]


@admin.register(Forum)
class ForumAdmin(RebuildsForumTree, TextRulesAdmin, admin.ModelAdmin):
    inlines = [ForumPermissionInline]
    list_display = [
        "name",
        "parent",
        "category",
        "in_force",
        "position",
        "thread_count",
        "post_count",
        "last_post_at",
        "threads",
    ]
    list_editable = ["position"]
    list_filter = ["category"]
    list_select_related = ["category", "parent"]
    search_fields = ["name", "description"]
    ordering = ["category__position", "category_id", "position", "id"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category", "parent"]
    filter_horizontal = ["moderators"]
    fields = [
        "category",
        "parent",
        "name",
        "slug",
        "description",
        "position",
        "holds_all_posts",
        "moderators",
    ]
    readonly_fields = ["thread_count", "post_count", "last_post_at"]
    actions = [
        "recount_forums",
        preset_action("staff_only", gettext_lazy("Make staff-only (moderators only)")),
        preset_action(
            "read_only", gettext_lazy("Make read-only (announcements: only moderators post)")
        ),
        preset_action("members_only", gettext_lazy("Make members-only (hidden from guests)")),
        preset_action("public", gettext_lazy("Make public (inherit the parent's permissions)")),
    ]

    @admin.display(description=gettext_lazy("permissions in force"))
    def in_force(self, forum):
        return forum.access_summary()

    def get_queryset(self, request):
        # Moderators read the forum list; a forum hidden from them stays hidden here too.
        return super().get_queryset(request).filter(forum_permits(request.user, SEE))

    def save_model(self, request, obj, form, change):
        if obj.parent_id is not None:
            obj.category_id = obj.parent.category_id  # a subforum sits in its parent's category
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        actions.rebuild_forum_tree()
        recount_notices_about(forums=[form.instance.pk])  # its moderators may have changed

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "moderators":
            kwargs["queryset"] = User.objects.filter(is_staff=True)
            kwargs["help_text"] = _(
                "Staff in the Moderators group who moderate this forum only; moderators "
                "listed on no forum moderate every forum."
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("threads"))
    def threads(self, forum):
        return changelist_link(Thread, "threads", forum__id__exact=forum.pk)

    def has_recount_permission(self, request):
        return request.user.is_superuser or request.user.moderated_forum_ids is None

    @admin.action(description=gettext_lazy("Recount the selected forums"), permissions=["recount"])
    def recount_forums(self, request, queryset):
        changed = actions.recount(
            threads=Thread.objects.none(), forums=queryset, members=User.objects.none()
        )
        self.message_user(
            request,
            _("Recounted: %(count)d forums had wrong counters.") % {"count": changed["forums"]},
        )


class MergeForm(OptionalReasonForm):
    target = forms.ModelChoiceField(
        queryset=Thread.objects.none(), label=gettext_lazy("Merge into")
    )
    field_order = ["target", "reason"]


@admin.register(Thread)
class ThreadAdmin(ModeratedAdmin):
    list_display = [
        "title",
        "forum",
        "starter",
        "created_at",
        "post_count",
        "last_post_at",
        "is_sticky",
        "is_locked",
        "is_removed",
        "is_held",
        "posts",
    ]
    list_filter = ["is_held", "is_removed", "is_locked", "is_sticky", ("forum", VisibleForumFilter)]
    list_select_related = ["forum", "starter"]
    search_fields = ["title", "starter__username"]
    date_hierarchy = "created_at"
    ordering = ["-last_post_at", "-id"]
    fields = [
        "title",
        "forum",
        "starter",
        "created_at",
        "post_count",
        "last_number",
        "view_count",
        "is_sticky",
        "is_locked",
        "is_removed",
        "is_held",
        "held_reply_count",
        "removed_at",
        "removed_by",
        "removed_reason",
        "merged_into",
        "on_the_board",
        "posts",
    ]
    readonly_fields = [field for field in fields if field != "title"]
    form = ThreadAdminForm
    actions = [
        "approve",
        "reject",
        "lock",
        "unlock",
        "stick",
        "unstick",
        "move",
        "remove",
        "restore",
        "merge",
        "recount_threads",
    ]

    @admin.display(description=gettext_lazy("posts"))
    def posts(self, thread):
        return changelist_link(Post, f"{thread.post_count} posts", thread__id__exact=thread.pk)

    @admin.display(description=gettext_lazy("on the board"))
    def on_the_board(self, thread):
        return format_html('<a href="{}">{}</a>', thread.get_absolute_url(), _("View the thread"))

    def simple_step(self, request, queryset, step, done, **options):
        run_each(
            self,
            request,
            queryset,
            lambda thread: step(thread=thread, moderator=request.user, **options),
            done,
        )

    @admin.action(
        description=gettext_lazy("Approve the selected held threads"), permissions=["change"]
    )
    def approve(self, request, queryset):
        self.simple_step(
            request, queryset.held(), actions.approve_thread, gettext_lazy("Approved %(count)d.")
        )

    @admin.action(
        description=gettext_lazy("Reject the selected held threads…"), permissions=["change"]
    )
    def reject(self, request, queryset):
        form = step_form(request, OptionalReasonForm)
        if not form.is_valid():
            return step_page(
                self, request, queryset, form=form, action="reject", title=gettext_lazy("Reject")
            )
        self.simple_step(
            request,
            queryset.held(),
            actions.reject_thread,
            gettext_lazy("Rejected %(count)d."),
            **form.cleaned_data,
        )

    @admin.action(description=gettext_lazy("Close the selected threads"), permissions=["change"])
    def lock(self, request, queryset):
        self.simple_step(
            request, queryset, actions.lock_thread, gettext_lazy("Closed %(count)d."), locked=True
        )

    @admin.action(description=gettext_lazy("Open the selected threads"), permissions=["change"])
    def unlock(self, request, queryset):
        self.simple_step(
            request, queryset, actions.lock_thread, gettext_lazy("Opened %(count)d."), locked=False
        )

    @admin.action(description=gettext_lazy("Stick the selected threads"), permissions=["change"])
    def stick(self, request, queryset):
        self.simple_step(
            request, queryset, actions.stick_thread, gettext_lazy("Stuck %(count)d."), sticky=True
        )

    @admin.action(description=gettext_lazy("Unstick the selected threads"), permissions=["change"])
    def unstick(self, request, queryset):
        self.simple_step(
            request,
            queryset,
            actions.stick_thread,
            gettext_lazy("Unstuck %(count)d."),
            sticky=False,
        )

    @admin.action(description=gettext_lazy("Move the selected threads…"), permissions=["change"])
    def move(self, request, queryset):
        form = step_form(request, MoveForm, moderator=request.user)
        if not form.is_valid():
            return step_page(
                self, request, queryset, form=form, action="move", title=gettext_lazy("Move")
            )
        self.simple_step(
            request,
            queryset,
            actions.move_thread,
            gettext_lazy("Moved %(count)d."),
            to_forum=form.cleaned_data["forum"],
            reason=form.cleaned_data["reason"],
        )

    @admin.action(description=gettext_lazy("Remove the selected threads…"), permissions=["change"])
    def remove(self, request, queryset):
        form = step_form(request, ReasonForm)
        if not form.is_valid():
            return step_page(
                self, request, queryset, form=form, action="remove", title=gettext_lazy("Remove")
            )
        self.simple_step(
            request,
            queryset,
            actions.remove_thread,
            gettext_lazy("Removed %(count)d."),
            **form.cleaned_data,
        )

    @admin.action(description=gettext_lazy("Restore the selected threads"), permissions=["change"])
    def restore(self, request, queryset):
        self.simple_step(
            request, queryset, actions.restore_thread, gettext_lazy("Restored %(count)d.")
        )

    @admin.action(
        description=gettext_lazy("Merge the selected threads into one…"), permissions=["change"]
    )
    def merge(self, request, queryset):
        form = step_form(request, MergeForm)
        form.fields["target"].queryset = queryset
        if len(queryset) < 2 or not form.is_valid():
            if len(queryset) < 2:
                self.message_user(request, _("Select two threads or more."), messages.WARNING)
                return None
            return step_page(
                self, request, queryset, form=form, action="merge", title=gettext_lazy("Merge")
            )
        target = form.cleaned_data["target"]
        run_each(
            self,
            request,
            [thread for thread in queryset if thread.pk != target.pk],
            lambda source: actions.merge_threads(
                source=source,
                target=target,
                moderator=request.user,
                reason=form.cleaned_data["reason"],
            ),
            lambda count: (
                ngettext(
                    "Merged %(count)d thread into thread %(target)s.",
                    "Merged %(count)d threads into thread %(target)s.",
                    count,
                )
                % {"target": target.pk, "count": count}
            ),
        )

    @admin.action(description=gettext_lazy("Recount the selected threads"), permissions=["change"])
    def recount_threads(self, request, queryset):
        for thread in queryset:
            actions.require_moderator(request.user, thread.forum_id)
        changed = actions.recount(
            threads=queryset, forums=Forum.objects.none(), members=User.objects.none()
        )
        self.message_user(
            request,
            _("Recounted: %(count)d threads had wrong counters.") % {"count": changed["threads"]},
        )


class RevisionInline(TextRulesAdmin, admin.TabularInline):
    model = PostRevision
    fields = ["written_at", "replaced_at", "replaced_by", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(ModeratedAdmin):
    forum_path = "thread__forum_id"
    list_display = ["__str__", "excerpt", "thread", "author", "created_at", "is_removed", "is_held"]
    list_display_links = ["__str__"]
    list_filter = ["is_held", "is_removed", ("thread__forum", VisibleForumFilter)]
    list_select_related = ["thread", "author"]
    search_fields = ["body", "=author__username"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    raw_id_fields = ["thread", "author", "edited_by"]
    fields = [
        "thread",
        "number",
        "author",
        "created_at",
        "body",
        "edited_at",
        "edited_by",
        "is_removed",
        "is_held",
        "removed_at",
        "removed_by",
        "removed_reason",
        "on_the_board",
    ]
    # Posts are edited on the board (forum.views.post_edit), which keeps revisions and HTML.
    readonly_fields = fields
    inlines = [RevisionInline]
    actions = ["approve", "reject", "remove", "restore"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body_html")

    @admin.action(
        description=gettext_lazy("Approve the selected held replies"), permissions=["change"]
    )
    def approve(self, request, queryset):
        run_each(
            self,
            request,
            queryset.held(),
            lambda post: actions.approve_post(post=post, moderator=request.user),
            ngettext_lazy("Approved %(count)d post.", "Approved %(count)d posts.", "count"),
        )

    @admin.action(
        description=gettext_lazy("Reject the selected held replies…"), permissions=["change"]
    )
    def reject(self, request, queryset):
        form = step_form(request, OptionalReasonForm)
        if not form.is_valid():
            return step_page(
                self, request, queryset, form=form, action="reject", title=gettext_lazy("Reject")
            )
        run_each(
            self,
            request,
            queryset.held(),
            lambda post: actions.reject_post(
                post=post, moderator=request.user, **form.cleaned_data
            ),
            ngettext_lazy("Rejected %(count)d post.", "Rejected %(count)d posts.", "count"),
        )

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        """A superuser's hard delete, with the counters the posts were in rebuilt."""
        rows = list(queryset.values_list("thread_id", "thread__forum_id", "author_id"))
        recount_notices_about(posts=queryset.values("pk"))
        super().delete_queryset(request, queryset)
        actions.recount(
            threads=Thread.objects.filter(pk__in={row[0] for row in rows}),
            forums=Forum.objects.filter(pk__in={row[1] for row in rows}),
            members=User.objects.filter(pk__in={row[2] for row in rows}),
        )

    def delete_model(self, request, obj):
        self.delete_queryset(request, Post.objects.filter(pk=obj.pk))

    @admin.display(description=gettext_lazy("text"))
    def excerpt(self, post):
        return Truncator(post.body).chars(80)

    @admin.display(description=gettext_lazy("on the board"))
    def on_the_board(self, post):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            post.get_absolute_url(),
            _("View"),
            reverse("forum:post_edit", args=[post.pk]),
            _("Edit"),
        )

    @admin.action(description=gettext_lazy("Remove the selected posts…"), permissions=["change"])
    def remove(self, request, queryset):
        form = step_form(request, ReasonForm)
        if not form.is_valid():
            return step_page(
                self, request, queryset, form=form, action="remove", title=gettext_lazy("Remove")
            )
        run_each(
            self,
            request,
            queryset,
            lambda post: actions.remove_post(
                post=post, moderator=request.user, reason=form.cleaned_data["reason"]
            ),
            ngettext_lazy("Removed %(count)d post.", "Removed %(count)d posts.", "count"),
        )

    @admin.action(description=gettext_lazy("Restore the selected posts"), permissions=["change"])
    def restore(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda post: actions.restore_post(post=post, moderator=request.user),
            ngettext_lazy("Restored %(count)d post.", "Restored %(count)d posts.", "count"),
        )


class ReportStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("resolved", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(is_open=True)
        if self.value() == "resolved":
            return queryset.filter(is_open=False)
        return queryset


@admin.register(Report)
class ReportAdmin(ModeratedAdmin):
    forum_path = "post__thread__forum_id"
    list_display = [
        "created_at",
        "reported_post",
        "thread",
        "reporter",
        "short_reason",
        "is_open",
        "resolved_by",
        "resolved_at",
    ]
    list_filter = [ReportStatusFilter]
    list_select_related = ["post__thread", "post__author", "reporter", "resolved_by"]
    search_fields = ["reason", "=reporter__username"]
    date_hierarchy = "created_at"
    fields = [
        "post",
        "post_text",
        "reporter",
        "reason",
        "created_at",
        "is_open",
        "resolved_at",
        "resolved_by",
    ]
    readonly_fields = fields
    actions = ["resolve", "resolve_and_remove"]

    def get_queryset(self, request):
        # The thread and the author name the report on its own page and in messages too (the
        # change list's list_select_related applies only to a queryset without one).
        queryset = super().get_queryset(request).select_related(*self.list_select_related)
        return queryset.defer("post__body_html", "post__body")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """An open report's page has Resolve and "Resolve and remove the post" buttons
        (templates/admin/forum/report/change_form.html)."""
        decision = next((d for d in ("_resolve", "_resolve_and_remove") if d in request.POST), "")
        if request.method != "POST" or not decision:
            return super().change_view(request, object_id, form_url, extra_context)
        report = self.get_object(request, unquote(object_id))
        if report is None or not self.has_change_permission(request, report):
            raise PermissionDenied
        remove = decision == "_resolve_and_remove"
        changelist = reverse("admin:forum_report_changelist") + "?status=open"
        if not report.is_open:
            self.message_user(request, _("That report was already resolved."), messages.WARNING)
            return redirect(changelist)
        try:
            actions.resolve_report(report=report, moderator=request.user, remove_post_too=remove)
        except actions.ModerationRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return redirect(request.path)
        if remove:
            done = _("Resolved the report and removed the post: %(report)s.")
        else:
            done = _("Resolved the report: %(report)s.")
        self.message_user(request, done % {"report": report}, messages.SUCCESS)
        return redirect(changelist)

    @admin.display(description=gettext_lazy("post"), ordering="post")
    def reported_post(self, report):
        url = reverse("forum:post_permalink", args=[report.post_id])
        return format_html('<a href="{}">#{}</a>', url, report.post.number)

    @admin.display(description=gettext_lazy("thread"))
    def thread(self, report):
        return report.post.thread.title

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, report):
        return Truncator(report.reason).chars(80)

    @admin.display(description=gettext_lazy("the post's text"))
    def post_text(self, report):
        return Post.objects.values_list("body", flat=True).get(pk=report.post_id)

    @admin.action(description=gettext_lazy("Resolve the selected reports"), permissions=["change"])
    def resolve(self, request, queryset):
        run_each(
            self,
            request,
            queryset.filter(is_open=True),
            lambda report: actions.resolve_report(report=report, moderator=request.user),
            ngettext_lazy("Resolved %(count)d report.", "Resolved %(count)d reports.", "count"),
        )

    @admin.action(
        description=gettext_lazy("Resolve and remove the reported posts…"), permissions=["change"]
    )
    def resolve_and_remove(self, request, queryset):
        form = step_form(request, OptionalReasonForm)
        if not form.is_valid():
            return step_page(
                self,
                request,
                queryset,
                form=form,
                action="resolve_and_remove",
                title=gettext_lazy("Resolve and remove the posts"),
            )
        run_each(
            self,
            request,
            queryset.filter(is_open=True),
            lambda report: actions.resolve_report(
                report=report,
                moderator=request.user,
                remove_post_too=True,
                reason=form.cleaned_data["reason"],
            ),
            ngettext_lazy(
                "Resolved %(count)d report and removed its post.",
                "Resolved %(count)d reports and removed their posts.",
                "count",
            ),
        )


class SuperusersRecordAdmin:
    """Mixed into admin pages that are records (logs, sent mail): superusers read them, and
    nobody adds, changes or deletes a row."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LogEntry)
class LogEntryAdmin(SuperusersRecordAdmin, DateDrillDownInRange, TextRulesAdmin, admin.ModelAdmin):
    """The moderation log, read-only, for superusers: who did what to which object, and why."""

    list_display = ["action_time", "user", "content_type", "object_link", "action_flag", "message"]
    list_filter = ["action_flag", "content_type"]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "change_message", "=user__username"]
    date_hierarchy = "action_time"
    show_full_result_count = False

    @admin.display(description=gettext_lazy("object"))
    def object_link(self, entry):
        return f"{entry.object_repr} ({entry.object_id})"

    @admin.display(description=gettext_lazy("what and why"))
    def message(self, entry):
        return entry.get_change_message()


def open_reports_for(user) -> int:
    """How many reports wait for `user`, in one query."""
    if not (user.is_active and user.is_staff and user.has_perm("forum.view_report")):
        return 0
    scope = user.moderated_forum_ids
    reports = Report.objects.filter(is_open=True)
    if scope is not None:
        reports = reports.filter(Q(post__thread__forum_id__in=scope))
    return reports.count()


@admin.register(SpammerCleanup)
class SpammerCleanupAdmin(TextRulesAdmin, admin.ModelAdmin):
    """What each "ban spammer" did; superusers undo it from here."""

    list_display = ["member", "moderator", "created_at", "reason", "address_ban", "undone_at"]
    list_select_related = ["member", "moderator", "address_ban"]
    list_filter = ["undone_at"]
    search_fields = ["member__username", "reason"]
    fields = [
        "member",
        "moderator",
        "created_at",
        "reason",
        "ban",
        "address_ban",
        "thread_ids",
        "post_ids",
        "undone_at",
        "undone_by",
    ]
    readonly_fields = fields
    actions = ["undo"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_undo_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.action(
        description=gettext_lazy("Undo: restore the posts and lift the bans"), permissions=["undo"]
    )
    def undo(self, request, queryset):
        run_each(
            self,
            request,
            queryset.filter(undone_at=None),
            lambda cleanup: actions.undo_ban_spammer(cleanup=cleanup, superuser=request.user),
            gettext_lazy("Undid %(count)d."),
        )


@admin.register(Announcement)
class AnnouncementAdmin(RebuildsForumTree, DateDrillDownInRange, TextRulesAdmin, admin.ModelAdmin):
    list_display = ["title", "forum", "starts_at", "ends_at", "author"]
    list_filter = [("forum", VisibleForumFilter)]
    list_select_related = ["forum", "author"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["forum"]
    fields = ["forum", "title", "body", "starts_at", "ends_at"]

    def save_model(self, request, obj, form, change):
        obj.body_html = render_bbcode(obj.body)
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)
        actions.rebuild_forum_tree()  # the forums' announcement counts


@admin.register(InfractionReason)
class InfractionReasonAdmin(TextRulesAdmin, admin.ModelAdmin):
    """The reasons moderators choose from when they warn or give an infraction."""

    list_display = ["name", "points", "expires_after_days"]
    list_editable = ["points", "expires_after_days"]
    search_fields = ["name"]


@admin.register(InfractionLevel)
class InfractionLevelAdmin(TextRulesAdmin, admin.ModelAdmin):
    """The thresholds: points in force that ban a member automatically, and for how long."""

    list_display = ["points", "ban_days"]
    list_editable = ["ban_days"]


@admin.register(Infraction)
class InfractionAdmin(ModeratedAdmin):
    """Every warning and infraction, read-only; moderators reverse them with a reason."""

    forum_path = "post__thread__forum_id"
    list_display = [
        "created_at",
        "member",
        "points",
        "short_reason",
        "for_post",
        "moderator",
        "expires_at",
        "reversed_at",
    ]
    list_filter = ["reversed_at"]
    list_select_related = ["member", "moderator", "post"]
    search_fields = ["=member__username", "reason"]
    date_hierarchy = "created_at"
    fields = [
        "member",
        "post",
        "moderator",
        "points",
        "reason",
        "created_at",
        "expires_at",
        "reversed_at",
        "reversed_by",
        "reversed_reason",
    ]
    readonly_fields = fields
    actions = ["reverse"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("post__body_html", "post__body")

    @admin.display(description=gettext_lazy("post"), ordering="post")
    def for_post(self, infraction):
        url = reverse("forum:post_permalink", args=[infraction.post_id])
        return format_html('<a href="{}">#{}</a>', url, infraction.post.number)

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, infraction):
        return Truncator(infraction.reason).chars(80)

    @admin.action(
        description=gettext_lazy("Reverse the selected infractions…"), permissions=["change"]
    )
    def reverse(self, request, queryset):
        form = step_form(request, ReasonForm)
        if not form.is_valid():
            return step_page(
                self,
                request,
                queryset,
                form=form,
                action="reverse",
                title=gettext_lazy("Reverse infractions"),
            )
        run_each(
            self,
            request,
            queryset.filter(reversed_at=None),
            lambda infraction: actions.reverse_infraction(
                infraction=infraction, moderator=request.user, reason=form.cleaned_data["reason"]
            ),
            gettext_lazy("Reversed %(count)d."),
        )


# Members and bans: accounts/admin.py holds what is the account's own; the forum adds what
# reaches into the board (posts, bans through forum.actions, recounts, signatures rendered
# with the board's markup), so that accounts imports no forum module.
admin.site.unregister(User)


@admin.register(User)
class MemberAdmin(accounts_admin.MemberAdmin):
    list_display = [*accounts_admin.MemberAdmin.list_display, "posts"]
    actions = ["ban", "unban", "recount_members", *accounts_admin.MemberAdmin.actions]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Groups, staff and superuser flags decide which notices the member may see.
        member_id = form.instance.pk
        transaction.on_commit(lambda: recount_unread_notices([member_id]))

    def save_model(self, request, obj, form, change):
        if "signature" in form.changed_data:
            obj.signature_html = render_bbcode(obj.signature)
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("posts"))
    def posts(self, member):
        return changelist_link(Post, _("posts"), author__id__exact=member.pk)

    def has_ban_permission(self, request):
        return may_ban(request.user) and request.user.has_perm("accounts.add_ban")

    @admin.action(description=gettext_lazy("Ban the selected members…"), permissions=["ban"])
    def ban(self, request, queryset):
        form = step_form(request, BanForm)
        if not form.is_valid():
            return step_page(
                self, request, queryset, form=form, action="ban", title=gettext_lazy("Ban")
            )
        run_each(
            self,
            request,
            queryset,
            lambda member: actions.ban_member(
                member=member, moderator=request.user, **form.cleaned_data
            ),
            ngettext_lazy("Banned %(count)d member.", "Banned %(count)d members.", "count"),
        )

    @admin.action(description=gettext_lazy("Lift the selected members' bans"), permissions=["ban"])
    def unban(self, request, queryset):
        run_each(
            self,
            request,
            queryset.filter(is_banned=True),
            lambda member: actions.unban_member(member=member, moderator=request.user),
            ngettext_lazy("Lifted %(count)d ban.", "Lifted %(count)d bans.", "count"),
        )

    def has_recount_permission(self, request):
        return request.user.is_superuser or request.user.moderated_forum_ids is None

    @admin.action(
        description=gettext_lazy("Recount the selected members' posts"), permissions=["recount"]
    )
    def recount_members(self, request, queryset):
        changed = actions.recount(
            threads=Thread.objects.none(), forums=Forum.objects.none(), members=queryset
        )
        self.message_user(
            request,
            _("Recounted: %(count)d members had wrong counts.") % {"count": changed["members"]},
        )


admin.site.unregister(Ban)


@admin.register(Ban)
class BanAdmin(accounts_admin.BanAdmin):
    actions = ["lift"]

    def has_add_permission(self, request):
        return may_ban(request.user) and admin.ModelAdmin.has_add_permission(self, request)

    def save_model(self, request, obj, form, change):
        if change:
            return
        ban = actions.ban_member(
            member=obj.member, moderator=request.user, reason=obj.reason, ends_at=obj.ends_at
        )
        obj.pk, obj.created_at, obj.created_by = ban.pk, ban.created_at, ban.created_by

    @admin.action(description=gettext_lazy("Lift the selected bans…"), permissions=["change"])
    def lift(self, request, queryset):
        form = step_form(request, OptionalReasonForm)
        if not form.is_valid():
            return step_page(
                self, request, queryset, form=form, action="lift", title=gettext_lazy("Lift")
            )
        members = User.objects.filter(pk__in=queryset.values("member"), is_banned=True)
        run_each(
            self,
            request,
            members,
            lambda member: actions.unban_member(
                member=member, moderator=request.user, reason=form.cleaned_data["reason"]
            ),
            ngettext_lazy(
                "Lifted the ban of %(count)d member.",
                "Lifted the bans of %(count)d members.",
                "count",
            ),
        )
        if not members:
            self.message_user(request, _("None of these members is banned."), messages.WARNING)
