from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from community import actions, online
from community.forms import NoticeMailForm, PollForm, ReputationForm
from community.models import Notice, NoticeMail, Poll, PollOption, Reputation
from forum.models import Post, Thread
from forum.paging import page_from_request
from forum.views import get_thread_or_404, get_visible_post_or_404

NOTICES_PER_PAGE = 30
REPUTATION_SHOWN = 50


def require_feature(enabled: bool) -> None:
    if not enabled:
        raise Http404(_("This board has turned that off."))


def posted(request):
    """The form's data on a POST, even an empty one (all boxes unticked), else None."""
    return request.POST if request.method == "POST" else None


def get_visible_poll_or_404(request, pk) -> Poll:
    require_feature(settings.BOARD_POLLS)
    polls = Poll.objects.select_related("thread").filter(
        thread__in=Thread.objects.visible_to(request.user)
    )
    return get_object_or_404(polls, pk=pk)


def option_ids(values: list[str]) -> list[int]:
    return [int(v) for v in values[:50] if v.isascii() and v.isdigit() and len(v) < 19]


@login_required
@require_POST
def poll_vote(request, pk):
    poll = get_visible_poll_or_404(request, pk)
    try:
        chosen = option_ids(request.POST.getlist("option"))
        actions.vote(poll=poll, member=request.user, option_ids=chosen)
    except actions.CommunityRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Thank you for voting."))
    return redirect(poll.thread.get_absolute_url() + "#poll-title")


def poll_voters(request, pk):
    # 1: the poll with its thread; 2: the options; 3: the ballots with their voters
    poll = get_visible_poll_or_404(request, pk)
    if not poll.is_public:
        raise Http404(_("This poll's votes are private."))
    options = list(PollOption.objects.filter(poll=poll))
    voters = {option.pk: [] for option in options}
    ballots = poll.ballots.select_related("member").prefetch_related("options").order_by("pk")
    for ballot in ballots[:5000]:
        for option in ballot.options.all():
            voters[option.pk].append(ballot.member)
    for option in options:
        option.voters = voters[option.pk]
    return render(request, "community/poll_voters.html", {"poll": poll, "options": options})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def poll_create(request, pk):
    require_feature(settings.BOARD_POLLS)
    thread = get_thread_or_404(request, pk)
    moderates = request.user.moderates(thread.forum_id)
    if thread.starter_id != request.user.pk and not moderates:
        raise PermissionDenied(_("Only the thread's starter may add a poll to it."))
    # Adding a poll adds to the thread as a reply does: the forum's rules (read-only, own
    # threads), a ban or an unconfirmed address refuse it alike.
    refusal = None if moderates else thread.refusal_to_reply(request.user)
    if refusal and not thread.is_locked:
        raise PermissionDenied(refusal)
    if thread.is_locked or Poll.objects.filter(thread=thread).exists():
        messages.info(request, _("This thread is closed or already has a poll."))
        return redirect(thread.get_absolute_url())
    form = PollForm(posted(request))
    if form.is_valid():
        days = form.cleaned_data["closes_in_days"]
        actions.create_poll(
            thread=thread,
            question=form.cleaned_data["question"],
            options=form.cleaned_data["options"],
            is_multiple=form.cleaned_data["is_multiple"],
            is_public=form.cleaned_data["is_public"],
            closes_at=timezone.now() + timedelta(days=days) if days else None,
        )
        return redirect(thread.get_absolute_url())
    context = {"thread": thread, "forum": thread.forum, "form": form}
    return render(request, "community/poll_create.html", context)


