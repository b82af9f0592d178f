"""RSS 2.0 and Atom feeds: the board's newest threads, a forum's newest threads, a thread's
newest posts. Removed and held (awaiting moderation) threads and posts never appear. Each feed
runs a fixed number of queries: one for the board, two for a forum or a thread (the object, then
its items).

Whatever is stored (the admin, an import or SQL can store what the board's forms refuse), a
feed is well-formed XML: characters XML 1.0 cannot carry are dropped from every field, and
titles are folded onto one line."""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from accounts.validators import fold_lines
from forum.markup import in_reader_language
from forum.models import Forum, Post, Thread

FEED_LENGTH = 20
# The complement of XML 1.0's Char production: C0 controls but tab and line breaks, lone
# surrogates, U+FFFE and U+FFFF. Django refuses the controls with an exception (a 500) and
# writes the others into a document no XML parser reads.
NOT_XML_CHARACTERS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ONE_LINE_FIELDS = {"title", "author_name", "categories"}


def xml_text(value: str) -> str:
    return NOT_XML_CHARACTERS.sub("", value)


def xml_safe(fields: dict) -> None:
    """Cleans a feed's or an item's fields in place, whichever method produced them."""
    for key, value in fields.items():
        if isinstance(value, str):
            value = xml_text(value)
            fields[key] = fold_lines(value) if key in ONE_LINE_FIELDS else value
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            fields[key] = [fold_lines(xml_text(v)) for v in value]


class BoardFeed(Feed):
    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        xml_safe(feed.feed)
        for item in feed.items:
            xml_safe(item)
        return feed


class LatestThreadsFeed(BoardFeed):
    """The newest threads of the whole board, each with its first post."""

    # Channel titles and descriptions are escaped like item titles: readers show them as HTML.
    def title(self) -> str:
        return escape(_("%(board)s: newest threads") % {"board": settings.BOARD_NAME})

    def link(self) -> str:
        return reverse("forum:index")

    def description(self) -> str:
        return escape(_("The newest threads on %(board)s.") % {"board": settings.BOARD_NAME})

    subtitle = description  # Atom's name for it

    def get_object(self, request):
        # The reader, so that items() lists only what they may read.
        return request.user

    def items(self, reader):
        return newest_threads(Thread.objects.readable_by(reader))

    def item_title(self, thread: Thread) -> str:
        # Escaped once more, as Django's default does: readers show titles as HTML.
        return escape(thread.title)

    def item_description(self, thread: Thread) -> str:
        first = thread.first_post
        return in_reader_language(first.body_html) if first and not first.is_removed else ""

    def item_link(self, thread: Thread) -> str:
        return thread.get_absolute_url()

    def item_pubdate(self, thread: Thread):
        return thread.created_at

    def item_author_name(self, thread: Thread) -> str:
        return thread.starter.username

    def item_categories(self, thread: Thread) -> list[str]:
        return [thread.forum.name]


class ForumThreadsFeed(LatestThreadsFeed):
    """The newest threads of one forum."""

    def get_object(self, request, slug: str) -> Forum:
        forums = Forum.objects.visible_to(request.user).readable_by(request.user)
        return get_object_or_404(forums, slug=slug)

    def title(self, forum: Forum) -> str:
        return escape(f"{settings.BOARD_NAME}: {forum.name}")

    def link(self, forum: Forum) -> str:
        return forum.get_absolute_url()

    def description(self, forum: Forum) -> str:
        return escape(
            forum.description or _("The newest threads in %(forum)s.") % {"forum": forum.name}
        )

    subtitle = description

    def items(self, forum: Forum):
        threads = newest_threads(Thread.objects.in_forum(forum))
        for thread in threads:
            thread.forum = forum
        return threads


class ThreadPostsFeed(BoardFeed):
    """The newest posts of one thread."""

    def get_object(self, request, pk: int) -> Thread:
        return get_object_or_404(Thread.objects.visible().readable_by(request.user), pk=pk)

    def title(self, thread: Thread) -> str:
        return escape(f"{settings.BOARD_NAME}: {thread.title}")

    def link(self, thread: Thread) -> str:
        return thread.get_absolute_url()

    def description(self, thread: Thread) -> str:
        return escape(_("The newest posts in “%(title)s”.") % {"title": fold_lines(thread.title)})

    subtitle = description

    def items(self, thread: Thread) -> list[Post]:
        posts = list(
            Post.objects.visible()
            .filter(thread=thread)
            .select_related("author")
            .order_by("-number")[:FEED_LENGTH]
        )
        for post in posts:
            post.thread = thread
        return posts

    def item_title(self, post: Post) -> str:
        title = _("#%(number)d %(title)s, by %(author)s") % {
            "number": post.number,
            "title": post.thread.title,
            "author": post.author.username,
        }
        return escape(title)

    def item_description(self, post: Post) -> str:
        return in_reader_language(post.body_html)

    def item_link(self, post: Post) -> str:
        return post.get_absolute_url()

    def item_pubdate(self, post: Post):
        return post.created_at

    def item_updateddate(self, post: Post):
        return post.edited_at or post.created_at

    def item_author_name(self, post: Post) -> str:
        return post.author.username


def newest_threads(threads) -> list[Thread]:
    return list(
        threads.visible()
        .select_related("forum", "starter", "first_post")
        .order_by("-created_at", "-pk")[:FEED_LENGTH]
    )


class LatestThreadsAtomFeed(LatestThreadsFeed):
    feed_type = Atom1Feed


class ForumThreadsAtomFeed(ForumThreadsFeed):
    feed_type = Atom1Feed


class ThreadPostsAtomFeed(ThreadPostsFeed):
    feed_type = Atom1Feed
