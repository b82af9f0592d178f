from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models.functions import Length
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.throttle import client_address
from community import online
from community.models import MovedStub
from community.polls import poll_for_page
from following.models import (
    add_forum_reading_state,
    add_reading_state,
    record_reading,
    unread_forum_ids,
    unread_forums_shared_name,
)
from forum import actions, pagecache
from forum.archive import archive_of
from forum.forms import BODY_MAX_LENGTH, PostEditForm, ReplyForm, ThreadForm
from forum.fragments import render_postbits, render_thread_rows, with_row_digests
from forum.markup import render_bbcode
from forum.models import (
    FORUM_BY_SLUG,
    FORUMS_FOR_INDEX,
    LISTING_SORTS,
    READ,
    SEE,
    THREAD_FOR_PAGE,
    Announcement,
    Forum,
    Post,
    Thread,
    arrange_forums,
    listing_order,
    listing_page_of,
    page_of_posts,
)
from forum.pagecache import LISTS, cached_for_visitors, forget_shared, shared
from forum.paging import page_from_request, page_window, requested_page
from forum.search import SearchForm, forums_for_filter
from pictures import actions as pictures_actions


@cached_for_visitors(scopes=lambda: [LISTS])
def board_index(request):
    # 1: forums with category and last post; 2: member statistics (both shared by every
    # reader: pagecache.shared); 3: who is online (shared until a process writes who it saw);
    # 4: for a member, the forums with unread posts (kept for them: unread_forums_shared_name).
    # Each reader gets the forums they may see, counts and last posts from those they may read.
    # The three shared values in one round trip.
    member = request.user if request.user.is_authenticated else None
    wanted = {"board-index": [LISTS], online.SHARED_NAME: [LISTS]}
    if member:
        wanted[unread_forums_shared_name(member.pk)] = None
    ahead = pagecache.read_ahead(wanted)
    index = shared("board-index", board_index_data, [LISTS], ahead=ahead)
    forums = arrange_forums(index["forums"], request.user)
    active = online.summary(ahead=ahead) if settings.BOARD_WHOS_ONLINE else None
    unread = set()
    if member:
        # Kept for the member until the next write or until their read marks move; a thread
        # growing older than read tracking goes may count as unread a few minutes longer.
        name = unread_forums_shared_name(member.pk)
        unread = shared(name, lambda: unread_forum_ids(member), ahead=ahead)
    for forum in forums:
        forum.has_unread = forum.pk in unread or any(
            child.pk in unread for child in forum.subforums
        )
    categories = [
        (category, list(group)) for category, group in groupby(forums, key=lambda f: f.category)
    ]
    return render(
        request,
        "forum/board_index.html",
        {
            "members": index["members"],
            "categories": categories,
            "thread_total": sum(forum.total_threads for forum in forums),
            "post_total": sum(forum.total_posts for forum in forums),
            "online": active,
        },
    )


def board_index_data() -> dict:
    return {"forums": FORUMS_FOR_INDEX.fetch(), "members": User.objects.board_statistics()}


