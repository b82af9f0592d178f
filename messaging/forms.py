from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User, username_key
from forum.forms import TITLE_MAX_LENGTH, BodyField, SubmissionKeyField, clean_member_text
from forum.moderation import ReasonForm

NAMES_MAX_LENGTH = 1000


def members_named(text: str) -> list[User]:
    """The members named in `text` (comma or semicolon separated), in the order typed, each
    once; an unknown name is an error that says which."""
    text = clean_member_text(
        text, what="list of names", max_length=NAMES_MAX_LENGTH, single_line=True
    )
    names = [name.strip() for name in text.replace(";", ",").split(",") if name.strip()]
    if len(names) > settings.BOARD_PM_MAX_RECIPIENTS + 20:
        raise forms.ValidationError(_("That is far more names than a message may go to."))
    keys = {username_key(name): name for name in names}
    found = {
        member.username_key: member
        for member in User.objects.filter(username_key__in=keys, is_active=True)
    }
    unknown = [name for key, name in keys.items() if key not in found]
    if unknown:
        raise forms.ValidationError(
            ngettext(
                "No member is called %(names)s.", "No members are called %(names)s.", len(unknown)
            )
            % {"names": ", ".join(unknown)}
        )
    return [found[key] for key in keys]


class ComposeForm(forms.Form):
    recipients = forms.CharField(
        label=gettext_lazy("To"),
        help_text=gettext_lazy("Member names, separated by commas."),
        max_length=NAMES_MAX_LENGTH,
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=TITLE_MAX_LENGTH * 2)
    body = BodyField()
    submission_key = SubmissionKeyField()

    def clean_recipients(self):
        return members_named(self.cleaned_data["recipients"])

    def clean_subject(self):
        return clean_member_text(
            self.cleaned_data["subject"], what="subject", max_length=TITLE_MAX_LENGTH,
            single_line=True,
        )  # fmt: skip


class MessageReplyForm(forms.Form):
    body = BodyField()
    submission_key = SubmissionKeyField()


class MemberNameForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Member name"), max_length=NAMES_MAX_LENGTH)

    def clean_username(self):
        members = members_named(self.cleaned_data["username"])
        if len(members) != 1:
            raise forms.ValidationError(_("Name one member."))
        return members[0]


class MessageReportForm(ReasonForm):
    """Why a message is reported; the moderators who read it are logged."""
