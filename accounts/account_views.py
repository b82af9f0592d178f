"""A member's own account: the login's code step, email change, two-factor login, sessions,
download my data, and leaving the board. Every page is the member's own (login required) but
the links mailed to an address (confirm or undo an email change), whose signature is the key."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import actions, sessions, throttle, two_factor
from accounts.forms import (
    CurrentPasswordForm,
    EmailChangeForm,
    LeaveForm,
    LoginForm,
    TwoFactorCodeForm,
    TwoFactorSetupForm,
)
from accounts.mail import (
    DATA_EXPORT_SALT,
    EMAIL_CHANGE_MAX_AGE,
    EMAIL_CHANGE_SALT,
    EMAIL_UNDO_MAX_AGE,
    EMAIL_UNDO_SALT,
    build_data_export,
    send_email_change_mail,
    send_email_change_notice,
    unsigned,
)
from accounts.models import DataExport, EmailChange
from accounts.views import site_url

LINK_GONE = gettext_lazy("That link is invalid or has expired.")


class LoginView(auth_views.LoginView):
    """Django's login, with a second step for members who turned two-factor on: the right
    password alone does not log them in (accounts.two_factor)."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        member = form.get_user()
        if not member.has_two_factor:
            return super().form_valid(form)
        two_factor.begin_login(self.request, member, member.backend, self.get_redirect_url())
        return redirect("accounts:login_code")


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    pending = two_factor.pending_login(request)
    member = two_factor.pending_member(pending)
    if not member or member.is_under_ban:
        messages.info(request, _("Log in again: the code step waits five minutes at most."))
        return redirect("accounts:login")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = throttle.client_address(request)
        refusal = throttle.login_refusal(member.username, address, member=member)
        device = None if refusal else two_factor.verified_device(member, form.cleaned_data["code"])
        if device is not None:
            request.session.pop(two_factor.PENDING_KEY, None)
            throttle.clear_login_failures(member)
            if not member.is_active:
                actions.reactivate_member(member=member)
            login(request, member, backend=pending["backend"])
            request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            next_url = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = settings.LOGIN_REDIRECT_URL
            return redirect(next_url)
        if not refusal:
            throttle.record_login_failure(member.username, address, member=member)
        form.add_error("code", refusal or two_factor.code_refusal(member))
    return render(request, "accounts/login_code.html", {"form": form})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def email_change(request):
    member = request.user
    form = EmailChangeForm(request.POST or None, member=member)
    address = throttle.client_address(request)
    if form.is_bound and form.is_valid():
        new_email = form.cleaned_data["new_email"]
        refusal = throttle.mail_refusal(address, new_email)
        if refusal:
            form.add_error("new_email", refusal)
        else:
            throttle.record_mail(address, new_email)
            with transaction.atomic():
                change = actions.request_email_change(member=member, new_email=new_email)
                send_email_change_mail.enqueue(change.pk, site_url(request))
                send_email_change_notice.enqueue(change.pk, site_url(request))
            messages.info(
                request,
                _(
                    "A link is on its way to %(email)s: your address changes when you follow "
                    "it (within two days). Your current address was told, with a way to undo it."
                )
                % {"email": new_email},
            )
            return redirect("accounts:email_change")
    pending = (
        EmailChange.objects.filter(
            member=member,
            confirmed_at=None,
            undone_at=None,
            requested_at__gt=timezone.now() - timedelta(seconds=EMAIL_CHANGE_MAX_AGE),
        )
        .order_by("-pk")
        .first()
    )
    return render(request, "accounts/email_change.html", {"form": form, "pending": pending})


# What each mailed link does: (salt, max age, action, success message, where to go after).
EMAIL_LINKS = {
    "confirm": (
        EMAIL_CHANGE_SALT,
        EMAIL_CHANGE_MAX_AGE,
        actions.confirm_email_change,
        gettext_lazy("Your account now uses %(new_email)s."),
        "forum:index",
    ),
    "undo": (
        EMAIL_UNDO_SALT,
        EMAIL_UNDO_MAX_AGE,
        actions.undo_email_change,
        gettext_lazy(
            "Undone: the account uses %(old_email)s and every browser was logged out. If you "
            "did not ask for the change, reset your password now."
        ),
        "accounts:login",
    ),
}


def email_link(request, token: str, kind: str):
    """GET shows what the link does and POST does it: mail scanners that open links must not
    change an account."""
    salt, max_age, action, done, then = EMAIL_LINKS[kind]
    pk = unsigned(token, salt, max_age)
    change = EmailChange.objects.select_related("member").filter(pk=pk).first() if pk else None
    if change is None:
        raise Http404(LINK_GONE)
    if request.method == "POST":
        try:
            action(change_id=change.pk)
        except actions.EmailChangeRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, done % {"new_email": change.new_email, "old_email": change.old_email}
            )
        return redirect(then)
    return render(request, "accounts/email_link.html", {"change": change, "undo": kind == "undo"})


