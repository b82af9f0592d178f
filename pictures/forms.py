from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pictures.images import CROP_PLACES, Prepared, Refused, prepare, prepare_image


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


# A size in the reader's language, for help texts made when the module loads.
lazy_filesize = lazy(filesizeformat, str)


def read_upload(upload, max_bytes: int) -> bytes:
    """The bytes of an uploaded file, refused past `max_bytes` without reading it all."""
    if upload.size > max_bytes:
        raise Refused(
            _("“%(name)s” is %(size)s: a file may be at most %(most)s.")
            % {
                "name": upload.name[:60],
                "size": filesizeformat(upload.size),
                "most": filesizeformat(max_bytes),
            }
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
        kwargs.setdefault("label", gettext_lazy("Attach files"))
        kwargs.setdefault(
            "help_text",
            format_lazy(
                gettext_lazy(
                    "{kinds}; up to {count} files of at most {size} each. [ATTACH]1[/ATTACH] in "
                    "the message places the first file there; the rest show under the post."
                ),
                kinds=kinds,
                count=settings.BOARD_ATTACHMENTS_PER_POST,
                size=lazy_filesize(settings.BOARD_ATTACHMENT_MAX_BYTES),
            ),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        if len(uploads) > settings.BOARD_ATTACHMENTS_PER_POST:
            raise forms.ValidationError(
                _("A post may carry at most %(count)d files.")
                % {"count": settings.BOARD_ATTACHMENTS_PER_POST}
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
        super().__init__(
            coerce=int, required=False, label=gettext_lazy("Remove attachments"), **kwargs
        )

    def offer(self, attachments) -> None:
        self.choices = [(a.pk, f"{a.position}: {a.name}") for a in attachments]


class AvatarForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Picture"),
        help_text=format_lazy(
            gettext_lazy(
                "JPEG, PNG, WebP or GIF, at most {size}. The largest square of it is kept."
            ),
            size=lazy_filesize(settings.BOARD_AVATAR_MAX_BYTES),
        ),
    )
    place = forms.ChoiceField(
        label=gettext_lazy("Which part to keep"),
        choices=[
            ("centre", gettext_lazy("The middle")),
            ("start", gettext_lazy("The top (or left) part")),
            ("end", gettext_lazy("The bottom (or right) part")),
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