@cached_for_visitors(params=("page", "sort", "order"), scopes=lambda slug: [])
def forum_detail(request, slug):
    # 1: the forum with its category; 2: a page of threads (both shared by every reader until
    # the forum goes stale: pagecache.shared);
    # 3: for a member, their subscription and mark on the forum and their read marks on those
    # threads (add_forum_reading_state); with announcements, 4: those shown here (shared too);
    # while a "Moved:" stub is live, page 1 in the default order adds the stubs (shared too).
    sort, order = listing_sort(request)
    is_default = (sort, order) == ("last_post", "desc")
    # The forum and the page of threads the request names, in one round trip (under the
    # forum's slug: its id is not known before the forum is read).
    wanted = {forum_shared_name(slug): []}
    if (asked := requested_page(request)) is not None:
        wanted[threads_shared_name(slug, asked, sort, order)] = []
    ahead = pagecache.read_ahead(wanted)
    forum = shared_forum_or_404(request, slug, ahead=ahead)
    readable = forum.permits(request.user, READ)
    page = page_from_request(request, forum.page_count() if readable else 1)
    threads, stubs = [], []
    if readable:
        # Page 1 in the default order also goes stale with a reply to a thread on it, which
        # leaves the other pages as they were (actions.count_new_reply).
        top = [pagecache.forum_top_scope(forum.pk)] if page == 1 and is_default else []
        threads = shared(
            threads_shared_name(slug, page, sort, order),
            lambda: threads_listed(forum, page, sort, order),
            [pagecache.forum_scope(forum.pk), *top],
            ahead=ahead,
        )
        add_forum_reading_state(forum, threads, request.user)
        Thread.pending_views(threads)
        render_thread_rows(threads)
        stubs_until = forum.moved_stubs_until
        if page == 1 and is_default and stubs_until and stubs_until > timezone.now():
            stubs = moved_stubs_for(forum, request.user)
    else:
        add_forum_reading_state(forum, [], request.user)
    announcements = []
    if forum.announcement_count:
        announcements = shared(
            f"announcements:{forum.pk}",
            lambda: list(Announcement.objects.for_forum(forum)),
            [pagecache.forum_scope(forum.pk)],
        )
    subforums = []
    if forum.subforum_count:
        subforums = arrange_forums(shared_board_forums(), request.user, under=forum.pk)
    return render(
        request,
        "forum/forum_detail.html",
        {
            "forum": forum,
            "readable": readable,
            "may_start": forum.refusal_to_start(request.user) is None,
            "threads": threads,
            "subforums": subforums,
            "announcements": [a for a in announcements if a.is_current()],
            "moved_stubs": stubs,
            "sort": sort,
            "order": order,
            "sorts": LISTING_SORTS,
            "page": page,
            "page_count": forum.page_count() if readable else 1,
            "page_window": page_window(page, forum.page_count() if readable else 1),
        },
    )


def threads_shared_name(slug: str, page: int, sort: str, order: str) -> str:
    """The name a page of a forum's threads is kept under (by slug: a read_ahead() asks for
    it before the forum, and so its id, is known)."""
    return f"forum-threads:{slug}:{page}:{sort}:{order}"


def threads_listed(forum: Forum, page: int, sort: str, order: str) -> list[Thread]:
    """A page of the forum's threads, each with the digest its row's key is made from."""
    per_page, ordering = settings.BOARD_THREADS_PER_PAGE, listing_order(sort, order)
    return with_row_digests(listing_page_of(forum, page, per_page, ordering))


def listing_sort(request) -> tuple[str, str]:
    """The forum page's sort and direction from ?sort= and ?order=; anything unknown is the
    default (last post, newest first)."""
    sort = request.GET.get("sort", "last_post")
    if sort not in LISTING_SORTS:
        sort = "last_post"
    order = request.GET.get("order", LISTING_SORTS[sort][1])
    return sort, order if order in ("asc", "desc") else LISTING_SORTS[sort][1]


def moved_stubs_for(forum: Forum, user) -> list:
    """The forum's live "Moved:" stubs (shared by every reader), leaving out those whose thread
    now stands in a forum the reader may not read (no query: the forum rows come with them)."""
    stubs = shared(
        f"moved-stubs:{forum.pk}",
        lambda: list(MovedStub.objects.live_in(forum)),
        [pagecache.forum_scope(forum.pk)],
    )
    return [stub for stub in stubs if stub.thread.forum.permits(user, READ)]


def shared_board_forums() -> list[Forum]:
    """The board's forums with their categories and last posts, shared by every reader until
    any post (their counts and last posts change)."""
    return shared("board-forums", FORUMS_FOR_INDEX.fetch, [LISTS])


def readable_forum_ids(user) -> list[int]:
    """The forums whose threads `user` may read (Forum.permits, on the board's shared forums:
    no query, but a member's groups when only a group could grant it)."""
    return [forum.pk for forum in shared_board_forums() if forum.permits(user, READ)]


def forum_shared_name(slug: str) -> str:
    return f"forum-by-slug:{slug}"


def shared_forum_or_404(request, slug, *, ahead=None) -> Forum:
    """The forum `slug` if the user may see it (Forum.objects.visible_to's rule, in Python),
    shared by every reader until that forum goes stale (pagecache.forum_scope): a reply in
    another forum leaves its page cached. An unknown slug is not kept. Its post count and last
    post may be older than the row's (a reply to a thread on its page 1 leaves it shared):
    the forum's page does not show them. `ahead`: a pagecache.read_ahead() that asked for
    forum_shared_name(slug)."""
    if pagecache.is_enabled():
        forum = shared(
            forum_shared_name(slug),
            lambda: forum_by_slug_or_404(slug),
            [],
            depends=lambda forum: [pagecache.forum_scope(forum.pk)],
            ahead=ahead,
        )
    else:
        forum = forum_by_slug_or_404(slug)
    if not forum.permits(request.user, SEE):
        raise Http404(_("No such forum."))
    return forum


