"""The old vBulletin board's links, answered with permanent redirects to the pages now holding
the same posts. Ids are the old board's (Thread.legacy_id, Post.legacy_id), stored on import;
an unknown or malformed id is the normal 404 page.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from forum.models import Post, Thread

# vBulletin's default posts per thread page, which old ?page= links counted in.
LEGACY_POSTS_PER_PAGE = 10
LARGEST_ID = 2**31 - 1  # PositiveIntegerField's range on PostgreSQL


def legacy_number(raw: str | None) -> int:
    """An old link's id or page: a positive number in range, or a 404."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        raise Http404(_("No such page."))
    number = int(raw)
    if not 0 < number <= LARGEST_ID:
        raise Http404(_("No such page."))
    return number


def legacy_thread(request, raw: str | None) -> Thread:
    threads = Thread.objects.visible().readable_by(request.user)
    return get_object_or_404(threads, legacy_id=legacy_number(raw))


def showthread(request):
    """showthread.php?t=ID&page=N (or ?p=ID, a post): the old page maps to the page now
    holding its first post."""
    if "t" not in request.GET and "threadid" not in request.GET:
        return showpost(request)
    thread = legacy_thread(request, request.GET.get("t", request.GET.get("threadid")))
    url = thread.get_absolute_url()
    if "page" in request.GET:
        first_number = (legacy_number(request.GET["page"]) - 1) * LEGACY_POSTS_PER_PAGE + 1
        page = (first_number - 1) // settings.BOARD_POSTS_PER_PAGE + 1
        if page > thread.page_count():
            raise Http404(_("No such page."))
        if page > 1:
            url += f"?page={page}"
    return redirect(url, permanent=True)


def showpost(request):
    """showpost.php?p=ID: the post's permalink, which finds its page."""
    post = get_object_or_404(
        Post.objects.filter(is_held=False).in_visible_threads().readable_by(request.user),
        legacy_id=legacy_number(request.GET.get("p", request.GET.get("postid"))),
    )
    return redirect(post.get_absolute_url(), permanent=True)


def archive_thread(request, legacy_id):
    """archive/index.php/t-ID.html, the old search-engine archive."""
    return redirect(legacy_thread(request, legacy_id).get_absolute_url(), permanent=True)


def printthread(request):
    thread = legacy_thread(request, request.GET.get("t", request.GET.get("threadid")))
    return redirect(reverse("forum:thread_print", args=[thread.pk, thread.slug]), permanent=True)
