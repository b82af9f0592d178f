import uuid

from django import forms

from accounts import validators

BODY_MAX_LENGTH = 20_000
TITLE_MAX_LENGTH = 100
EMPTY = "Please enter a {}: it cannot be empty or only spaces."


def clean_member_text(text: str, *, what: str, max_length: int, single_line: bool = False) -> str:
    """Trims what a member typed and refuses what the board cannot store or show."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        text = " ".join(text.split("\n"))
    # The rules are accounts.validators', which the admin applies too.
    if problem := validators.text_problem(text, single_line=single_line):
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
        return clean_member_text(value or "", what="message", max_length=BODY_MAX_LENGTH)


class SubmissionKeyField(forms.UUIDField):
    """A one-time key rendered with the form: a second submission of it makes no second post."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, initial=uuid.uuid4, **kwargs)


class ReplyForm(forms.Form):
    body = BodyField()
    submission_key = SubmissionKeyField()


class ThreadForm(forms.Form):
    title = forms.CharField(
        strip=False, label="Title", error_messages={"required": EMPTY.format("title")}
    )
    body = BodyField()
    submission_key = SubmissionKeyField()

    def clean_title(self):
        return clean_member_text(
            self.cleaned_data["title"], what="title", max_length=TITLE_MAX_LENGTH, single_line=True
        )


class PostEditForm(forms.Form):
    body = BodyField()
