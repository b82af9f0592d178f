from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from following.models import (
    ForumRead,
    Subscription,
    subscribe,
    unread_forums_shared_name,
    with_read_state,
)
from following.notifications import subscription_from_token
from forum.models import Forum, Post, Thread
from forum.pagecache import forget_shared
from forum.paging import paginate


@login_required
def thread_first_unread(request, pk):
    thread = get_object_or_404(
        with_read_state(Thread.objects.visible_to(request.user), request.user), pk=pk
    )
    number = thread.first_unread_number or thread.last_number
    post = (
        Post.objects.filter(thread=thread, number__gte=number).order_by("number").first()
        or thread.last_post
    )
    if post is None:
        return redirect(thread.get_absolute_url())
    post.thread = thread
    return redirect(post.location())


@login_required
@require_POST
def thread_follow(request, pk):
    thread = get_object_or_404(Thread.objects.visible_to(request.user), pk=pk)
    if request.POST.get("follow") == "0":
        Subscription.objects.filter(user=request.user, thread=thread).delete()
        messages.info(request, _("You no longer follow this thread."))
    else:
        subscribe(request.user, thread=thread)
        messages.success(request, _("You follow this thread: we will mail you about new replies."))
    return redirect(thread.get_absolute_url())


@login_required
@require_POST
def forum_follow(request, slug):
    forum = get_object_or_404(Forum.objects.readable_by(request.user), slug=slug)
    if request.POST.get("follow") == "0":
        Subscription.objects.filter(user=request.user, forum=forum).delete()
        messages.info(request, _("You no longer follow %(forum)s.") % {"forum": forum.name})
    else:
        subscribe(request.user, forum=forum)
        messages.success(
            request,
            _("You follow %(forum)s: we will mail you about new posts.") % {"forum": forum.name},
        )
    return redirect(forum.get_absolute_url())


@login_required
@require_POST
def forum_mark_read(request, slug):
    forum = get_object_or_404(Forum.objects.visible_to(request.user), slug=slug)
    ForumRead.objects.update_or_create(
        user=request.user, forum=forum, defaults={"marked_at": timezone.now()}
    )
    forget_shared(unread_forums_shared_name(request.user.pk))
    messages.success(
        request, _("Every thread in %(forum)s is marked read.") % {"forum": forum.name}
    )
    return redirect(forum.get_absolute_url())


@login_required
@require_POST
def mark_all_read(request):
    User.objects.filter(pk=request.user.pk).update(marked_all_read_at=timezone.now())
    forget_shared(unread_forums_shared_name(request.user.pk))
    messages.success(request, _("Every forum is marked read."))
    return redirect("forum:index")


@never_cache
@login_required
def new_posts(request):
    """Threads with posts the member has not read, newest activity first."""
    unread = (
        with_read_state(Thread.objects.visible_to(request.user), request.user)
        .filter(first_unread_number__isnull=False)
        .select_related("forum", "starter", "last_post__author")
        .order_by("-last_post_at", "-pk")
    )
    listing = paginate(request, unread, settings.BOARD_THREADS_PER_PAGE)
    return render(request, "following/new_posts.html", {**listing, "threads": listing["items"]})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def subscription_list(request):
    if request.method == "POST":
        Subscription.objects.filter(
            user=request.user, pk__in=[p for p in request.POST.getlist("remove") if p.isdigit()]
        ).delete()
        messages.success(request, _("Your subscriptions were updated."))
        return redirect("following:subscription_list")
    # Those in forums the member may no longer read are left out: they bring no mail.
    subscriptions = list(
        Subscription.objects.filter(user=request.user)
        .filter(
            Q(thread__in=Thread.objects.visible_to(request.user))
            | Q(forum__in=Forum.objects.readable_by(request.user))
        )
        .select_related("thread__forum", "forum")
        .order_by("-created_at")
    )
    return render(request, "following/subscription_list.html", {"subscriptions": subscriptions})


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    subscription = subscription_from_token(token)
    if subscription is None:
        raise Http404(_("That unsubscribe link is invalid, or you already unsubscribed."))
    if request.method == "POST":
        subscription.delete()
        return render(request, "following/unsubscribed.html", {"subscription": subscription})
    return render(request, "following/unsubscribe.html", {"subscription": subscription})
