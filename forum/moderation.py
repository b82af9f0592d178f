"""Moderating from the board's own pages: one small view per step, POST only for changes.

Every view loads the object, lets forum.actions check on the server that the user moderates
its forum (ModerationRefused is a PermissionDenied: 403), calls one action and redirects.
The admin (forum/admin.py) offers the same steps in bulk, with the same forms.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.validators import validate_sane_date
from forum import actions
from forum.forms import TITLE_MAX_LENGTH, clean_member_text
from forum.models import Forum, Post, Thread

REASON_MAX_LENGTH = 1000


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the moderation log; superusers read it.",
    )
    reason_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = self.reason_required

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        if not reason.strip() and not self.reason_required:
            return ""
        return clean_member_text(reason, what="reason", max_length=REASON_MAX_LENGTH)


class OptionalReasonForm(ReasonForm):
    reason_required = False


class ReportForm(ReasonForm):
    pass


class MoveForm(OptionalReasonForm):
    forum = forms.ModelChoiceField(
        queryset=Forum.objects.select_related("category").order_by(
            "category__position", "category_id", "position", "id"
        ),
        label="Move to forum",
    )
    field_order = ["forum", "reason"]


class MergeForm(OptionalReasonForm):
    target = forms.IntegerField(
        label="Merge into thread number", help_text="The id in the other thread's address."
    )
    field_order = ["target", "reason"]


class SplitForm(OptionalReasonForm):
    numbers = forms.CharField(
        label="Posts to split off", help_text="Post numbers, e.g. 3, 5-7", max_length=1000
    )
    title = forms.CharField(label="New thread's title", max_length=TITLE_MAX_LENGTH, strip=False)
    field_order = ["numbers", "title", "reason"]

    def clean_numbers(self):
        numbers = set()
        for part in re.split(r"[,\s]+", self.cleaned_data["numbers"].strip()):
            bounds = part.split("-")
            if not part or len(bounds) > 2 or not all(b.isascii() and b.isdigit() for b in bounds):
                raise forms.ValidationError("Write post numbers like 3, 5-7.")
            low, high = int(bounds[0]), int(bounds[-1])
            if high - low > 10_000:
                raise forms.ValidationError("That range is too long.")
            numbers.update(range(low, high + 1))
        return sorted(numbers)

    def clean_title(self):
        return clean_member_text(
            self.cleaned_data["title"], what="title", max_length=TITLE_MAX_LENGTH, single_line=True
        )


class BanForm(ReasonForm):
    ends_at = forms.DateTimeField(
        required=False,
        label="Ends at",
        help_text="YYYY-MM-DD HH:MM; empty: until lifted.",
        validators=[validate_sane_date],
    )


def get_moderated_thread(request, pk) -> Thread:
    thread = get_object_or_404(
        Thread.objects.visible_to(request.user).select_related("forum__category"), pk=pk
    )
    actions.require_moderator(request.user, thread.forum_id)
    return thread


def moderation_form(request, *, heading, form, thread, submit_label, intro=""):
    return render(
        request,
        "forum/moderation/form.html",
        {
            "heading": heading,
            "intro": intro,
            "form": form,
            "thread": thread,
            "forum": thread.forum,
            "submit_label": submit_label,
        },
    )


THREAD_STEPS = {
    "lock": (actions.lock_thread, {"locked": True}, "The thread is closed."),
    "unlock": (actions.lock_thread, {"locked": False}, "The thread is open again."),
    "stick": (actions.stick_thread, {"sticky": True}, "The thread is stuck."),
    "unstick": (actions.stick_thread, {"sticky": False}, "The thread is no longer stuck."),
    "restore": (actions.restore_thread, {}, "The thread is restored."),
}


@login_required
@require_POST
def thread_moderate(request, pk):
    thread = get_moderated_thread(request, pk)
    step = request.POST.get("step", "")
    form = (ReasonForm if step == "remove" else OptionalReasonForm)(request.POST)
    if step not in THREAD_STEPS and step != "remove":
        messages.error(request, "Unknown moderation step.")
    elif not form.is_valid():
        messages.error(request, "Give a reason (up to 1,000 characters).")
    elif step == "remove":
        actions.remove_thread(thread=thread, moderator=request.user, **form.cleaned_data)
        messages.success(request, "The thread is removed; members no longer see it.")
    else:
        action, options, done = THREAD_STEPS[step]
        action(thread=thread, moderator=request.user, **options, **form.cleaned_data)
        messages.success(request, done)
    return redirect(thread.get_absolute_url())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def thread_move(request, pk):
    thread = get_moderated_thread(request, pk)
    form = MoveForm(request.POST or None, initial={"forum": thread.forum_id})
    if request.method == "POST" and form.is_valid():
        actions.move_thread(
            thread=thread,
            moderator=request.user,
            to_forum=form.cleaned_data["forum"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"The thread moved to {form.cleaned_data['forum']}.")
        return redirect(thread.get_absolute_url())
    return moderation_form(
        request, heading=f"Move “{thread.title}”", form=form, thread=thread, submit_label="Move"
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def thread_merge(request, pk):
    thread = get_moderated_thread(request, pk)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = Thread.objects.filter(pk=form.cleaned_data["target"]).first()
        if target is None or target.pk == thread.pk:
            form.add_error("target", "No other thread has that number.")
        else:
            target = actions.merge_threads(
                source=thread,
                target=target,
                moderator=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "The threads are merged.")
            return redirect(target.get_absolute_url())
    return moderation_form(
        request,
        heading=f"Merge “{thread.title}” into another thread",
        intro="Its posts join the other thread, in time order; this thread is removed.",
        form=form,
        thread=thread,
        submit_label="Merge",
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def thread_split(request, pk):
    thread = get_moderated_thread(request, pk)
    form = SplitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = actions.split_posts(
                thread=thread,
                numbers=form.cleaned_data["numbers"],
                title=form.cleaned_data["title"],
                moderator=request.user,
                reason=form.cleaned_data["reason"],
            )
        except actions.ModerationRefused as refused:
            form.add_error("numbers", str(refused))
        else:
            messages.success(request, "The posts are in their own thread now.")
            return redirect(new.get_absolute_url())
    return moderation_form(
        request,
        heading=f"Split posts off “{thread.title}”",
        intro="Both threads are numbered afresh, in time order.",
        form=form,
        thread=thread,
        submit_label="Split",
    )


@login_required
@require_POST
def post_moderate(request, pk):
    post = get_object_or_404(
        Post.objects.select_related("thread").filter(
            thread__in=Thread.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    actions.require_moderator(request.user, post.thread.forum_id)
    step = request.POST.get("step", "")
    form = (ReasonForm if step == "remove" else OptionalReasonForm)(request.POST)
    if step not in ("remove", "restore"):
        messages.error(request, "Unknown moderation step.")
    elif not form.is_valid():
        messages.error(request, "Give a reason (up to 1,000 characters).")
    elif step == "remove":
        actions.remove_post(post=post, moderator=request.user, **form.cleaned_data)
        messages.success(request, f"Post #{post.number} is removed.")
    else:
        actions.restore_post(post=post, moderator=request.user, **form.cleaned_data)
        messages.success(request, f"Post #{post.number} is restored.")
    return redirect(post.location())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_report(request, pk):
    post = get_object_or_404(
        Post.objects.visible()
        .select_related("thread__forum__category")
        .filter(thread__in=Thread.objects.visible_to(request.user)),
        pk=pk,
    )
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.report_post(post=post, reporter=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "Thank you: the moderators will look at this post.")
        return redirect(post.location())
    return moderation_form(
        request,
        heading=f"Report post #{post.number} by {post.author}",
        intro="Tell the moderators what is wrong with this post (up to 1,000 characters).",
        form=form,
        thread=post.thread,
        submit_label="Send Report",
    )
