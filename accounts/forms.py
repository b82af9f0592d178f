import re
import unicodedata
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.db.models import Q

from accounts import throttle
from accounts.models import EmailDomainBan, User, username_key
from forum.forms import clean_member_text
from forum.markup import render_bbcode

USERNAME_SHAPE = re.compile(r"^[\w .\-]+$")
TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def clean_username(raw: str) -> str:
    # Stored in NFKC form, so full-width "Ｒｏｓｓ８６" is kept as "Ross86".
    username = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not 3 <= len(username) <= 25:
        raise forms.ValidationError("Usernames are 3 to 25 characters long.")
    if not USERNAME_SHAPE.match(username) or any(c.isdigit() and not c.isascii() for c in username):
        raise forms.ValidationError(
            "Usernames may hold letters, digits, spaces, and the characters _ . - only."
        )
    if User.objects.filter(username_key=username_key(username)).exists():
        raise forms.ValidationError("That username is taken, or looks too much like one that is.")
    return username


def refuse_banned_domain(email: str) -> None:
    ban = EmailDomainBan.objects.covering(email)
    if ban is not None:
        raise forms.ValidationError(ban.refusal())


class RegistrationForm(UserCreationForm):
    email = forms.EmailField(help_text="Used to reset your password; never shown to others.")

    class Meta:
        model = User
        fields = ["username", "email"]

    def clean_username(self):
        return clean_username(self.cleaned_data.get("username", ""))

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with that email address already exists.")
        refuse_banned_domain(email)
        return email


class LoginForm(AuthenticationForm):
    username = forms.CharField(label="Username or email", max_length=254)
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Please enter a correct username or email and password. "
        "The password is case-sensitive.",
    }

    def clean(self):
        login = self.cleaned_data.get("username") or ""
        address = throttle.client_address(self.request)
        refusal = throttle.login_refusal(login, address)
        if refusal:
            raise forms.ValidationError(refusal, code="throttled")
        try:
            cleaned_data = super().clean()
        except forms.ValidationError as error:
            banned = self.banned_member()
            if banned is not None:
                raise forms.ValidationError(banned.ban_message(), code="banned") from None
            warning = throttle.record_login_failure(login, address)
            if warning:
                raise forms.ValidationError([*error.error_list, warning]) from None
            raise
        if self.user_cache is not None:
            throttle.clear_login_failures(login)
        return cleaned_data

    def banned_member(self) -> User | None:
        """The banned member these credentials belong to: the right password learns why the
        login was refused, a wrong one learns nothing."""
        login = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if not login or not password:
            return None
        matches = list(
            User.objects.filter(
                Q(username_key=username_key(login)) | Q(email__iexact=login), is_banned=True
            )[:2]
        )
        if len(matches) == 1 and matches[0].is_under_ban and matches[0].check_password(password):
            return matches[0]
        return None


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=[("", "The board's time zone")] + [(zone, zone) for zone in TIME_ZONES],
        required=False,
        help_text="Every time on the board is shown in this zone.",
    )

    class Meta:
        model = User
        fields = ["user_title", "location", "time_zone", "signature", "subscribe_on_reply"]
        widgets = {"signature": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.may_set_user_title:
            del self.fields["user_title"]

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
