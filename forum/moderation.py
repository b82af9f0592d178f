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
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
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
from forum.models import Forum, Infraction, Post, Thread
from forum.pagecache import shared
from forum.views import get_visible_post_or_404

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

    def __init__(self, *args, moderator, **kwargs):
        super().__init__(*args, **kwargs)
        # Only forums the moderator may read: a thread is never moved out of their sight.
        forums = self.fields["forum"].queryset
        self.fields["forum"].queryset = forums.readable_by(moderator)


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
    initial = {"forum": thread.forum_id}
    form = MoveForm(request.POST or None, initial=initial, moderator=request.user)
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
        threads = Thread.objects.visible_to(request.user)
        target = threads.filter(pk=form.cleaned_data["target"]).first()
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
    post = get_visible_post_or_404(request, pk)
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
    post = get_visible_post_or_404(request, pk, "thread__forum__category")
    if post.is_removed or post.is_held:
        raise Http404("No such post.")
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


# The moderation queue: held threads and replies (Forum.holds_posts_of) wait here.

QUEUE_LENGTH = 100  # the oldest first; the header's count says how many wait in all


def held_count_by_forum() -> dict[int, int]:
    """How many threads and replies wait in each forum's queue. One query."""
    threads = Thread.objects.held().order_by().values("forum_id").annotate(n=Count("pk"))
    posts = Post.objects.held().order_by().values("thread__forum_id").annotate(n=Count("pk"))
    counts = Counter()
    for forum_id, held in threads.values_list("forum_id", "n").union(
        posts.values_list("thread__forum_id", "n"), all=True
    ):
        counts[forum_id] += held
    return dict(counts)


def moderates_any(user) -> bool:
    return user.is_authenticated and user.is_staff and user.moderated_forum_ids != frozenset()


def held_count(user) -> int | None:
    """How many items wait for `user` in the queue, or None for those who moderate nothing.
    For the header: the counts are shared by every moderator until the next write."""
    if not moderates_any(user):
        return None
    scope = user.moderated_forum_ids
    counts = shared("held-by-forum", held_count_by_forum)
    return sum(n for forum_id, n in counts.items() if scope is None or forum_id in scope)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def moderation_queue(request):
    # 1: the moderator's forums (user.moderated_forum_ids; none for a superuser); 2: held
    # threads with forum, starter and first post; 3: held replies with thread, forum and author.
    # The header's count adds 4 when no shared cache keeps it (held_count).
    if not moderates_any(request.user):
        raise Http404("No such page.")
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
        messages.success(request, f"Approved {len(done)}: everyone sees them now.")
    else:
        reason = data["reason"]
        done = [actions.reject_thread(thread=t, moderator=user, reason=reason) for t in threads]
        done += [actions.reject_post(post=p, moderator=user, reason=reason) for p in posts]
        messages.success(request, f"Rejected {len(done)}: they stay removed.")
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
        raise Http404("No such page.")
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
            f"{member} is banned; {len(cleanup.thread_ids)} threads and {len(cleanup.post_ids)} "
            "posts are removed. A superuser can undo this in the admin (Spammer cleanups).",
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
            messages.success(
                request, f"{post.author} is told of the {infraction_kind(infraction)}."
            )
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


def infraction_kind(infraction: Infraction) -> str:
    return "warning" if infraction.is_warning else f"infraction ({infraction.points} points)"


@never_cache
@login_required
def member_infractions(request, pk):
    """A member's warnings and infractions: for them and for moderators, a 404 for anyone else."""
    # 1 session, 2 user, 3 the member, (4 a moderator's forums,) 5 the infractions with their
    # posts, threads and moderators, 6 the points in force
    member = get_object_or_404(User, pk=pk)
    if request.user.pk != member.pk and not moderates_any(request.user):
        raise Http404("No such page.")
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
        messages.error(request, "Give a reason (up to 1,000 characters).")
    else:
        actions.reverse_infraction(
            infraction=infraction, moderator=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"The {infraction_kind(infraction)} is reversed.")
    return redirect("forum:member_infractions", infraction.member_id)
