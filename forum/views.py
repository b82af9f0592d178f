from itertools import groupby

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import User
from forum.models import Forum, Post, Thread
from forum.paging import page_from_request, page_window


def board_index(request):
    # 1: forums with category and last post; 2: members count and newest member
    forums = list(Forum.objects.for_index())
    categories = [
        (category, list(group)) for category, group in groupby(forums, key=lambda f: f.category)
    ]
    return render(
        request,
        "forum/board_index.html",
        {
            "categories": categories,
            "thread_total": sum(forum.thread_count for forum in forums),
            "post_total": sum(forum.post_count for forum in forums),
            "members": User.objects.board_statistics(),
        },
    )


def forum_detail(request, slug):
    forum = get_object_or_404(Forum.objects.select_related("category"), slug=slug)
    page = page_from_request(request, forum.page_count())
    per_page = settings.BOARD_THREADS_PER_PAGE
    threads = list(
        Thread.objects.visible()
        .in_forum(forum)
        .for_listing()[(page - 1) * per_page : page * per_page]
    )
    Thread.pending_views(threads)
    return render(
        request,
        "forum/forum_detail.html",
        {
            "forum": forum,
            "threads": threads,
            "page": page,
            "page_count": forum.page_count(),
            "page_window": page_window(page, forum.page_count()),
        },
    )


def thread_detail(request, pk, slug):
    thread = get_object_or_404(Thread.objects.visible().select_related("forum__category"), pk=pk)
    if slug != thread.slug:
        return redirect(thread.get_absolute_url() + request.get_full_path()[len(request.path) :])
    page = page_from_request(request, thread.page_count())
    posts = list(Post.objects.page_of(thread, page))
    thread.view_count = thread.count_view()
    return render(
        request,
        "forum/thread_detail.html",
        {
            "thread": thread,
            "forum": thread.forum,
            "posts": posts,
            "page": page,
            "page_count": thread.page_count(),
            "page_window": page_window(page, thread.page_count()),
        },
    )


def post_permalink(request, pk):
    post = get_object_or_404(
        Post.objects.select_related("thread").filter(thread__is_removed=False), pk=pk
    )
    thread = post.thread
    page = post.page_number()
    suffix = f"?page={page}" if page > 1 else ""
    return redirect(f"{thread.get_absolute_url()}{suffix}#post{post.pk}", permanent=False)
