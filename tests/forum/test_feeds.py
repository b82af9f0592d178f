"""RSS 2.0 and Atom feeds of the board, a forum and a thread: items, links, removed content,
404s, query counts, and the <link rel="alternate"> that lets browsers find them."""

import xml.etree.ElementTree as ET

import pytest

from forum import actions
from forum.models import Post, Thread
from tests.conftest import make_member

ATOM = "{http://www.w3.org/2005/Atom}"


def rss_items(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return [
        {child.tag: child.text for child in item} | {"channel": channel.findtext("title")}
        for item in channel.findall("item")
    ]


def atom_entries(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "feed": feed.findtext(f"{ATOM}title"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_the_board_feed_lists_the_newest_threads_with_their_first_post(client, sample, forum):
    newer = actions.create_thread(
        forum=forum, author=make_member("Sprinter"), title="Hill sprints", body="[b]Uphill[/b]"
    ).thread
    items = rss_items(client, "/feeds/threads/rss/")
    assert [item["title"] for item in items] == ["Hill sprints", "Cardio = Back pain..."]
    assert items[0]["link"] == f"http://testserver/threads/{newer.pk}/hill-sprints/"
    assert items[0]["description"] == "<strong>Uphill</strong>"
    assert items[0]["category"] == "Running"
    assert items[1]["link"] == "http://testserver/threads/1/cardio-back-pain/"
    assert "cutting cycle" in items[1]["description"]
    assert items[0]["channel"] == "IronWorks Fitness Forums: newest threads"


def test_the_board_feed_in_atom(client, sample):
    [entry] = atom_entries(client, "/feeds/threads/atom/")
    assert entry["title"] == "Cardio = Back pain..."
    assert entry["link"] == "http://testserver/threads/1/cardio-back-pain/"
    assert entry["author"] == "iron_worker"
    assert "cutting cycle" in entry["summary"]


def test_a_forum_feed_lists_only_that_forums_threads(client, sample, forum, member):
    actions.create_thread(forum=forum, author=member, title="Elsewhere", body="x")
    items = rss_items(client, "/feeds/forums/cardio/rss/")
    assert [item["title"] for item in items] == ["Cardio = Back pain..."]
    # Escaped like the items' titles: feed readers show titles as HTML.
    assert items[0]["channel"] == "IronWorks Fitness Forums: Cardio &amp; Conditioning"
    entries = atom_entries(client, "/feeds/forums/running/atom/")
    assert [entry["title"] for entry in entries] == ["Elsewhere"]


def test_a_thread_feed_lists_its_newest_posts_first(client, sample):
    items = rss_items(client, "/feeds/threads/1/rss/")
    assert len(items) == 10
    assert items[0]["title"] == "#10 Cardio = Back pain..., by Ross86"
    assert items[0]["link"] == "http://testserver/posts/10/"
    assert "Running shoes are a must" in items[0]["description"]
    assert items[-1]["link"] == "http://testserver/posts/1/"
    entries = atom_entries(client, "/feeds/threads/1/atom/")
    assert entries[1]["author"] == "Eddie0206"
    assert entries[1]["link"] == "http://testserver/posts/9/"


def test_feeds_hold_at_most_twenty_items(client, thread, member):
    for n in range(25):
        actions.add_reply(thread=thread, author=member, body=f"Reply {n}")
    items = rss_items(client, f"/feeds/threads/{thread.pk}/rss/")
    assert len(items) == 20
    thread.refresh_from_db()
    assert items[0]["link"] == f"http://testserver/posts/{thread.last_post_id}/"


def test_removed_posts_and_threads_never_appear(client, sample, forum, member):
    Post.objects.filter(pk=9).update(is_removed=True)
    links = [item["link"] for item in rss_items(client, "/feeds/threads/1/rss/")]
    assert "http://testserver/posts/9/" not in links and len(links) == 9
    Thread.objects.filter(pk=1).update(is_removed=True)
    assert rss_items(client, "/feeds/threads/rss/") == []
    assert rss_items(client, "/feeds/forums/cardio/rss/") == []
    assert client.get("/feeds/threads/1/rss/").status_code == 404
    assert client.get("/feeds/threads/1/atom/").status_code == 404


def test_a_removed_first_post_leaves_its_thread_without_a_description(client, sample):
    Post.objects.filter(pk=1).update(is_removed=True)
    [item] = rss_items(client, "/feeds/threads/rss/")
    assert item["description"] is None


def test_titles_are_escaped_and_the_xml_stays_well_formed(client, forum, member):
    actions.create_thread(
        forum=forum, author=member, title='<b>Bold</b> & "quoted"', body="<i>x</i> & y"
    )
    [item] = rss_items(client, "/feeds/threads/rss/")
    assert item["title"] == "&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot;"
    assert item["description"] == "&lt;i&gt;x&lt;/i&gt; &amp; y"


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/forums/nope/rss/",
        "/feeds/forums/nope/atom/",
        "/feeds/threads/999/rss/",
        "/feeds/threads/999/atom/",
        "/feeds/threads/abc/rss/",
    ],
)
def test_unknown_forums_and_threads_give_a_404(client, sample, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [1, 25])
def test_feeds_run_a_fixed_number_of_queries(
    client, forum, member, django_assert_num_queries, count
):
    for n in range(count):
        post = actions.create_thread(
            forum=forum, author=make_member(f"Poster{n}"), title=f"T{n}", body="x"
        )
        actions.add_reply(thread=post.thread, author=make_member(f"Replier{n}"), body="y")
    thread = post.thread
    # 1: the threads with forum, starter and first post
    with django_assert_num_queries(1):
        client.get("/feeds/threads/rss/")
    # 1: the forum; 2: its threads with starter and first post
    with django_assert_num_queries(2):
        client.get("/feeds/forums/running/atom/")
    # 1: the thread; 2: its posts with their authors
    with django_assert_num_queries(2):
        client.get(f"/feeds/threads/{thread.pk}/rss/")


def test_pages_point_browsers_to_their_feeds(client, sample):
    board = client.get("/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in board
    assert 'href="/feeds/threads/rss/"' in board and 'href="/feeds/threads/atom/"' in board
    forum = client.get("/forums/cardio/").content.decode()
    assert 'type="application/rss+xml" title="Cardio &amp; Conditioning (RSS)"' in forum
    assert 'href="/feeds/forums/cardio/rss/"' in forum
    thread = client.get("/threads/1/cardio-back-pain/").content.decode()
    assert 'href="/feeds/threads/1/rss/"' in thread and 'href="/feeds/threads/1/atom/"' in thread


def test_feeds_say_when_they_last_changed(client, sample):
    response = client.get("/feeds/threads/1/rss/")
    assert response["Last-Modified"] == "Thu, 13 Dec 2007 02:59:00 GMT"


# What XML 1.0 cannot carry (C0 controls, U+FFFE, U+FFFF), and line breaks a title must not
# hold; PostgreSQL itself refuses NUL and lone surrogates. The admin, an import or SQL can store
# them even though the board's forms refuse them.
NOT_XML = "\x01\x08\x0b\x0c\x1b\x1f\ufffe\uffff"
BREAKS = "\u2028\x85\n\r\u2029"
FEEDS = [
    "/feeds/threads/rss/",
    "/feeds/threads/atom/",
    "/feeds/forums/{forum}/rss/",
    "/feeds/forums/{forum}/atom/",
    "/feeds/threads/{thread}/rss/",
    "/feeds/threads/{thread}/atom/",
]


@pytest.mark.parametrize("url", FEEDS)
def test_every_feed_is_well_formed_xml_whatever_characters_are_stored(client, thread, url):
    post = thread.first_post
    Thread.objects.filter(pk=thread.pk).update(title=f"Bad{NOT_XML}{BREAKS}title")
    Post.objects.filter(pk=post.pk).update(body=f"body{NOT_XML}", body_html=f"<p>html{NOT_XML}</p>")
    type(thread.forum).objects.filter(pk=thread.forum_id).update(
        name=f"R&D <b>{NOT_XML}{BREAKS}", description=f"About{NOT_XML} <i>it</i>"
    )
    type(post.author).objects.filter(pk=post.author_id).update(username=f"Ann{NOT_XML}{BREAKS}")

    response = client.get(url.format(forum=thread.forum.slug, thread=thread.pk))

    assert response.status_code == 200
    root = ET.fromstring(response.content)  # expat refuses what XML 1.0 forbids
    text = "".join(root.itertext())
    assert not any(char in text for char in NOT_XML)
    titles = [element.text for element in root.iter() if element.tag.endswith("title")]
    assert all("\n" not in title and "\r" not in title for title in titles)
    assert any(title.endswith("Bad     title") for title in titles)
    assert "<p>html</p>" in text
    if "/forums/" in url:
        # The channel's title and description are escaped once more, like the items' titles.
        assert "IronWorks Fitness Forums: R&amp;D &lt;b&gt;" in titles[0]
        assert "About &lt;i&gt;it&lt;/i&gt;" in text


def test_a_thread_feed_in_german_shows_the_board_words_in_german(client, thread, member, settings):
    reply = actions.add_reply(thread=thread, author=member, body="[quote=Ross86;1]Hi[/quote] Yes")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    newest = rss_items(client, f"/feeds/threads/{thread.pk}/rss/")[0]
    assert newest["title"] == f"#{reply.number} {thread.title}, von {member.username}"
    assert "Zitat von <strong>Ross86</strong>" in newest["description"]
    assert 'title="Beitrag anzeigen"' in newest["description"]
