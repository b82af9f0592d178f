import functools
import time
import unicodedata
import zoneinfo
from datetime import timedelta
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    UserCreationForm,
)
from django.core import signing
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import throttle, validators
from accounts.mail import send_password_reset_mail
from accounts.models import AddressRecord, EmailDomainBan, HumanQuestion, User, username_key
from forum.forms import clean_member_text
from forum.markup import render_bbcode

TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
ZONE_REGIONS = ["Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia"]
ZONE_REGIONS += ["Europe", "Indian", "Pacific"]


@functools.cache
def canonical_zones() -> frozenset[str]:
    """The tz database's current zones, one for each place people live, without the old
    aliases (US/Eastern, Asia/Calcutta, GB ...): its zone.tab, plus UTC. Where no zone.tab is
    found beside the zone files, every available zone under a region."""
    for folder in zoneinfo.TZPATH:
        table = Path(folder) / "zone.tab"
        if table.is_file():
            lines = table.read_text(encoding="utf-8").splitlines()
            zones = {line.split("\t")[2] for line in lines if line and not line.startswith("#")}
            return frozenset(zones & set(TIME_ZONES)) | {"UTC"}
    return frozenset(z for z in TIME_ZONES if z.split("/")[0] in ZONE_REGIONS) | {"UTC"}


