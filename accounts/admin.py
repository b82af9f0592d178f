"""Members and bans in the admin.

Superusers manage everything. Moderators (staff, not superusers) see members but never
superusers; of ordinary members they may change only what members show on the board (title,
location, time zone, signature): never the username, email, password, active or staff flags,
groups or permissions, since whoever changes those could take the account over. Only
moderators of the whole board ban, through forum.actions.ban_member.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import AdminSite
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import actions as account_actions
from accounts import two_factor
from accounts.forms import (
    AdminLoginForm,
    AdminOwnPasswordChangeForm,
    EraseConfirmForm,
    MemberChangeForm,
    MemberCreationForm,
)
from accounts.models import AccountEvent, AddressBan, Ban, EmailDomainBan, HumanQuestion, User
from accounts.validators import TextRulesAdmin
from forum import actions
from forum.admin import DateDrillDownInRange, changelist_link, run_each, step_form, step_page
from forum.markup import render_bbcode
from forum.models import Forum, Post, Thread
from forum.moderation import BanForm, OptionalReasonForm

# The admin's login and password change check passwords: throttled like the board's.
admin.site.login_form = AdminLoginForm
admin.site.password_change_form = AdminOwnPasswordChangeForm


def has_permission(request) -> bool:
    """Django's rule (active staff), and with BOARD_STAFF_TWO_FACTOR a session that passed the
    second step: a stolen staff password alone opens no admin page."""
    return AdminSite.has_permission(admin.site, request) and not two_factor.admin_refuses(request)


def login(request, extra_context=None):
    """A staff member logged in without the second step is sent to set it up (or, having it,
    to log in again with a code) instead of the admin's "not authorised" login form."""
    if two_factor.admin_refuses(request):
        if request.user.has_two_factor:
            # A session from before two-factor was turned on: it must log in again, with a code.
            auth_logout(request)
            messages.warning(request, _("The admin needs a login with your code: log in again."))
            return redirect(f"{reverse('accounts:login')}?next={reverse('admin:index')}")
        messages.warning(request, _("The admin needs two-factor login: turn it on first."))
        return redirect("accounts:two_factor")
    return AdminSite.login(admin.site, request, extra_context)


admin.site.has_permission = has_permission
admin.site.login = login

# django-otp's own device pages would show members' secrets and recovery codes; superusers turn
# a member's two-factor off from the member list instead (a lost phone and lost codes).
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)

PERMISSION_FIELDS = {"is_superuser", "groups", "user_permissions"}
# The only member fields a moderator changes; every other field, including any added later,
# is read-only for them.
MODERATOR_EDITABLE_FIELDS = {"user_title", "location", "time_zone", "signature"}
ACCOUNT_FIELDS = {"username", "password", "email", "email_confirmed", "is_active", "is_staff"}
WHY_READ_ONLY = gettext_lazy(
    "Only superusers change these fields: whoever changes a member's username, email "
    "address, password or permissions could take the account over (a password reset goes to "
    "the email address). Bans are the moderators' tool."
)


def may_ban(user) -> bool:
    return user.is_active and user.is_staff and user.moderated_forum_ids is None


admin.site.unregister(Group)


@admin.register(Group)
class BoardGroupAdmin(TextRulesAdmin, GroupAdmin):
    pass