@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm(request, token):
    return email_link(request, token, "confirm")


@never_cache
@require_http_methods(["GET", "POST"])
def email_undo(request, token):
    return email_link(request, token, "undo")


# Error reports and logs never show a code or the codes made here.
@sensitive_post_parameters("code", "password")
@sensitive_variables("codes")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    member = request.user
    if member.has_two_factor:
        return render(
            request,
            "accounts/two_factor.html",
            {
                "codes_left": two_factor.recovery_codes_left(member),
                "off_form": CurrentPasswordForm(member=member),
                "codes_form": CurrentPasswordForm(member=member),
            },
        )
    device = two_factor.unconfirmed_device(member)
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.turn_on(request, device, form.cleaned_data["code"])
        if codes is not None:
            messages.success(request, _("Two-factor login is on."))
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        form.add_error("code", two_factor.code_refusal(member))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr": two_factor.qr_svg(device), "secret": two_factor.secret_text(device)},
    )


@sensitive_post_parameters("password")
@never_cache
@login_required
@require_POST
def two_factor_off(request):
    form = CurrentPasswordForm(request.POST, member=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("password", [_("Check the form.")])))
        return redirect("accounts:two_factor")
    two_factor.turn_off(request.user, by=request.user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    messages.success(request, _("Two-factor login is off: your password alone logs you in."))
    return redirect("accounts:two_factor")


@sensitive_post_parameters("password")
@sensitive_variables("codes")
@never_cache
@login_required
@require_POST
def recovery_codes(request):
    form = CurrentPasswordForm(request.POST, member=request.user)
    if not request.user.has_two_factor or not form.is_valid():
        messages.error(request, " ".join(form.errors.get("password", [_("Check the form.")])))
        return redirect("accounts:two_factor")
    codes = two_factor.new_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_list(request):
    current = request.session.session_key
    if request.method == "POST":
        ended = sessions.end_sessions(request.user, keep=current)
        actions.log_sessions_ended(member=request.user, count=ended)
        messages.success(
            request,
            ngettext(
                "Logged out %(count)d other session.", "Logged out %(count)d other sessions.", ended
            )
            % {"count": ended},
        )
        return redirect("accounts:sessions")
    rows = sessions.sessions_of(request.user)
    for row in rows:
        row.device = sessions.device_name(row.user_agent)
        row.is_current = row.session_key == current
    return render(
        request,
        "accounts/sessions.html",
        {"rows": rows, "can_end": sessions.can_end_sessions()},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def data_export(request):
    member = request.user
    latest = DataExport.objects.filter(member=member).defer("archive").order_by("-pk").first()
    if request.method == "POST":
        if latest is not None and latest.requested_at > timezone.now() - timedelta(hours=1):
            messages.error(request, _("You asked for an archive less than an hour ago: it "
                                      "is mailed to you when ready. Ask again later."))  # fmt: skip
        elif not member.email:
            messages.error(request, _("The link is mailed: give your account an email "
                                      "address first."))  # fmt: skip
        else:
            with transaction.atomic():
                export = DataExport.objects.create(member=member)
                build_data_export.enqueue(export.pk, site_url(request))
            built = _(
                "Your archive is being built; a link is mailed to %(email)s when it is ready."
            )
            messages.info(request, built % {"email": member.email})
        return redirect("accounts:data_export")
    return render(
        request,
        "accounts/data_export.html",
        {"latest": latest, "hours": settings.BOARD_DATA_EXPORT_HOURS},
    )


@never_cache
@login_required
def data_download(request, token):
    """The mailed link: signed, expiring, and only for the member it was made for."""
    pk = unsigned(token, DATA_EXPORT_SALT, settings.BOARD_DATA_EXPORT_HOURS * 3600)
    export = DataExport.objects.filter(pk=pk, member=request.user).first() if pk else None
    if export is None or export.ready_at is None:
        raise Http404(LINK_GONE)
    response = HttpResponse(bytes(export.archive), content_type="application/zip")
    stamp = timezone.localtime(export.ready_at).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.zip"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def leave(request):
    form = LeaveForm(request.POST or None, member=request.user)
    if request.method == "POST" and form.is_valid():
        member = request.user
        if form.cleaned_data["how"] == LeaveForm.ERASE:
            actions.erase_member(member=member, by=member)
            logout(request)
            messages.success(request, _("Your account is erased. Goodbye, and thank you."))
        else:
            actions.deactivate_member(member=member, by=member)
            logout(request)
            messages.success(request, _("Your account is closed. Log in again to reopen it."))
        return redirect("forum:index")
    return render(request, "accounts/leave.html", {"form": form})