def forum_by_slug_or_404(slug) -> Forum:
    """The forum `slug` with its category, whoever asks."""
    forum = next(iter(FORUM_BY_SLUG.fetch(slug)), None)
    if forum is None:
        raise Http404(_("No such forum."))
    return forum


def get_visible_forum_or_404(request, slug, forums=Forum.objects) -> Forum:
    """The forum `slug` if the user may see it (Forum.objects.visible_to)."""
    return get_object_or_404(forums.visible_to(request.user), slug=slug)


def get_thread_or_404(request, pk) -> Thread:
    threads = Thread.objects.visible_to(request.user).select_related("forum__category")
    return get_object_or_404(threads, pk=pk)


def shared_thread(pk: int, *, ahead=None) -> Thread | None:
    """The thread as every reader sees it, shared until a write stales it (pagecache.shared):
    check Thread.is_visible_to before showing it. `ahead`: a pagecache.read_ahead() that
    asked for Thread.shared_name(pk)."""
    return shared(
        Thread.shared_name(pk), lambda: load_thread(pk), [pagecache.thread_scope(pk)], ahead=ahead
    )


def load_thread(pk: int) -> Thread | None:
    related = (
        "forum__category",
        "merged_into__forum",
        *(("poll",) if settings.BOARD_POLLS else ()),
    )
    # Sliced rather than first(): one row by its key needs no ORDER BY.
    return next(iter(THREAD_FOR_PAGE.fetch(pk, related=related)), None)


@cached_for_visitors(
    on_hit=lambda request, pk, slug: Thread.add_view(pk),
    scopes=lambda pk, slug: [pagecache.thread_scope(pk)],
)
def thread_detail(request, pk, slug):
    # 1: the thread with forum and category; 2: the page's posts with authors and editors (both
    # shared by every reader until the next write, with a shared cache: pagecache.shared).
    # A member adds 3: their read mark and subscription; 4: the read mark moved, if it moves.
    scopes = [pagecache.thread_scope(pk)]
    # The thread and the page of posts the request names, in one round trip: the page's name
    # needs the thread only to check that the page exists and whether the reader moderates it.
    wanted = {Thread.shared_name(pk): scopes}
    asked, moderates_all = requested_page(request), moderates_everywhere(request.user)
    if asked is not None and moderates_all is not None:
        wanted[posts_shared_name(pk, asked, moderates=moderates_all)] = scopes
    ahead = pagecache.read_ahead(wanted)
    thread = shared_thread(pk, ahead=ahead)
    if thread is None or not thread.is_visible_to(request.user):
        # A thread merged away leads to the thread that took its posts.
        merged_into = thread and thread.forum.permits(request.user, READ) and thread.merged_into
        if merged_into and merged_into.is_visible_to(request.user):
            return redirect(thread.merged_into.get_absolute_url(), permanent=True)
        raise Http404(_("No such thread."))
    if slug != thread.slug:
        # The query string as sent: get_full_path() escapes the path, so its length differs.
        query = request.META.get("QUERY_STRING", "")
        return redirect(thread.get_absolute_url() + (f"?{query}" if query else ""))
    page = page_from_request(request, thread.page_count())
    moderates = request.user.is_authenticated and request.user.moderates(thread.forum_id)
    posts = shared(
        posts_shared_name(pk, page, moderates=moderates),
        lambda: posts_with_postbits(thread, page, moderates=moderates),
        scopes,
        depends=posters_shown,
        ahead=ahead,
    )
    # Held replies, for their author and the moderators, under the last page. A query only
    # when the thread has some (Thread.held_reply_count).
    held = list(Post.objects.held_in(thread, request.user)) if page == thread.page_count() else []
    add_reading_state(thread, request.user)
    if held:
        for post in held:
            post.thread = thread
        render_postbits(held, moderates=moderates)
    now = timezone.now()
    for post in posts + held:
        post.thread = thread
        post.is_editable = post.may_be_edited_by(request.user, now)
    ignores = request.user.ignores if request.user.is_authenticated else lambda author: False
    for post in posts:
        post.is_thanked = any(entry[0] == request.user.pk for entry in post.thanked_by)
        # Only these go through includes/ignored_notice.html (0.06 ms a post for the others).
        post.is_from_ignored = ignores(post.author)
    thread.view_count = thread.count_view()
    if request.user.is_authenticated and posts and thread.read_to < posts[-1].number:
        record_reading(request.user, thread, posts[-1].number)
        forget_shared(unread_forums_shared_name(request.user.pk))
        if thread.first_unread_number and thread.first_unread_number <= posts[-1].number:
            # This page was the unread part: what stays unread starts after it.
            unread_left = posts[-1].number < thread.last_number
            thread.first_unread_number = posts[-1].number + 1 if unread_left else None
    refusal = thread.refusal_to_reply(request.user)
    return render(
        request,
        "forum/thread_detail.html",
        {
            "thread": thread,
            "forum": thread.forum,
            "posts": posts,
            "held_posts": held,
            "page": page,
            "page_count": thread.page_count(),
            "page_window": page_window(page, thread.page_count()),
            "reply_refusal": refusal,
            "reply_form": ReplyForm() if refusal is None else None,
            "moderates": moderates,
            # A thread with a poll adds 5: its options, and for a member 6: their choices.
            "poll": poll_for_page(thread, request.user),
        },
    )


