"""The old board's links answer with permanent redirects; anything else is the 404 page."""

import zoneinfo

import pytest
from django.test import override_settings

from forum import archive_import
from forum.archive import parse_archive
from forum.models import Post, Thread


@pytest.fixture
def old_thread(forum):
    """A 25-post thread that was thread 4321 on the old board, its posts 7001, 7002 ..."""
    posts = [f"Runner{n % 3} 01-{n:02}-2008 10:00 AM\n\nPost {n}\n\n" for n in range(1, 26)]
    text = "".join(posts).replace("\n\nPost 1\n", "\n\nShin splints\nPost 1\n", 1)
    return archive_import.import_thread(
        forum=forum,
        archived=parse_archive(text),
        time_zone=zoneinfo.ZoneInfo("UTC"),
        legacy_thread_id=4321,
        legacy_post_ids=list(range(7001, 7026)),
    ).thread


def test_showthread_redirects_for_good_to_the_thread(client, old_thread):
    response = client.get("/showthread.php?t=4321")
    assert response.status_code == 301
    assert response.url == f"/threads/{old_thread.pk}/shin-splints/"


def test_showthread_pages_map_to_the_page_holding_the_same_posts(client, old_thread):
    url = f"/threads/{old_thread.pk}/shin-splints/"
    assert client.get("/showthread.php?t=4321&page=1").url == url
    assert client.get("/showthread.php?t=4321&page=3").url == f"{url}?page=3"
    with override_settings(BOARD_POSTS_PER_PAGE=4):
        # Old page 2 started at post 11, which is now on page 3 (posts 9-12).
        assert client.get("/showthread.php?t=4321&page=2").url == f"{url}?page=3"
    with override_settings(BOARD_POSTS_PER_PAGE=25):
        assert client.get("/showthread.php?t=4321&page=3").url == url


def test_showpost_redirects_to_the_posts_permalink(client, old_thread):
    post = Post.objects.get(thread=old_thread, number=12)
    response = client.get("/showpost.php?p=7012")
    assert (response.status_code, response.url) == (301, f"/posts/{post.pk}/")
    assert client.get("/showthread.php?p=7012").url == f"/posts/{post.pk}/"


def test_the_old_archive_and_printable_pages_redirect_too(client, old_thread):
    archive = client.get("/archive/index.php/t-4321.html")
    assert (archive.status_code, archive.url) == (301, f"/threads/{old_thread.pk}/shin-splints/")
    printable = client.get("/printthread.php?t=4321")
    assert (printable.status_code, printable.url) == (
        301,
        f"/threads/{old_thread.pk}/shin-splints/print/",
    )


@pytest.mark.parametrize(
    "url",
    [
        "/showthread.php?t=abc",
        "/showthread.php?t=",
        "/showthread.php",
        "/showthread.php?t=99999999999999999999",
        "/showthread.php?t=4294967296",
        "/showthread.php?t=0",
        "/showthread.php?t=-5",
        "/showthread.php?t=1234",
        "/showthread.php?t=%D9%A1",
        "/showthread.php?t=4321&page=abc",
        "/showthread.php?t=4321&page=0",
        "/showthread.php?t=4321&page=4",
        "/showpost.php?p=abc",
        "/showpost.php?p=99999999999999999999",
        "/showpost.php?p=1",
        "/showpost.php",
        "/archive/index.php/t-99999999999999999999.html",
        "/archive/index.php/t-1.html",
        "/archive/index.php/t-abc.html",
        "/printthread.php?t=abc",
        "/printthread.php?t=1",
    ],
)
def test_unknown_or_malformed_old_ids_give_the_404_page(client, old_thread, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_old_links_to_a_removed_thread_give_the_404_page(client, old_thread):
    Thread.objects.filter(pk=old_thread.pk).update(is_removed=True)
    for url in ("/showthread.php?t=4321", "/showpost.php?p=7001", "/printthread.php?t=4321"):
        assert client.get(url).status_code == 404


def test_an_old_link_costs_one_query(client, old_thread, django_assert_num_queries):
    # 1: the thread (or post) by its old id
    with django_assert_num_queries(1):
        client.get("/showthread.php?t=4321&page=2")
    with django_assert_num_queries(1):
        client.get("/showpost.php?p=7003")
