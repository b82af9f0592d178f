from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import POLL_MAX_OPTIONS, POLL_MIN_OPTIONS, Notice, poll_options_problem
from forum.forms import clean_member_text

POLL_MAX_DAYS = 3650


class PollForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("Question"), max_length=400, strip=False)
    options = forms.CharField(
        label=gettext_lazy("Options"),
        widget=forms.Textarea(attrs={"rows": 6}),
        strip=False,
        help_text=format_lazy(
            gettext_lazy("One option a line, {least} to {most}."),
            least=POLL_MIN_OPTIONS,
            most=POLL_MAX_OPTIONS,
        ),
    )
    is_multiple = forms.BooleanField(required=False, label=gettext_lazy("Allow several choices"))
    is_public = forms.BooleanField(required=False, label=gettext_lazy("Show who voted for what"))
    closes_in_days = forms.IntegerField(
        min_value=0,
        max_value=POLL_MAX_DAYS,
        initial=0,
        label=gettext_lazy("Close after this many days"),
        help_text=gettext_lazy("0: never (it still closes with the thread)."),
    )

    def clean_question(self):
        return clean_member_text(
            self.cleaned_data["question"], what="question", max_length=200, single_line=True
        )

    def clean_options(self):
        text = self.cleaned_data["options"]
        if len(text) > POLL_MAX_OPTIONS * 210:
            raise forms.ValidationError(_("The options are too long."))
        lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
        if problem := poll_options_problem(lines):
            raise forms.ValidationError(problem)
        return [
            clean_member_text(line, what="option", max_length=200, single_line=True)
            for line in lines
        ]


class ReputationForm(forms.Form):
    amount = forms.TypedChoiceField(
        choices=[
            (1, gettext_lazy("I approve of this post")),
            (-1, gettext_lazy("I disapprove of this post")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        label=gettext_lazy("Your opinion"),
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"), max_length=1000, required=False, strip=False
    )

    def clean_comment(self):
        comment = self.cleaned_data["comment"]
        if not comment.strip():
            return ""
        return clean_member_text(comment, what="comment", max_length=250, single_line=True)


class NoticeMailForm(forms.Form):
    # Only the kinds nothing else mails (Notice.MAILED_KINDS).
    kinds = forms.MultipleChoiceField(
        choices=[(kind, label) for kind, label in Notice.KINDS if kind in Notice.MAILED_KINDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Also mail me about"),
    )