def posts_shared_name(pk: int, page: int, *, moderates: bool) -> str:
    """The name a page of the thread's posts is kept under with their postbits, so that one
    look at the cache brings both: a copy per language, time zone and whether the reader
    moderates (the postbits differ)."""
    looks = f"{get_language()}:{timezone.get_current_timezone_name()}:{moderates:d}"
    return f"{Thread.shared_name(pk)}:page:{page}:{looks}"


def moderates_everywhere(user) -> bool | None:
    """Whether `user` moderates every forum (True) or none (False), known before the forum
    is; None for a moderator of some forums."""
    if not user.is_authenticated:
        return False
    scope = user.moderated_forum_ids
    return True if scope is None else False if not scope else None


def posters_shown(posts) -> list[str]:
    """The member scopes a page of posts shows: its authors and editors (pagecache)."""
    ids = {post.author_id for post in posts} | {post.edited_by_id for post in posts}
    return [pagecache.member_scope(pk) for pk in ids if pk is not None]


def posts_with_postbits(thread: Thread, page: int, *, moderates: bool) -> list[Post]:
    """Page `page` of the thread's posts, each with its postbit rendered (render_postbits)."""
    posts = page_of_posts(thread, page)
    for post in posts:
        post.thread = thread
    render_postbits(posts, moderates=moderates)
    return posts


def get_visible_post_or_404(request, pk, *related: str) -> Post:
    """The post `pk` if the user may see it (Post.objects.visible_to), with `related` loaded."""
    posts = Post.objects.visible_to(request.user).select_related("thread", *related)
    return get_object_or_404(posts, pk=pk)


def post_permalink(request, pk):
    return redirect(get_visible_post_or_404(request, pk).location())


# Multi-quote: at most this many posts, and no more text than a reply may hold, so one GET
# costs a bounded amount of work however many or however long the quoted posts are.
MULTI_QUOTE_MAX_POSTS = 50