@admin.register(User)
class MemberAdmin(DateDrillDownInRange, TextRulesAdmin, UserAdmin):
    form = MemberChangeForm
    add_form = MemberCreationForm
    list_display = [
        "username",
        "email",
        "date_joined",
        "last_activity_at",
        "post_count",
        "is_staff",
        "is_active",
        "is_banned",
        "posts",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "is_banned", "is_imported", "groups"]
    search_fields = ["username", "username_key", "email"]
    ordering = ["username_key"]
    date_hierarchy = "date_joined"
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            gettext_lazy("Personal info"),
            {"fields": ["first_name", "last_name", "email", "email_confirmed"]},
        ),
        (
            gettext_lazy("On the board"),
            {"fields": ["user_title", "location", "time_zone", "signature", "post_count"]},
        ),
        (gettext_lazy("Ban"), {"fields": ["is_banned", "banned_until", "ban_reason", "bans"]}),
        (
            gettext_lazy("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (
            gettext_lazy("Important dates"),
            {"fields": ["last_login", "date_joined", "last_activity_at"]},
        ),
    ]
    readonly_fields = [
        "post_count",
        "is_banned",
        "banned_until",
        "ban_reason",
        "bans",
        "last_login",
        "date_joined",
        "last_activity_at",
    ]
    actions = ["ban", "unban", "recount_members", "erase", "turn_off_two_factor"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        return queryset

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "signature":
            kwargs["max_length"] = settings.BOARD_SIGNATURE_MAX_LENGTH
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        shown = []
        for name, options in fieldsets:
            fields = [f for f in options["fields"] if f not in PERMISSION_FIELDS]
            if ACCOUNT_FIELDS.intersection(fields):
                options = {**options, "description": WHY_READ_ONLY}
            shown.append((name, {**options, "fields": fields}))
        return shown

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        every_field = [f for _, options in self.fieldsets for f in options["fields"]]
        return readonly + [
            f for f in every_field if f not in MODERATOR_EDITABLE_FIELDS and f not in readonly
        ]

    def save_model(self, request, obj, form, change):
        if "signature" in form.changed_data:
            obj.signature_html = render_bbcode(obj.signature)
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_staff and not request.user.is_superuser:
            return False  # moderators do not edit other staff, nor themselves, here
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied  # a moderator setting a password could take the account
        return super().user_change_password(request, id, form_url)

    @admin.display(description=gettext_lazy("posts"))
    def posts(self, member):
        return changelist_link(Post, _("posts"), author__id__exact=member.pk)

    @admin.display(description=gettext_lazy("bans"))
    def bans(self, member):
        return changelist_link(Ban, _("ban history"), member__id__exact=member.pk)

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

    def has_erase_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=gettext_lazy("Erase the selected members…"), permissions=["erase"])
    def erase(self, request, queryset):
        """The GDPR erasure a member can ask for, done by a superuser: deleting a member who
        has posted is refused (posts PROTECT their author), erasing anonymises instead."""
        form = step_form(request, EraseConfirmForm)
        if not form.is_valid():
            return step_page(
                self, request, queryset, form=form, action="erase", title=gettext_lazy("Erase")
            )
        erased = 0
        for member in queryset.filter(erased_at=None):
            if member.pk == request.user.pk:
                self.message_user(
                    request, _("Erase your own account from its Leave page."), messages.ERROR
                )
                continue
            account_actions.erase_member(member=member, by=request.user)
            erased += 1
        self.message_user(
            request,
            ngettext("Erased %(count)d member.", "Erased %(count)d members.", erased)
            % {"count": erased},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Turn off the selected members' two-factor login"),
        permissions=["erase"],
    )
    def turn_off_two_factor(self, request, queryset):
        members = list(queryset.filter(has_two_factor=True))
        for member in members:
            two_factor.turn_off(member, by=request.user)
        self.message_user(
            request,
            ngettext(
                "Turned off two-factor login for %(count)d member.",
                "Turned off two-factor login for %(count)d members.",
                len(members),
            )
            % {"count": len(members)},
        )


@admin.register(AccountEvent)
class AccountEventAdmin(TextRulesAdmin, admin.ModelAdmin):
    """The account log: read-only, for superusers."""

    list_display = ["created_at", "member", "kind", "by", "note"]
    list_filter = ["kind"]
    list_select_related = ["member", "by"]
    search_fields = ["=member__username", "note"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BanAddForm(forms.ModelForm):
    # ends_at is bounded to sane years by TextRulesAdmin, like every date the admin sets.
    class Meta:
        model = Ban
        fields = ["member", "reason", "ends_at"]


class BanStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("in_force", _("In force")), ("over", _("Expired or lifted"))]

    def queryset(self, request, queryset):
        from django.db.models import Q
        from django.utils import timezone

        in_force = Q(lifted_at=None) & (Q(ends_at=None) | Q(ends_at__gt=timezone.now()))
        if self.value() == "in_force":
            return queryset.filter(in_force)
        if self.value() == "over":
            return queryset.exclude(in_force)
        return queryset


@admin.register(Ban)
class BanAdmin(DateDrillDownInRange, TextRulesAdmin, admin.ModelAdmin):
    list_display = [
        "member",
        "reason",
        "created_at",
        "created_by",
        "ends_at",
        "lifted_at",
        "in_force",
    ]
    list_filter = [BanStatusFilter]
    list_select_related = ["member", "created_by"]
    search_fields = ["=member__username", "reason"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["member"]
    show_full_result_count = False
    form = BanAddForm
    actions = ["lift"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["member", "reason", "ends_at"]
        return ["member", "reason", "created_at", "created_by", "ends_at", "lifted_at", "lifted_by"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_add_permission(self, request):
        return may_ban(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return may_ban(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    @admin.display(boolean=True, description=gettext_lazy("in force"))
    def in_force(self, ban):
        return ban.is_in_force

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


class NetworkBanAdmin(DateDrillDownInRange, TextRulesAdmin, admin.ModelAdmin):
    """Address and email domain bans: superusers (and anyone granted the permissions)."""

    list_display = ["__str__", "reason", "created_at", "created_by", "ends_at", "in_force"]
    readonly_fields = ["created_at", "created_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_select_related = ["created_by"]

    @admin.display(boolean=True, description=gettext_lazy("in force"))
    def in_force(self, ban):
        return ban.ends_at is None or ban.ends_at > timezone.now()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AddressBan)
class AddressBanAdmin(NetworkBanAdmin):
    fields = ["network", "reason", "ends_at", "created_at", "created_by"]
    search_fields = ["network", "reason"]


@admin.register(EmailDomainBan)
class EmailDomainBanAdmin(NetworkBanAdmin):
    fields = ["domain", "reason", "ends_at", "created_at", "created_by"]
    search_fields = ["domain", "reason"]


@admin.register(HumanQuestion)
class HumanQuestionAdmin(TextRulesAdmin, admin.ModelAdmin):
    list_display = ["question", "is_active"]
    list_editable = ["is_active"]
    fields = ["question", "answers", "is_active"]