@login_required
@require_POST
def post_thank(request, pk):
    require_feature(settings.BOARD_THANKS)
    post = get_visible_post_or_404(request, pk, "author")
    try:
        actions.thank_post(post=post, member=request.user)
    except actions.CommunityRefused as refused:
        messages.error(request, str(refused))
    return redirect(post.location())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_reputation(request, pk):
    require_feature(settings.BOARD_REPUTATION)
    post = get_visible_post_or_404(request, pk, "author", "thread__forum__category")
    form = ReputationForm(posted(request))
    if form.is_valid():
        try:
            actions.give_reputation(post=post, giver=request.user, **form.cleaned_data)
        except actions.CommunityRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Thank you: your reputation for %(member)s was added.") % {"member": post.author},
            )
            return redirect(post.location())
    context = {"post": post, "thread": post.thread, "forum": post.thread.forum, "form": form}
    context["refusal"] = actions.refusal_to_rate(post, request.user)
    return render(request, "community/post_reputation.html", context)


def member_reputation(request, pk):
    # 1: the member; 2: the latest reputation they received, for posts the reader may see
    require_feature(settings.BOARD_REPUTATION)
    member = get_object_or_404(User.objects.filter(is_active=True), pk=pk)
    received = (
        Reputation.objects.filter(receiver=member, post__in=Post.objects.visible_to(request.user))
        .select_related("post__thread", "giver")
        .defer("post__body", "post__body_html", "post__thanked_by")[:REPUTATION_SHOWN]
    )
    shows_givers = request.user.is_authenticated and request.user.is_staff
    return render(
        request,
        "community/member_reputation.html",
        {"member": member, "received": received, "shows_givers": shows_givers},
    )


@never_cache
@login_required
def notice_list(request):
    # 1: session, 2: member (as every page); 3: the page of notices. The bell's count is on
    # the member's row.
    page = page_from_request(request, 10**6)
    start = (page - 1) * NOTICES_PER_PAGE
    notices = list(Notice.objects.for_member(request.user)[start : start + NOTICES_PER_PAGE + 1])
    if page > 1 and not notices:
        raise Http404(_("No such page."))
    return render(
        request,
        "community/notice_list.html",
        {
            "notices": notices[:NOTICES_PER_PAGE],
            "page": page,
            "has_next": len(notices) > NOTICES_PER_PAGE,
        },
    )


@login_required
@require_POST
def notice_read(request):
    ids = option_ids(request.POST.getlist("notice")) or None
    marked = actions.mark_notices_read(member=request.user, notice_ids=ids)
    messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    return redirect("community:notice_list")


@login_required
@require_POST
def notice_open(request, pk):
    """Marks one notice read and goes where it points."""
    notices = Notice.objects.select_related("post__thread").filter(recipient=request.user)
    notice = get_object_or_404(notices, pk=pk)
    actions.mark_notices_read(member=request.user, notice_ids=[notice.pk])
    visible = Post.objects.visible_to(request.user)
    if notice.post_id and not visible.filter(pk=notice.post_id).exists():
        messages.info(request, _("That post is no longer there."))
        return redirect("community:notice_list")
    return redirect(notice.post.location() if notice.post_id else notice.target())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def notice_settings(request):
    chosen = list(NoticeMail.objects.filter(member=request.user).values_list("kind", flat=True))
    form = NoticeMailForm(posted(request), initial={"kinds": chosen})
    if form.is_valid():
        actions.set_notice_mail(member=request.user, kinds=form.cleaned_data["kinds"])
        messages.success(request, _("Your notification mail settings were saved."))
        return redirect("community:notice_settings")
    return render(request, "community/notice_settings.html", {"form": form})


def whos_online(request):
    # 1: who is here; 2: the threads they read that the reader may see (none if none)
    require_feature(settings.BOARD_WHOS_ONLINE)
    here = online.whos_here()
    thread_ids = {row["thread_pk"] for row in here if row["thread_pk"]}
    threads = {}
    if thread_ids:
        visible = Thread.objects.visible_to(request.user).filter(pk__in=thread_ids)
        threads = {thread.pk: thread for thread in visible.only("pk", "title", "slug")}
    for row in here:
        row["thread"] = threads.get(row["thread_pk"])
    members = [row for row in here if row["member_id"]]
    return render(
        request,
        "community/whos_online.html",
        {
            "members": members,
            "guest_count": len(here) - len(members),
            "total": len(here),
            "online_minutes": settings.BOARD_ONLINE_MINUTES,
        },
    )