def quoted_posts(request, thread: Thread) -> str:
    """The [QUOTE] blocks for ?quote=ID,ID... (multi-quote), in thread order; bad ids ignored.

    Quotes that would take the reply past BODY_MAX_LENGTH are left out, with a message."""
    ids = set()
    for part in (part for value in request.GET.getlist("quote") for part in value.split(",")):
        if part.isascii() and part.isdigit() and len(part) < 19:
            ids.add(int(part))
            if len(ids) == MULTI_QUOTE_MAX_POSTS:
                break
    if not ids:
        return ""
    # A post longer than a reply may be cannot be quoted whole, so its body is never fetched.
    posts = (
        Post.objects.visible()
        .filter(thread=thread, pk__in=ids)
        .alias(body_length=Length("body"))
        .filter(body_length__lte=BODY_MAX_LENGTH)
        .select_related("author")
        .only("pk", "number", "body", "author__username")
        .order_by("number")
    )
    quotes, total = [], 0
    for post in posts:
        quote = post.quote_source()
        if total + len(quote) + 1 > BODY_MAX_LENGTH:
            break
        quotes.append(quote)
        total += len(quote) + 1
    if len(quotes) < len(ids):
        messages.info(
            request,
            _(
                "Quoted %(quoted)d of the %(asked)d posts asked for: the others are gone, "
                "or too long to quote together (a reply holds %(most)s characters)."
            )
            % {
                "quoted": len(quotes),
                "asked": len(ids),
                "most": number_format(BODY_MAX_LENGTH, force_grouping=True),
            },
        )
    return "\n".join(quotes)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def thread_reply(request, pk):
    # The shared thread, not a query of its own: add_reply checks the thread again under its
    # lock (it is a cache hit on a read board: 6 ms of CPU less per reply than visible_to()).
    thread = shared_thread(pk)
    if thread is None or not thread.is_visible_to(request.user):
        raise Http404(_("No such thread."))
    refusal = thread.refusal_to_reply(request.user)
    if refusal:
        messages.error(request, refusal)
        return redirect(thread.get_absolute_url())
    initial = {"body": quoted_posts(request, thread)} if request.method == "GET" else {}
    form = ReplyForm(
        request.POST or None, request.FILES or None, initial=initial | resent_input(request)
    )
    posted = submit_post(
        request,
        form,
        lambda data: pictures_actions.add_reply(
            thread=thread, author=request.user, address=client_address(request), **data
        ),
    )
    return posted or render(
        request,
        "forum/thread_reply.html",
        {"thread": thread, "forum": thread.forum, "form": form, "preview": preview_of(form)},
    )


def resent_input(request) -> dict:
    """What a member typed into a form the CSRF check refused (config.views.csrf_failure),
    to show the form again filled in; empty otherwise."""
    return getattr(request, "resent_input", {})


def submit_post(request, form, write):
    """Writes a submitted form's post with `write(cleaned_data)` and redirects to the post.

    Returns None, so the view shows the form again, for a preview, invalid input, or a refusal
    (added to the form's errors). A form submitted twice redirects to the first post it made.
    """
    if not form.is_bound or "preview" in form.data or not form.is_valid():
        return None
    try:
        post = write(form.cleaned_data)
    except actions.DuplicateSubmission as duplicate:
        post = duplicate.post
    except actions.PostingRefused as refused:
        form.add_error(None, str(refused))
        return None
    if post.is_held or post.thread.is_held:
        messages.info(request, HELD_MESSAGE)
    return redirect(post.location())


HELD_MESSAGE = gettext_lazy(
    "Thank you: a moderator will look at your post before others see it. "
    "Until then only you and the moderators can read it."
)


