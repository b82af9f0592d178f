"""Moderating from the board's own pages: one small view per step, POST only for changes.

Every view loads the object, lets forum.actions check on the server that the user moderates
its forum (ModerationRefused is a PermissionDenied: 403), calls one action and redirects.
The admin (forum/admin.py) offers the same steps in bulk, with the same forms.
"""

import re
from collections import Counter

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Value
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import AddressRecord, User
from accounts.validators import validate_sane_date
from forum import actions
from forum.forms import (
    TITLE_MAX_LENGTH,
    InfractionForm,
    QueueDecisionForm,
    SpammerForm,
    clean_member_text,
)
from forum.models import Forum, Infraction, Post, Report, Thread
from forum.pagecache import shared
from forum.views import get_visible_post_or_404

REASON_MAX_LENGTH = 1000


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Kept in the moderation log; superusers read it."),
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
        label=gettext_lazy("Move to forum"),
    )
    field_order = ["forum", "reason"]

    def __init__(self, *args, moderator, **kwargs):
        super().__init__(*args, **kwargs)
        # Only forums the moderator may read: a thread is never moved out of their sight.
        forums = self.fields["forum"].queryset
        self.fields["forum"].queryset = forums.readable_by(moderator)


class MergeForm(OptionalReasonForm):
    target = forms.IntegerField(
        label=gettext_lazy("Merge into thread number"),
        help_text=gettext_lazy("The id in the other thread's address."),
    )
    field_order = ["target", "reason"]


class SplitForm(OptionalReasonForm):
    numbers = forms.CharField(
        label=gettext_lazy("Posts to split off"),
        help_text=gettext_lazy("Post numbers, e.g. 3, 5-7"),
        max_length=1000,
    )
    title = forms.CharField(
        label=gettext_lazy("New thread's title"), max_length=TITLE_MAX_LENGTH, strip=False
    )
    field_order = ["numbers", "title", "reason"]

    def clean_numbers(self):
        numbers = set()
        for part in re.split(r"[,\s]+", self.cleaned_data["numbers"].strip()):
            bounds = part.split("-")
            if not part or len(bounds) > 2 or not all(b.isascii() and b.isdigit() for b in bounds):
                raise forms.ValidationError(_("Write post numbers like 3, 5-7."))
            low, high = int(bounds[0]), int(bounds[-1])
            if high - low > 10_000:
                raise forms.ValidationError(_("That range is too long."))
            numbers.update(range(low, high + 1))
        return sorted(numbers)

    def clean_title(self):
        return clean_member_text(
            self.cleaned_data["title"], what="title", max_length=TITLE_MAX_LENGTH, single_line=True
        )


class BanForm(ReasonForm):
    ends_at = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Ends at"),
        help_text=gettext_lazy("YYYY-MM-DD HH:MM; empty: until lifted."),
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
    "lock": (actions.lock_thread, {"locked": True}, gettext_lazy("The thread is closed.")),
    "unlock": (actions.lock_thread, {"locked": False}, gettext_lazy("The thread is open again.")),
    "stick": (actions.stick_thread, {"sticky": True}, gettext_lazy("The thread is stuck.")),
    "unstick": (
        actions.stick_thread,
        {"sticky": False},
        gettext_lazy("The thread is no longer stuck."),
    ),
    "restore": (actions.restore_thread, {}, gettext_lazy("The thread is restored.")),
}


