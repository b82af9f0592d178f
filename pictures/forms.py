from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from pictures.images import CROP_PLACES, Prepared, Refused, prepare, prepare_image


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def read_upload(upload, max_bytes: int) -> bytes:
    """The bytes of an uploaded file, refused past `max_bytes` without reading it all."""
    if upload.size > max_bytes:
        raise Refused(
            f"“{upload.name[:60]}” is {filesizeformat(upload.size)}: a file may be at most "
            f"{filesizeformat(max_bytes)}."
        )
    return upload.read()


class AttachmentsField(forms.FileField):
    """Files for a post: each checked and re-encoded (pictures.images.prepare); cleaned to a
    list of Prepared. The per-post count and the member's quota are checked when they are
    stored (pictures.actions.attach), under the member's row lock."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kinds = ", ".join(
            ["JPEG", "PNG", "WebP", "GIF", *map(str.upper, settings.BOARD_ATTACHMENT_OTHER_TYPES)]
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Attach files")
        kwargs.setdefault(
            "help_text",
            f"{kinds}; up to {settings.BOARD_ATTACHMENTS_PER_POST} files of at most "
            f"{filesizeformat(settings.BOARD_ATTACHMENT_MAX_BYTES)} each. [ATTACH]1[/ATTACH] in "
            "the message places the first file there; the rest show under the post.",
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        if len(uploads) > settings.BOARD_ATTACHMENTS_PER_POST:
            raise forms.ValidationError(
                f"A post may carry at most {settings.BOARD_ATTACHMENTS_PER_POST} files."
            )
        prepared, errors = [], []
        for upload in uploads:
            try:
                prepared.append(
                    prepare(read_upload(upload, settings.BOARD_ATTACHMENT_MAX_BYTES), upload.name)
                )
            except Refused as refused:
                errors.append(str(refused))
        if errors:
            raise forms.ValidationError(errors)
        return prepared


class RemoveAttachmentsField(forms.TypedMultipleChoiceField):
    """Checkboxes for a post's attachments, on its edit form: those ticked are deleted."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, label="Remove attachments", **kwargs)

    def offer(self, attachments) -> None:
        self.choices = [(a.pk, f"{a.position}: {a.name}") for a in attachments]


class AvatarForm(forms.Form):
    image = forms.FileField(
        label="Picture",
        help_text=f"JPEG, PNG, WebP or GIF, at most "
        f"{filesizeformat(settings.BOARD_AVATAR_MAX_BYTES)}. The largest square of it is kept.",
    )
    place = forms.ChoiceField(
        label="Which part to keep",
        choices=[
            ("centre", "The middle"),
            ("start", "The top (or left) part"),
            ("end", "The bottom (or right) part"),
        ],
        initial="centre",
        widget=forms.RadioSelect,
    )

    def clean_image(self) -> Prepared:
        upload = self.cleaned_data["image"]
        try:
            content = read_upload(upload, settings.BOARD_AVATAR_MAX_BYTES)
            return prepare_image(content, upload.name)
        except Refused as refused:
            raise forms.ValidationError(str(refused)) from None

    def clean_place(self) -> str:
        place = self.cleaned_data["place"]
        return place if place in CROP_PLACES else "centre"
