import uuid
from datetime import timedelta

from django import forms
from django.utils import timezone

from accounts import validators
from forum import markup
from forum.models import MAX_INFRACTION_DAYS, MAX_INFRACTION_POINTS, InfractionReason
from pictures.forms import AttachmentsField, RemoveAttachmentsField

BODY_MAX_LENGTH = 20_000
TITLE_MAX_LENGTH = 100
EMPTY = "Please enter a {}: it cannot be empty or only spaces."


def clean_member_text(text: str, *, what: str, max_length: int, single_line: bool = False) -> str:
    """Trims what a member typed and refuses what the board cannot store or show.

    A single-line text (a title, a name) may hold no line break inside it: mail subjects and
    headers, feeds and archive files all need it on one line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The rules are accounts.validators', which the admin applies too.
    if problem := validators.text_problem(text.strip(), single_line=single_line):
        raise forms.ValidationError(f"The {what} {problem}")
    text = text.strip()
    if not text:
        raise forms.ValidationError(EMPTY.format(what))
    if len(text) > max_length:
        raise forms.ValidationError(
            f"The {what} is too long: {len(text):,} characters, at most {max_length:,}."
        )
    return text


class BodyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 10}))
        kwargs.setdefault("label", "Message")
        # No browser-side maxlength: the server's message is clearer than a truncated paste.
        super().__init__(
            strip=False, error_messages={"required": EMPTY.format("message")}, **kwargs
        )

    def clean(self, value):
        value = super().clean(value)
        value = clean_member_text(value or "", what="message", max_length=BODY_MAX_LENGTH)
        if not markup.shows_something(value):
            raise forms.ValidationError(
                "The message shows nothing: its BBCode holds no text, smilie or image. "
                "Write something between the tags."
            )
        return value


class SubmissionKeyField(forms.UUIDField):
    """A one-time key rendered with the form: a second submission of it makes no second post."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, initial=uuid.uuid4, **kwargs)


class ReplyForm(forms.Form):
    body = BodyField()
    attachments = AttachmentsField()
    submission_key = SubmissionKeyField()


class ThreadForm(forms.Form):
    title = forms.CharField(
        strip=False, label="Title", error_messages={"required": EMPTY.format("title")}
    )
    body = BodyField()
    with_poll = forms.BooleanField(
        required=False, label="Post a poll with this thread (the next step asks for it)"
    )
    attachments = AttachmentsField()
    submission_key = SubmissionKeyField()

    def clean_title(self):
        return clean_member_text(
            self.cleaned_data["title"], what="title", max_length=TITLE_MAX_LENGTH, single_line=True
        )


class PostEditForm(forms.Form):
    body = BodyField()
    attachments = AttachmentsField(label="Attach more files")
    remove_attachments = RemoveAttachmentsField()

    def __init__(self, *args, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove_attachments"].offer(attachments)
        if not attachments:
            del self.fields["remove_attachments"]


class ThreadAdminForm(forms.ModelForm):
    """The admin's thread form: a title is cleaned as on the board's new-thread form."""

    def clean_title(self):
        return clean_member_text(
            self.cleaned_data["title"], what="title", max_length=TITLE_MAX_LENGTH, single_line=True
        )


class IdListField(forms.Field):
    """Ids sent as repeated fields (checkboxes named alike); anything not a plain id is a
    mistake the page could not have made, so it is refused rather than ignored."""

    widget = forms.MultipleHiddenInput
    max_ids = 500

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        if len(value) > self.max_ids:
            raise forms.ValidationError(f"Choose at most {self.max_ids} at a time.")
        if not all(
            isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 19 for v in value
        ):
            raise forms.ValidationError("That choice is not valid.")
        return sorted({int(v) for v in value})


class QueueDecisionForm(forms.Form):
    """Approve or reject held threads and replies, from the moderation queue or a thread."""

    step = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    thread = IdListField(required=False)
    post = IdListField(required=False)
    reason = forms.CharField(required=False, max_length=1000, strip=True)

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        return clean_member_text(reason, what="reason", max_length=1000) if reason else ""

    def clean(self):
        data = super().clean()
        if not data.get("thread") and not data.get("post") and not self.errors:
            raise forms.ValidationError("Choose the threads or posts to approve or reject.")
        return data


class SpammerForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the moderation log and shown to the member if they try to log in.",
    )
    ban_address = forms.BooleanField(
        required=False,
        label="Also ban the address they registered from",
        help_text="Careful with shared addresses (offices, mobile networks): check first.",
    )

    def clean_reason(self):
        return clean_member_text(self.cleaned_data["reason"], what="reason", max_length=1000)


class InfractionForm(forms.Form):
    """A warning or an infraction for a post: a reason the admin set (with its points and
    expiry), or the moderator's own reason, points and expiry."""

    choice = forms.ModelChoiceField(
        queryset=InfractionReason.objects.order_by("name"),
        required=False,
        label="Reason",
        empty_label="Other (write it below)",
    )
    custom_reason = forms.CharField(
        required=False,
        strip=False,
        label="Other reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Told to the member; with a reason above, added to it.",
    )
    points = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_INFRACTION_POINTS,
        help_text="For another reason: 0 gives a warning.",
    )
    expires_after_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_INFRACTION_DAYS,
        label="Expires after (days)",
        help_text="For another reason: 0, the points never expire.",
    )
    warning_only = forms.BooleanField(
        required=False, label="Give a warning only (no points)", initial=False
    )

    def clean_custom_reason(self):
        reason = self.cleaned_data["custom_reason"]
        if not reason.strip():
            return ""
        return clean_member_text(reason, what="reason", max_length=900)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        choice, custom = data.get("choice"), data.get("custom_reason", "")
        if choice is not None:
            data["reason"] = f"{choice.name}: {custom}" if custom else choice.name
            points, days = choice.points, choice.expires_after_days
        elif not custom:
            raise forms.ValidationError("Choose a reason, or write one.")
        elif data.get("points") is None or data.get("expires_after_days") is None:
            raise forms.ValidationError("With your own reason, give the points and the expiry.")
        else:
            data["reason"], points, days = custom, data["points"], data["expires_after_days"]
        data["points"] = 0 if data.get("warning_only") else points
        data["expires_at"] = timezone.now() + timedelta(days=days) if days else None
        return data