def preview_of(form) -> str | None:
    if form.is_bound and "preview" in form.data and form.is_valid():
        return render_bbcode(form.cleaned_data["body"])
    return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request, slug):
    forum = get_visible_forum_or_404(request, slug, Forum.objects.select_related("category"))
    refusal = forum.refusal_to_start(request.user)
    if refusal:
        raise PermissionDenied(refusal)
    form = ThreadForm(request.POST or None, request.FILES or None, initial=resent_input(request))
    if not settings.BOARD_POLLS:
        del form.fields["with_poll"]
    started = []

    def write(data):
        wants_poll = data.pop("with_poll", False)
        post = pictures_actions.create_thread(
            forum=forum, author=request.user, address=client_address(request), **data
        )
        started.extend([post.thread] if wants_poll else [])
        return post

    posted = submit_post(request, form, write)
    if posted and started:
        return redirect("community:poll_create", started[0].pk)
    return posted or render(
        request,
        "forum/thread_create.html",
        {"forum": forum, "form": form, "preview": preview_of(form)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk):
    post = get_visible_post_or_404(request, pk, "thread__forum__category", "author")
    if not post.may_be_edited_by(request.user, timezone.now()):
        raise PermissionDenied(_("You may no longer edit this post."))
    form = PostEditForm(
        request.POST or None,
        request.FILES or None,
        initial={"body": post.body} | resent_input(request),
        attachments=list(post.attachments.all()),
    )
    posted = submit_post(
        request,
        form,
        lambda data: pictures_actions.edit_post(
            post=post, editor=request.user, address=client_address(request), **data
        ),
    )
    return posted or render(
        request,
        "forum/post_edit.html",
        {
            "post": post,
            "thread": post.thread,
            "forum": post.thread.forum,
            "form": form,
            "preview": preview_of(form),
        },
    )


@never_cache
@login_required
def post_history(request, pk):
    post = get_object_or_404(
        Post.objects.select_related("thread__forum__category", "author", "edited_by"), pk=pk
    )
    forum = post.thread.forum
    if not request.user.moderates(forum.pk) or not forum.permits(request.user, READ):
        raise Http404(_("No such post."))
    revisions = list(post.revisions.select_related("replaced_by"))
    return render(
        request,
        "forum/post_history.html",
        {"post": post, "thread": post.thread, "forum": post.thread.forum, "revisions": revisions},
    )


@cached_for_visitors(params=tuple(SearchForm.base_fields) + ("page",), scopes=lambda: [LISTS])
def search(request):
    # 1: the forums for the filter; a valid search adds 2: the capped count, 3: a page of results
    # (none when the count is 0), and a member filter the member's name. With a shared cache
    # the forums, counts and pages of results are kept until the next write (pagecache.shared).
    forums = shared("search-forums", forums_for_filter, [LISTS])
    forums = [forum for forum in forums if forum.permits(request.user, READ)]
    form = SearchForm(request.GET or None, forums=forums)
    if not form.is_valid():
        return render(request, "forum/search.html", {"form": form})
    search = form.search(reader=request.user)
    # The count and the page of results the address names, in one round trip.
    count_name = f"search-count:{search.key}"
    wanted = {count_name: [LISTS]}
    if (asked := requested_page(request)) is not None:
        wanted[search_results_name(search, asked)] = [LISTS]
    ahead = pagecache.read_ahead(wanted)
    count = shared(count_name, search.count, [LISTS], ahead=ahead)
    page_count = search.page_count(count)
    page = page_from_request(request, page_count)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "forum/search.html",
        {
            "form": form,
            "search": search,
            "count": count,
            # The page of results kept rendered, in the reader's language (the key holds
            # their time zone).
            "results_html": shared(
                search_results_name(search, page),
                lambda: render_to_string(
                    "forum/search.html#results", {"search": search, "results": search.page(page)}
                ),
                [LISTS],
                ahead=ahead,
            )
            if count
            else "",
            "page": page,
            "page_count": page_count,
            "page_window": page_window(page, page_count),
            "query_string": query.urlencode(),
        },
    )


def search_results_name(search, page: int) -> str:
    return f"search:{search.key}:{page}:{get_language()}"


PRINT_PAGE_SIZE = 1000


def thread_print(request, pk, slug):
    """All of a thread's posts on one plain page, as vBulletin's printthread.php showed them."""
    # 1: the thread with its forum; 2: the page's posts with their authors
    thread = get_object_or_404(
        Thread.objects.visible().readable_by(request.user).select_related("forum"), pk=pk
    )
    if slug != thread.slug:
        return redirect("forum:thread_print", thread.pk, thread.slug)
    page_count = max(1, -(-thread.last_number // PRINT_PAGE_SIZE))
    page = page_from_request(request, page_count)
    posts = (
        Post.objects.filter(
            thread=thread,
            number__gt=(page - 1) * PRINT_PAGE_SIZE,
            number__lte=page * PRINT_PAGE_SIZE,
        )
        .select_related("author")
        .order_by("number")
    )
    return render(
        request,
        "forum/thread_print.html",
        {"thread": thread, "posts": posts, "page": page, "page_count": page_count},
    )


def thread_archive_text(request, pk, slug):
    """The thread as a plain-text archive, the format import_archive reads, as a download."""
    # 1: the thread; 2: its posts with their authors
    thread = get_object_or_404(Thread.objects.visible().readable_by(request.user), pk=pk)
    if slug != thread.slug:
        return redirect("forum:thread_archive_text", thread.pk, thread.slug)
    posts = (
        Post.objects.filter(thread=thread, is_held=False)
        .select_related("author")
        .order_by("number")
    )
    response = HttpResponse(archive_of(thread, posts), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{thread.slug}.txt"'
    return response