def utc_offset(zone: str, now) -> str:
    """'UTC+05:30': the zone's offset at `now` (summer time included)."""
    minutes = int(now.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def time_zone_choices(current: str = "") -> list:
    """The profile's zone menu: the board's zone first (named, with its offset), then the
    current zones grouped by region, each with its offset now. A member's saved zone that is
    no longer canonical stays offered, so saving the profile does not change it."""
    now = timezone.now()
    board_zone = settings.TIME_ZONE
    groups: dict[str, list] = {}
    zones = canonical_zones() | ({current} if current in TIME_ZONES else set())
    for zone in sorted(zones):
        region, _slash, place = zone.partition("/")
        if not place:
            region, place = _("Other"), zone
        label = f"{place.replace('_', ' ').replace('/', ' / ')} ({utc_offset(zone, now)})"
        groups.setdefault(region, []).append((zone, label))
    default = _("The board's time zone: %(zone)s (%(offset)s)") % {
        "zone": board_zone,
        "offset": utc_offset(board_zone, now),
    }
    return [("", default), *sorted(groups.items())]


def clean_username(raw: str, *, member: User | None = None) -> str:
    """The username as stored, or a ValidationError saying why not; `member` is the one being
    renamed, whose own name is not "taken"."""
    # Stored in NFKC form, so full-width "Ｒｏｓｓ８６" is kept as "Ross86".
    username = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not 3 <= len(username) <= 25:
        raise forms.ValidationError(_("Usernames are 3 to 25 characters long."))
    if problem := validators.username_problem(username):
        raise forms.ValidationError(problem)
    if any(char.isdigit() and not char.isascii() for char in username):
        raise forms.ValidationError(
            _("Usernames may hold letters, digits, spaces, and the characters _ . - only.")
        )
    others = User.objects.filter(username_key=username_key(username))
    if member is not None and member.pk is not None:
        others = others.exclude(pk=member.pk)
    if others.exists():
        raise forms.ValidationError(
            _("That username is taken, or looks too much like one that is.")
        )
    # After the taken check: "Rоss86" beside Ross86 is best answered as a look-alike.
    if problem := validators.mixed_scripts_problem(username):
        raise forms.ValidationError(problem)
    return username


# The human check at registration (vBulletin's "human verification question"), with no
# script and no outside service, so it works under the board's CSP: a honeypot field that
# people never see, a minimum time to fill the form in (the form carries its signed issue
# time), and a question the admin sets (HumanQuestion). BOARD_HUMAN_CHECK says when.
HUMAN_CHECK_SALT = "accounts.human-check"
HUMAN_CHECK_MAX_AGE = 2 * 3600  # a form left open longer is issued again
HUMAN_CHECK_FIELDS = ("website", "human_token", "human_answer")
FILL_IN_AGAIN = gettext_lazy("This form was open too long or was changed: please fill it in again.")


def human_check_token(question_id: int | None, issued_at: float | None = None) -> str:
    issued_at = time.time() if issued_at is None else issued_at
    return signing.dumps({"t": issued_at, "q": question_id}, salt=HUMAN_CHECK_SALT)


def asks_human_question(address: str) -> bool:
    """BOARD_HUMAN_CHECK "on" asks everyone; "recent" only addresses that registered an
    account in the last BOARD_HUMAN_CHECK_RECENT_HOURS; "off" nobody."""
    mode = settings.BOARD_HUMAN_CHECK
    if mode != "recent":
        return mode == "on"
    since = timezone.now() - timedelta(hours=settings.BOARD_HUMAN_CHECK_RECENT_HOURS)
    recent = AddressRecord.objects.filter(
        address=address, kind=AddressRecord.REGISTRATION, created_at__gte=since
    )
    return address != "unknown" and recent.exists()


class HumanCheckFields(forms.Form):
    """Fields and checks that bots fail and people do not notice; mixed into RegistrationForm."""

    website = forms.CharField(
        required=False,
        label=gettext_lazy("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    human_token = forms.CharField(required=False, widget=forms.HiddenInput)
    human_answer = forms.CharField(required=False, max_length=200, label=gettext_lazy("Answer"))

    def __init__(self, *args, address: str = "unknown", **kwargs):
        super().__init__(*args, **kwargs)
        if settings.BOARD_HUMAN_CHECK == "off":
            for name in HUMAN_CHECK_FIELDS:
                del self.fields[name]
            self.question = None
            return
        self.question = self.issued_question() if self.is_bound else None
        if not self.is_bound and asks_human_question(address):
            self.question = HumanQuestion.objects.filter(is_active=True).order_by("?").first()
        if self.question is None:
            del self.fields["human_answer"]
        else:
            self.fields["human_answer"].label = self.question.question
            self.fields["human_answer"].required = True
        if not self.is_bound:
            self.fields["human_token"].initial = human_check_token(
                self.question.pk if self.question else None
            )

    def issued_question(self):
        """The question the form was issued with (from its signed token), if any."""
        issued = self.read_token(self.data.get("human_token", ""))
        question_id = issued.get("q") if issued else None
        if question_id is None:
            return None
        return HumanQuestion.objects.filter(pk=question_id).first()

    @staticmethod
    def read_token(token: str) -> dict | None:
        try:
            issued = signing.loads(token, salt=HUMAN_CHECK_SALT, max_age=HUMAN_CHECK_MAX_AGE)
        except (signing.BadSignature, TypeError, ValueError):
            return None
        if not isinstance(issued, dict) or not isinstance(issued.get("t"), int | float):
            return None
        return issued

    def clean(self):
        data = super().clean()
        if "human_token" not in self.fields:
            return data
        issued = self.read_token(data.get("human_token", ""))
        if data.get("website"):
            self.refuse(_("Leave the field that says “Leave this empty” empty."))
        elif issued is None or time.time() - issued["t"] > HUMAN_CHECK_MAX_AGE:
            self.refuse(FILL_IN_AGAIN)
        elif time.time() - issued["t"] < settings.BOARD_HUMAN_CHECK_MIN_SECONDS:
            self.refuse(
                _(
                    "That was quicker than a person can fill the form in: check it and send it "
                    "again."
                )
            )
        elif self.question and not self.question.accepts(data.get("human_answer", "")):
            self.add_error("human_answer", _("That is not the answer we were looking for."))
            self.reissue()
        return data

    def refuse(self, message: str) -> None:
        self.add_error(None, message)
        self.reissue()

    def reissue(self) -> None:
        """A fresh token for the form shown again, so the next try is timed from now."""
        self.data = self.data.copy()
        self.data["human_token"] = human_check_token(self.question.pk if self.question else None)


def refuse_banned_domain(email: str) -> None:
    ban = EmailDomainBan.objects.covering(email)
    if ban is not None:
        raise forms.ValidationError(ban.refusal())


class RegistrationForm(HumanCheckFields, UserCreationForm):
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        help_text=gettext_lazy("Used to reset your password; never shown to others."),
    )

    class Meta:
        model = User
        fields = ["username", "email"]

    def clean_username(self):
        return clean_username(self.cleaned_data.get("username", ""))

    def clean_email(self):
        # An address already in use is not refused here: that would tell anyone who has an
        # account. accounts.views.register leaves it off the new account and mails its owner.
        email = User.objects.normalize_email(self.cleaned_data["email"])
        refuse_banned_domain(email)
        return email

    def email_in_use(self) -> bool:
        return User.objects.filter(email__iexact=self.cleaned_data["email"]).exists()

    def validate_constraints(self):
        # The unique address is not a form error here (see clean_email): the view keeps a
        # taken address off the new account instead.
        pass


class MemberChangeForm(auth_forms.UserChangeForm):
    """The admin's member form: a new username passes the board's rules, so a name that
    differs from another only by case or look-alikes is a form error, not an IntegrityError."""

    def clean_username(self):
        username = self.cleaned_data.get("username", "")
        if username == self.initial.get("username"):
            return username  # names from before today's rules (imports) stay editable around
        return clean_username(username, member=self.instance)


class MemberCreationForm(AdminUserCreationForm):
    def clean_username(self):
        return clean_username(self.cleaned_data.get("username", ""))


class ThrottledLoginMixin:
    """The throttle's words on a refused login: the refusal alone, or a warning beside the
    usual error. The counting itself is in accounts.backends, for every login path."""

    # A closed account with two-factor reopens after the code step, which only the board's
    # login has; elsewhere its password alone is refused as an inactive account's is.
    reopens_after_code = False

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            login = self.cleaned_data.get("username") or ""
            address = throttle.client_address(self.request)
            refusal = throttle.login_refusal(login, address)
            if refusal:
                raise forms.ValidationError(refusal, code="throttled") from None
            banned = self.banned_member()
            if banned is not None:
                raise forms.ValidationError(banned.ban_message(), code="banned") from None
            returning = self.returning_member()
            if returning is not None and returning.has_two_factor:
                if not self.reopens_after_code:
                    raise
                # The password is half of this login: the account reopens only once the code
                # step is passed too (accounts.account_views.login_code).
                returning.backend = "accounts.backends.UsernameOrEmailBackend"
                self.user_cache = returning
                return self.cleaned_data
            if returning is not None:
                from accounts.actions import reactivate_member

                reactivate_member(member=returning)
                return super().clean()
            warning = throttle.login_warning(login, address)
            if warning:
                raise forms.ValidationError([*error.error_list, warning]) from None
            raise

    def member_with_password(self, condition, **filters) -> User | None:
        """The one member the typed login names among `filters`, who also meets `condition`,
        if the typed password is theirs."""
        login = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if not login or not password:
            return None
        named = Q(username_key=username_key(login)) | Q(email__iexact=login)
        matches = list(User.objects.filter(named, **filters)[:2])
        if len(matches) == 1 and condition(matches[0]) and matches[0].check_password(password):
            return matches[0]
        return None

    def returning_member(self) -> User | None:
        """A member who closed their account (not erased, not banned) logging in again with
        the right password: the login reopens it. Asked only after the backend counted the
        refused try, so it is no way around the throttle."""
        return self.member_with_password(
            lambda member: not member.is_under_ban,
            is_active=False,
            deactivated_at__isnull=False,
            erased_at=None,
        )

    def banned_member(self) -> User | None:
        """The banned member these credentials belong to: the right password learns why the
        login was refused, a wrong one learns nothing."""
        return self.member_with_password(lambda member: member.is_under_ban, is_banned=True)


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    reopens_after_code = True
    username = forms.CharField(label=gettext_lazy("Username or email"), max_length=254)
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "Please enter a correct username or email and password. The password is case-sensitive."
        ),
    }


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.has_two_factor:
            # The admin's login has no code step: the board's login page does.
            raise forms.ValidationError(
                _(
                    "This account logs in with a code as well: log in on the board's login page "
                    "(/accounts/login/), then open the admin again."
                ),
                code="two_factor",
            )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Checking the old password is a password check like a login: throttled per account."""

    def clean_old_password(self):
        login = self.user.username
        refusal = throttle.login_refusal(login, "", member=self.user)
        if refusal:
            raise forms.ValidationError(refusal, code="throttled")
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            throttle.record_login_failure(login, "", member=self.user)
            raise


class AdminOwnPasswordChangeForm(PasswordChangeForm, AdminPasswordChangeForm):
    pass


class PasswordResetMailForm(auth_forms.PasswordResetForm):
    """Django's password reset, with its mail limited per address and per recipient, and sent
    by the task worker (accounts/mail.py)."""

    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.address = address

    def clean_email(self):
        email = self.cleaned_data["email"]
        refusal = throttle.mail_refusal(self.address, email)
        if refusal:
            raise forms.ValidationError(refusal, code="throttled")
        return email

    def save(self, **kwargs):
        throttle.record_mail(self.address, self.cleaned_data["email"])
        super().save(**kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        site_url = f"{context['protocol']}://{context['domain']}"
        send_password_reset_mail.enqueue(context["user"].pk, site_url)


class ConfirmationResendForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your account's email address"))

    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.address = address

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        refusal = throttle.mail_refusal(self.address, email)
        if refusal:
            raise forms.ValidationError(refusal, code="throttled")
        return email

    def member_waiting(self) -> User | None:
        """The one active member with this address who has not confirmed it, if any."""
        members = list(
            User.objects.filter(
                email__iexact=self.cleaned_data["email"], is_active=True, email_confirmed=False
            )[:2]
        )
        return members[0] if len(members) == 1 else None


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=gettext_lazy(
            "Every time on the board is shown in this zone. Type a city to find it."
        ),
        # static/js/zone_search.js adds a search box above the menu, labelled with this.
        widget=forms.Select(
            attrs={"data-zone-search": gettext_lazy("Find a time zone (a city or UTC+2)")}
        ),
    )

    class Meta:
        model = User
        fields = [
            "user_title", "location", "time_zone", "language", "signature", "subscribe_on_reply",
            "messages_from", "mail_on_message",
        ]  # fmt: skip
        labels = {
            "user_title": gettext_lazy("User title"),
            "location": gettext_lazy("Location"),
            "signature": gettext_lazy("Signature"),
            "subscribe_on_reply": gettext_lazy("Subscribe on reply"),
            "messages_from": gettext_lazy("Accept private messages from"),
            "mail_on_message": gettext_lazy("Mail on message"),
        }
        widgets = {"signature": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["messages_from"].required = False
        self.fields["time_zone"].choices = time_zone_choices(self.instance.time_zone)
        if not self.instance.may_set_user_title:
            del self.fields["user_title"]

    def clean_messages_from(self):
        # A form from before the setting existed (an open tab) leaves it as it was.
        return self.cleaned_data["messages_from"] or self.instance.messages_from

    def clean_location(self):
        location = self.cleaned_data["location"]
        if not location.strip():
            return ""
        return clean_member_text(location, what="location", max_length=100, single_line=True)

    def clean_user_title(self):
        title = self.cleaned_data["user_title"]
        if not title.strip():
            return ""
        return clean_member_text(title, what="user title", max_length=50, single_line=True)

    def clean_signature(self):
        signature = self.cleaned_data["signature"]
        if not signature.strip():
            return ""
        return clean_member_text(
            signature, what="signature", max_length=settings.BOARD_SIGNATURE_MAX_LENGTH
        )

    def save(self, commit=True):
        self.instance.signature_html = render_bbcode(self.instance.signature)
        return super().save(commit)


def check_current_password(member: User, password: str) -> None:
    """A password check on a form of the member's own account: throttled like a login."""
    refusal = throttle.login_refusal(member.username, "", member=member)
    if refusal:
        raise forms.ValidationError(refusal, code="throttled")
    if not member.check_password(password or ""):
        throttle.record_login_failure(member.username, "", member=member)
        raise forms.ValidationError(_("That is not your current password."), code="wrong_password")


class CurrentPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, member: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_password(self):
        check_current_password(self.member, self.cleaned_data["password"])
        return ""


class EmailChangeForm(CurrentPasswordForm):
    new_email = forms.EmailField(label=gettext_lazy("New email address"), max_length=254)

    field_order = ["new_email", "password"]

    def clean_new_email(self):
        email = User.objects.normalize_email(self.cleaned_data["new_email"]).strip()
        if email.lower() == (self.member.email or "").lower():
            raise forms.ValidationError(_("That is the address your account uses already."))
        refuse_banned_domain(email)
        return email


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class TwoFactorSetupForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your app"),
        max_length=12,
        help_text=gettext_lazy(
            "After adding the board to your app, type the 6-digit code it shows."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class LeaveForm(CurrentPasswordForm):
    DEACTIVATE, ERASE = "deactivate", "erase"
    how = forms.ChoiceField(
        label=gettext_lazy("How do you want to leave?"),
        widget=forms.RadioSelect,
        choices=[
            (DEACTIVATE, gettext_lazy("Close my account: my profile is hidden and I am "
             "logged out everywhere. Logging in again reopens it.")),
            (ERASE, gettext_lazy("Erase my account: for good. My name, email address, "
             "profile, addresses and login records are wiped, and my posts show as "
             "“Former member”. This cannot be undone.")),
        ],
    )  # fmt: skip
    confirm = forms.CharField(
        label=gettext_lazy("To erase, type ERASE"),
        required=False,
        max_length=10,
        help_text=gettext_lazy("Only for erasing."),
    )

    field_order = ["how", "confirm", "password"]

    def clean(self):
        data = super().clean()
        if data.get("how") == self.ERASE and (data.get("confirm") or "").strip() != "ERASE":
            self.add_error("confirm", _("Type ERASE (in capitals) to erase your account."))
        others = User.objects.filter(is_superuser=True, is_active=True).exclude(pk=self.member.pk)
        if self.member.is_superuser and not others.exists():
            self.add_error(None, _("You are the board's only superuser: make someone else "
                                   "one first, or nobody could run the board."))  # fmt: skip
        return data


class EraseConfirmForm(forms.Form):
    """The admin's erase step."""

    understood = forms.BooleanField(
        label=gettext_lazy(
            "I understand: names, addresses, profiles and login records are wiped for good; "
            "posts stay under “Former member #N” (or are removed, as the board is set)."
        ),
    )
