"""Members and bans in the admin.

Superusers manage everything. Moderators (staff, not superusers) see members but never
superusers; of ordinary members they may change only what members show on the board (title,
location, time zone, signature): never the username, email, password, active or staff flags,
groups or permissions, since whoever changes those could take the account over. Only
moderators of the whole board ban, through forum.actions.ban_member.

accounts is the lower layer and imports no forum module: forum/admin.py extends MemberAdmin
and BanAdmin with what needs the forum (the member's posts, bans, recounts, signatures) and
registers them in place of these. The admin helpers below are shared the same way.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import AdminSite
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
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


def changelist_link(model, text: str, **filters) -> str:
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, text)


def step_page(modeladmin, request, queryset, *, form, action: str, title: str):
    """The intermediate page of an admin action that needs a reason or a choice."""
    return TemplateResponse(
        request,
        "admin/forum/moderation_step.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "opts": modeladmin.model._meta,
            "queryset": queryset,
            "form": form,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


def step_form(request, form_class, **kwargs):
    """The action's form, bound once the intermediate page was submitted."""
    return form_class(request.POST if "apply" in request.POST else None, **kwargs)


class InRangeChangeList(ChangeList):
    """Django's date drill-down adds a day, a month or a year to the one in the address and
    overflows past 9999 (a 500 for ?created_at__year=9999): answer it as any bad filter."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class DateDrillDownInRange:
    """For every ModelAdmin with a date_hierarchy."""

    def get_changelist(self, request, **kwargs):
        return InRangeChangeList


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
    actions = ["erase", "turn_off_two_factor"]

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

    @admin.display(description=gettext_lazy("bans"))
    def bans(self, member):
        return changelist_link(Ban, _("ban history"), member__id__exact=member.pk)

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
    """The ban history. Banning and lifting write through forum.actions (the member's flags
    and the moderation log with them): forum/admin.py adds them to this admin."""

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

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["member", "reason", "ends_at"]
        return ["member", "reason", "created_at", "created_by", "ends_at", "lifted_at", "lifted_by"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False  # a ban saved as a bare row would leave the member's flags unbanned

    def has_change_permission(self, request, obj=None):
        return may_ban(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    @admin.display(boolean=True, description=gettext_lazy("in force"))
    def in_force(self, ban):
        return ban.is_in_force


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
