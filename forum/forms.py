import uuid
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import validators
from forum import markup
from forum.models import MAX_INFRACTION_DAYS, MAX_INFRACTION_POINTS, InfractionReason
from pictures.forms import AttachmentsField, RemoveAttachmentsField

BODY_MAX_LENGTH = 20_000
TITLE_MAX_LENGTH = 100
# What a member types, by the key forms pass as `what`: the noun as the subject of a sentence,
# and the request for it when it is empty. Whole sentences, as languages decline their nouns.
MEMBER_TEXTS = {
    "message": (
        gettext_lazy("The message"),
        gettext_lazy("Please enter a message: it cannot be empty or only spaces."),
    ),
    "title": (
        gettext_lazy("The title"),
        gettext_lazy("Please enter a title: it cannot be empty or only spaces."),
    ),
    "reason": (
        gettext_lazy("The reason"),
        gettext_lazy("Please enter a reason: it cannot be empty or only spaces."),
    ),
    "subject": (
        gettext_lazy("The subject"),
        gettext_lazy("Please enter a subject: it cannot be empty or only spaces."),
    ),
    "list of names": (
        gettext_lazy("The list of names"),
        gettext_lazy("Please enter a list of names: it cannot be empty or only spaces."),
    ),
    "location": (
        gettext_lazy("The location"),
        gettext_lazy("Please enter a location: it cannot be empty or only spaces."),
    ),
    "user title": (
        gettext_lazy("The user title"),
        gettext_lazy("Please enter a user title: it cannot be empty or only spaces."),
    ),
    "signature": (
        gettext_lazy("The signature"),
        gettext_lazy("Please enter a signature: it cannot be empty or only spaces."),
    ),
    "question": (
        gettext_lazy("The question"),
        gettext_lazy("Please enter a question: it cannot be empty or only spaces."),
    ),
    "option": (
        gettext_lazy("The option"),
        gettext_lazy("Please enter an option: it cannot be empty or only spaces."),
    ),
    "comment": (
        gettext_lazy("The comment"),
        gettext_lazy("Please enter a comment: it cannot be empty or only spaces."),
    ),
}


def empty_message(what: str):
    return MEMBER_TEXTS[what][1]


def clean_member_text(text: str, *, what: str, max_length: int, single_line: bool = False) -> str:
    """Trims what a member typed and refuses what the board cannot store or show.

    A single-line text (a title, a name) may hold no line break inside it: mail subjects and
    headers, feeds and archive files all need it on one line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The rules are accounts.validators', which the admin applies too.
    if problem := validators.text_problem(text.strip(), single_line=single_line):
        raise forms.ValidationError(
            _("%(subject)s %(problem)s") % {"subject": MEMBER_TEXTS[what][0], "problem": problem}
        )
    text = text.strip()
    if not text:
        raise forms.ValidationError(empty_message(what))
    if len(text) > max_length:
        raise forms.ValidationError(
            _("%(subject)s is too long: %(length)s characters, at most %(max)s.")
            % {
                "subject": MEMBER_TEXTS[what][0],
                "length": number_format(len(text), force_grouping=True),
                "max": number_format(max_length, force_grouping=True),
            }
        )
    return text


class BodyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 10}))
        kwargs.setdefault("label", gettext_lazy("Message"))
        # No browser-side maxlength: the server's message is clearer than a truncated paste.
        super().__init__(
            strip=False, error_messages={"required": empty_message("message")}, **kwargs
        )

    def clean(self, value):
        value = super().clean(value)
        value = clean_member_text(value or "", what="message", max_length=BODY_MAX_LENGTH)
        if not markup.shows_something(value):
            raise forms.ValidationError(
                _(
                    "The message shows nothing: its BBCode holds no text, smilie or image. "
                    "Write something between the tags."
                )
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
        strip=False,
        label=gettext_lazy("Title"),
        error_messages={"required": empty_message("title")},
    )
    body = BodyField()
    with_poll = forms.BooleanField(
        required=False,
        label=gettext_lazy("Post a poll with this thread (the next step asks for it)"),
    )
    attachments = AttachmentsField()
    submission_key = SubmissionKeyField()

    def clean_title(self):
        return clean_member_text(
            self.cleaned_data["title"], what="title", max_length=TITLE_MAX_LENGTH, single_line=True
        )


class PostEditForm(forms.Form):
    body = BodyField()
    attachments = AttachmentsField(label=gettext_lazy("Attach more files"))
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
            raise forms.ValidationError(
                _("Choose at most %(count)d at a time.") % {"count": self.max_ids}
            )
        if not all(
            isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 19 for v in value
        ):
            raise forms.ValidationError(_("That choice is not valid."))
        return sorted({int(v) for v in value})


class QueueDecisionForm(forms.Form):
    """Approve or reject held threads and replies, from the moderation queue or a thread."""

    step = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))]
    )
    thread = IdListField(required=False)
    post = IdListField(required=False)
    reason = forms.CharField(
        required=False, max_length=1000, strip=True, label=gettext_lazy("Reason")
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        return clean_member_text(reason, what="reason", max_length=1000) if reason else ""

    def clean(self):
        data = super().clean()
        if not data.get("thread") and not data.get("post") and not self.errors:
            raise forms.ValidationError(_("Choose the threads or posts to approve or reject."))
        return data


class SpammerForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Kept in the moderation log and shown to the member if they try to log in."
        ),
    )
    ban_address = forms.BooleanField(
        required=False,
        label=gettext_lazy("Also ban the address they registered from"),
        help_text=gettext_lazy(
            "Careful with shared addresses (offices, mobile networks): check first."
        ),
    )

    def clean_reason(self):
        return clean_member_text(self.cleaned_data["reason"], what="reason", max_length=1000)


class InfractionForm(forms.Form):
    """A warning or an infraction for a post: a reason the admin set (with its points and
    expiry), or the moderator's own reason, points and expiry."""

    choice = forms.ModelChoiceField(
        queryset=InfractionReason.objects.order_by("name"),
        required=False,
        label=gettext_lazy("Reason"),
        empty_label=gettext_lazy("Other (write it below)"),
    )
    custom_reason = forms.CharField(
        required=False,
        strip=False,
        label=gettext_lazy("Other reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Told to the member; with a reason above, added to it."),
    )
    points = forms.IntegerField(
        label=gettext_lazy("Points"),
        required=False,
        min_value=0,
        max_value=MAX_INFRACTION_POINTS,
        help_text=gettext_lazy("For another reason: 0 gives a warning."),
    )
    expires_after_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_INFRACTION_DAYS,
        label=gettext_lazy("Expires after (days)"),
        help_text=gettext_lazy("For another reason: 0, the points never expire."),
    )
    warning_only = forms.BooleanField(
        required=False, label=gettext_lazy("Give a warning only (no points)"), initial=False
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
            raise forms.ValidationError(_("Choose a reason, or write one."))
        elif data.get("points") is None or data.get("expires_after_days") is None:
            raise forms.ValidationError(_("With your own reason, give the points and the expiry."))
        else:
            data["reason"], points, days = custom, data["points"], data["expires_after_days"]
        data["points"] = 0 if data.get("warning_only") else points
        data["expires_at"] = timezone.now() + timedelta(days=days) if days else None
        return data