@login_required
@require_POST
def thread_moderate(request, pk):
    thread = get_moderated_thread(request, pk)
    step = request.POST.get("step", "")
    form = (ReasonForm if step == "remove" else OptionalReasonForm)(request.POST)
    if step not in THREAD_STEPS and step != "remove":
        messages.error(request, _("Unknown moderation step."))
    elif not form.is_valid():
        messages.error(request, _("Give a reason (up to 1,000 characters)."))
    elif step == "remove":
        actions.remove_thread(thread=thread, moderator=request.user, **form.cleaned_data)
        messages.success(request, _("The thread is removed; members no longer see it."))
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
    initial = {"forum": thread.forum_id}
    form = MoveForm(request.POST or None, initial=initial, moderator=request.user)
    if request.method == "POST" and form.is_valid():
        actions.move_thread(
            thread=thread,
            moderator=request.user,
            to_forum=form.cleaned_data["forum"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request, _("The thread moved to %(forum)s.") % {"forum": form.cleaned_data["forum"]}
        )
        return redirect(thread.get_absolute_url())
    return moderation_form(
        request,
        heading=_("Move “%(title)s”") % {"title": thread.title},
        form=form,
        thread=thread,
        submit_label=_("Move"),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def thread_merge(request, pk):
    thread = get_moderated_thread(request, pk)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        threads = Thread.objects.visible_to(request.user)
        target = threads.filter(pk=form.cleaned_data["target"]).first()
        if target is None or target.pk == thread.pk:
            form.add_error("target", _("No other thread has that number."))
        else:
            target = actions.merge_threads(
                source=thread,
                target=target,
                moderator=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("The threads are merged."))
            return redirect(target.get_absolute_url())
    return moderation_form(
        request,
        heading=_("Merge “%(title)s” into another thread") % {"title": thread.title},
        intro=_("Its posts join the other thread, in time order; this thread is removed."),
        form=form,
        thread=thread,
        submit_label=_("Merge"),
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
            messages.success(request, _("The posts are in their own thread now."))
            return redirect(new.get_absolute_url())
    return moderation_form(
        request,
        heading=_("Split posts off “%(title)s”") % {"title": thread.title},
        intro=_("Both threads are numbered afresh, in time order."),
        form=form,
        thread=thread,
        submit_label=_("Split"),
    )


@login_required
@require_POST
def post_moderate(request, pk):
    post = get_visible_post_or_404(request, pk)
    actions.require_moderator(request.user, post.thread.forum_id)
    step = request.POST.get("step", "")
    form = (ReasonForm if step == "remove" else OptionalReasonForm)(request.POST)
    if step not in ("remove", "restore"):
        messages.error(request, _("Unknown moderation step."))
    elif not form.is_valid():
        messages.error(request, _("Give a reason (up to 1,000 characters)."))
    elif step == "remove":
        actions.remove_post(post=post, moderator=request.user, **form.cleaned_data)
        messages.success(request, _("Post #%(number)s is removed.") % {"number": post.number})
    else:
        actions.restore_post(post=post, moderator=request.user, **form.cleaned_data)
        messages.success(request, _("Post #%(number)s is restored.") % {"number": post.number})
    return redirect(post.location())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_report(request, pk):
    post = get_visible_post_or_404(request, pk, "thread__forum__category")
    if post.is_removed or post.is_held:
        raise Http404(_("No such post."))
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.report_post(post=post, reporter=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Thank you: the moderators will look at this post."))
        return redirect(post.location())
    return moderation_form(
        request,
        heading=_("Report post #%(number)s by %(author)s")
        % {"number": post.number, "author": post.author},
        intro=_("Tell the moderators what is wrong with this post (up to 1,000 characters)."),
        form=form,
        thread=post.thread,
        submit_label=_("Send Report"),
    )


# The moderation queue: held threads and replies (Forum.holds_posts_of) wait here.

QUEUE_LENGTH = 100  # the oldest first; the header's count says how many wait in all


HELD, REPORTED = 1, 2  # the kinds of waiting_by_forum()'s rows


def waiting_by_forum() -> dict[int, dict[int, int]]:
    """How many held threads and replies (HELD) and open reports (REPORTED) wait in each
    forum, by kind then forum: the header's two moderator counts in one query."""
    threads = Thread.objects.held().order_by().values("forum_id").annotate(n=Count("pk"))
    posts = Post.objects.held().order_by().values("thread__forum_id").annotate(n=Count("pk"))
    reports = Report.objects.open().order_by().values("post__thread__forum_id")
    reports = reports.annotate(n=Count("pk"))
    counts = {HELD: Counter(), REPORTED: Counter()}
    rows = (
        threads.values_list(Value(HELD), "forum_id", "n")
        .union(posts.values_list(Value(HELD), "thread__forum_id", "n"), all=True)
        .union(reports.values_list(Value(REPORTED), "post__thread__forum_id", "n"), all=True)
    )
    for kind, forum_id, waiting in rows:
        counts[kind][forum_id] += waiting
    return {kind: dict(by_forum) for kind, by_forum in counts.items()}


def moderates_any(user) -> bool:
    return user.is_authenticated and user.is_staff and user.moderated_forum_ids != frozenset()


def waiting_counts(user) -> dict[str, int] | None:
    """How many items wait for `user` in the queue ("held") and how many open reports
    ("reports"), or None for those who moderate nothing. For the header: the counts are
    shared by every moderator until the next write (a report is one)."""
    if not moderates_any(user):
        return None
    scope = user.moderated_forum_ids
    counts = shared("waiting-by-forum", waiting_by_forum)

    def total(kind):
        return sum(n for forum_id, n in counts[kind].items() if scope is None or forum_id in scope)

    return {"held": total(HELD), "reports": total(REPORTED)}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def moderation_queue(request):
    # 1: the moderator's forums (user.moderated_forum_ids; none for a superuser); 2: held
    # threads with forum, starter and first post; 3: held replies with thread, forum and author.
    # The header's counts add 4 when no shared cache keeps them (waiting_counts).
    if not moderates_any(request.user):
        raise Http404(_("No such page."))
    if request.method == "POST":
        return decide_held(request, QueueDecisionForm(request.POST))
    user = request.user
    threads = (
        Thread.objects.held()
        .moderated_by(user)
        .select_related("forum", "starter", "first_post")
        .order_by("created_at", "pk")[:QUEUE_LENGTH]
    )
    posts = (
        Post.objects.held()
        .moderated_by(user)
        .select_related("thread__forum", "author")
        .order_by("created_at", "pk")[:QUEUE_LENGTH]
    )
    return render(
        request,
        "forum/moderation/queue.html",
        {"held_threads": list(threads), "held_posts": list(posts)},
    )


def decide_held(request, form: QueueDecisionForm):
    """Approves or rejects the chosen held items; each is checked, written and logged alone."""
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect_back(request)
    data, user = form.cleaned_data, request.user
    threads = Thread.objects.held().moderated_by(user).filter(pk__in=data["thread"])
    posts = Post.objects.held().moderated_by(user).filter(pk__in=data["post"])
    if data["step"] == "approve":
        done = [actions.approve_thread(thread=t, moderator=user) for t in threads]
        done += [actions.approve_post(post=p, moderator=user) for p in posts]
        messages.success(
            request, _("Approved %(count)d: everyone sees them now.") % {"count": len(done)}
        )
    else:
        reason = data["reason"]
        done = [actions.reject_thread(thread=t, moderator=user, reason=reason) for t in threads]
        done += [actions.reject_post(post=p, moderator=user, reason=reason) for p in posts]
        messages.success(
            request, _("Rejected %(count)d: they stay removed.") % {"count": len(done)}
        )
    return redirect_back(request)


def redirect_back(request):
    """To the page the decision was made on (a thread), or the queue."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("forum:moderation_queue")


@never_cache
@login_required
def post_addresses(request, pk):
    """vBulletin's IP tools: where a post was written from, who else used that address, and
    where its author has been. Moderators of the post's forum only; members never see it."""
    # 1 session, 2 user, 3 the post, 4 the moderator's forums, 5 the post's addresses,
    # 6 other members at those addresses, 7 the author's addresses
    post = get_visible_post_or_404(request, pk, "thread__forum__category", "author")
    if not request.user.moderates(post.thread.forum_id):
        raise Http404(_("No such page."))
    records = list(
        AddressRecord.objects.filter(post_id=post.pk, member=post.author_id).order_by("created_at")
    )
    addresses = sorted({record.address for record in records})
    others = (
        AddressRecord.objects.filter(address__in=addresses)
        .exclude(member=post.author_id)
        .values("address", "member_id", "member__username")
        .annotate(last_seen=Max("created_at"))
        .order_by("address", "-last_seen")[:200]
    )
    author_addresses = (
        AddressRecord.objects.filter(member=post.author_id)
        .values("address")
        .annotate(last_seen=Max("created_at"), times=Count("pk"))
        .order_by("-last_seen")[:100]
    )
    return render(
        request,
        "forum/moderation/post_addresses.html",
        {
            "post": post,
            "thread": post.thread,
            "forum": post.thread.forum,
            "records": records,
            "others": list(others),
            "author_addresses": list(author_addresses),
            "address_days": settings.BOARD_ADDRESS_DAYS,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def member_ban_spammer(request, pk):
    """One step for a spam account: ban, remove everything it posted, optionally ban its
    address (actions.ban_spammer). Moderators of the whole board only."""
    member = get_object_or_404(User, pk=pk)
    actions.require_global_moderator(request.user, member)
    form = SpammerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cleanup = actions.ban_spammer(member=member, moderator=request.user, **form.cleaned_data)
        messages.success(
            request,
            _(
                "%(member)s is banned; %(threads)d threads and %(posts)d posts are removed. "
                "A superuser can undo this in the admin (Spammer cleanups)."
            )
            % {
                "member": member,
                "threads": len(cleanup.thread_ids),
                "posts": len(cleanup.post_ids),
            },
        )
        return redirect(member.get_absolute_url())
    return render(
        request,
        "forum/moderation/ban_spammer.html",
        {
            "member": member,
            "form": form,
            "thread_count": Thread.objects.filter(starter=member, is_removed=False).count(),
            "post_count": Post.objects.filter(author=member, is_removed=False)
            .exclude(thread__starter=member, thread__is_removed=False)
            .count(),
        },
    )


# Warnings and infractions (forum.actions.give_infraction): given from a post's tools by the
# moderators of its forum; the member reads their own list, moderators everyone's.


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_infraction(request, pk):
    # 1 session, 2 user, 3 the post with thread, forum, category and author, 4 the moderator's
    # forums, 5 the post's infraction if any, 6 the reasons the admin set (the form's choices)
    post = get_visible_post_or_404(request, pk, "thread__forum__category", "author")
    actions.require_infraction_giver(request.user, post)
    given = Infraction.objects.filter(post=post).first()
    form = InfractionForm(request.POST or None)
    if request.method == "POST" and given is None and form.is_valid():
        try:
            infraction = actions.give_infraction(
                post=post,
                moderator=request.user,
                reason=form.cleaned_data["reason"],
                points=form.cleaned_data["points"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except actions.ModerationRefused as refused:
            form.add_error(None, str(refused))
        else:
            if infraction.is_warning:
                told = _("%(member)s is told of the warning.")
            else:
                told = ngettext(
                    "%(member)s is told of the infraction (%(points)d point).",
                    "%(member)s is told of the infraction (%(points)d points).",
                    infraction.points,
                )
            messages.success(request, told % {"member": post.author, "points": infraction.points})
            return redirect(post.location())
    return render(
        request,
        "forum/moderation/infraction_form.html",
        {
            "post": post,
            "thread": post.thread,
            "forum": post.thread.forum,
            "form": form,
            "given": given,
        },
    )


@never_cache
@login_required
def member_infractions(request, pk):
    """A member's warnings and infractions: for them and for moderators, a 404 for anyone else."""
    # 1 session, 2 user, 3 the member, (4 a moderator's forums,) 5 the infractions with their
    # posts, threads and moderators, 6 the points in force
    member = get_object_or_404(User, pk=pk)
    if request.user.pk != member.pk and not moderates_any(request.user):
        raise Http404(_("No such page."))
    infractions = list(Infraction.objects.of_member(member)[:200])
    for infraction in infractions:
        infraction.may_reverse = infraction.reversed_at is None and request.user.moderates(
            infraction.post.thread.forum_id
        )
    return render(
        request,
        "forum/moderation/member_infractions.html",
        {
            "member": member,
            "infractions": infractions,
            "points": actions.points_in_force(member),
        },
    )


@login_required
@require_POST
def infraction_reverse(request, pk):
    infraction = get_object_or_404(
        Infraction.objects.select_related("post__thread", "post__author"), pk=pk
    )
    actions.require_infraction_giver(request.user, infraction.post)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason (up to 1,000 characters)."))
    else:
        actions.reverse_infraction(
            infraction=infraction, moderator=request.user, reason=form.cleaned_data["reason"]
        )
        if infraction.is_warning:
            done = _("The warning is reversed.")
        else:
            done = ngettext(
                "The infraction (%(points)d point) is reversed.",
                "The infraction (%(points)d points) is reversed.",
                infraction.points,
            )
        messages.success(request, done % {"points": infraction.points})
    return redirect("forum:member_infractions", infraction.member_id)
