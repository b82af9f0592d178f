"""Archives out: export_archive, the printable page and the plain-text download."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from forum import actions, views
from forum.archive import parse_archive
from forum.management.commands.build_fixtures import SAMPLE_ARCHIVE
from forum.models import Forum, Post, Thread
from tests.forum.test_pages import fill_thread

SAMPLE = SAMPLE_ARCHIVE.read_text(encoding="utf-8")
REMOVED = "This post was removed by a moderator."


def export(*args) -> str:
    out = StringIO()
    call_command("export_archive", *map(str, args), stdout=out)
    return out.getvalue()


def test_importing_the_sample_and_exporting_it_gives_back_the_sample(forum):
    call_command("import_archive", SAMPLE_ARCHIVE, "--forum", "running", stdout=StringIO())
    exported = export(Thread.objects.get().pk)
    # The only difference allowed: runs of blank lines between two posts come out as one.
    assert exported.split("\n") == re.sub(r"\n{3,}", "\n\n", SAMPLE).split("\n")


def test_the_demo_fixture_and_the_importer_agree_on_every_post(sample, category):
    Forum.objects.create(category=category, name="Imported", slug="imported")
    call_command("import_archive", SAMPLE_ARCHIVE, "--forum", "imported", stdout=StringIO())
    fixture, imported = (
        list(
            Post.objects.filter(thread__forum__slug=slug)
            .order_by("number")
            .values_list("author__username", "created_at", "body", "number")
        )
        for slug in ("cardio", "imported")
    )
    assert len(fixture) == 10
    assert imported == fixture


def test_export_writes_a_file_in_the_zone_asked_for(sample, tmp_path):
    target = tmp_path / "out.txt"
    call_command("export_archive", "1", "-o", target, "--time-zone", "UTC")
    assert target.read_text(encoding="utf-8").startswith(
        "iron_worker 12-12-2007 03:22 AM\n\nCardio = Back pain...\nWell, I started"
    )


def test_export_of_an_unknown_thread_or_zone_is_refused(sample):
    with pytest.raises(CommandError, match="No thread 99"):
        export(99)
    with pytest.raises(CommandError, match="Unknown time zone"):
        export(1, "--time-zone", "Nowhere/Land")


def test_the_thread_page_links_to_its_printable_version_and_text(client, sample):
    html = client.get("/threads/1/cardio-back-pain/").content.decode()
    assert 'href="/threads/1/cardio-back-pain/print/"' in html
    assert 'href="/threads/1/cardio-back-pain/archive.txt"' in html


@pytest.mark.parametrize("post_count", [1, 30])
def test_the_printable_version_shows_every_post_in_two_queries(
    client, django_assert_num_queries, thread, member, post_count
):
    fill_thread(thread, member, post_count)
    # 1: the thread with its forum; 2: the posts with their authors
    with django_assert_num_queries(2):
        response = client.get(f"/threads/{thread.pk}/shin-splints/print/")
    html = response.content.decode()
    assert html.count('class="print-post"') == post_count
    assert "<h1>Shin splints</h1>" in html and "Member_One" in html
    assert "<nav" not in html  # stand-alone: none of the board's chrome


def test_the_printable_version_of_the_sample_reads_like_the_archive(client, sample):
    html = client.get("/threads/1/cardio-back-pain/print/").content.decode()
    stamps = re.findall(r"<strong>([^<]+)</strong> &middot; <time[^>]*>([^<]+)</time>", html)
    assert stamps[0] == ("iron_worker", "12-11-2007 10:22 PM")
    assert len(stamps) == 10
    assert "@media print" in html


def test_the_printable_version_pages_huge_threads(client, thread, member, monkeypatch):
    monkeypatch.setattr(views, "PRINT_PAGE_SIZE", 3)
    fill_thread(thread, member, 7)
    last = client.get(f"/threads/{thread.pk}/shin-splints/print/?page=3").content.decode()
    assert last.count('class="print-post"') == 1 and "#7" in last
    assert "Page 3 of 3" in last
    for page in ("4", "0", "abc"):
        assert (
            client.get(f"/threads/{thread.pk}/shin-splints/print/?page={page}").status_code == 404
        )


def test_the_text_download_is_the_archive_in_two_queries(client, sample, django_assert_num_queries):
    # 1: the thread; 2: its posts with their authors
    with django_assert_num_queries(2):
        response = client.get("/threads/1/cardio-back-pain/archive.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cardio-back-pain.txt"'
    assert response.content.decode().split("\n") == re.sub(r"\n{3,}", "\n\n", SAMPLE).split("\n")


def test_removed_posts_show_the_notice_in_print_and_text(client, sample):
    Post.objects.filter(thread_id=1, number=2).update(is_removed=True)
    printed = client.get("/threads/1/cardio-back-pain/print/").content.decode()
    text = client.get("/threads/1/cardio-back-pain/archive.txt", follow=True).content.decode()
    for page in (printed, text):
        assert REMOVED in page
        assert "Upper or lower?" not in page
        assert "Well, I started my cutting cycle" in page
    assert f"Ross86 12-11-2007 10:23 PM\n\n{REMOVED}\n\n" in text


def test_a_removed_thread_has_no_printable_version_or_text(client, sample):
    Thread.objects.filter(pk=1).update(is_removed=True)
    for url in ("/threads/1/cardio-back-pain/print/", "/threads/1/cardio-back-pain/archive.txt"):
        assert client.get(url).status_code == 404


def test_a_wrong_slug_redirects_to_the_right_one(client, sample):
    assert client.get("/threads/1/x/print/").url == "/threads/1/cardio-back-pain/print/"
    assert client.get("/threads/1/x/archive.txt").url == "/threads/1/cardio-back-pain/archive.txt"
    assert client.get("/threads/99/x/print/").status_code == 404


def test_a_native_thread_exports_and_imports_back_unchanged(forum, thread, other_member, tmp_path):
    actions.add_reply(thread=thread, author=other_member, body="Ice them.\n\n[b]Rest[/b] too.")
    target = tmp_path / "thread.txt"
    call_command("export_archive", thread.pk, "-o", target)
    before = list(Post.objects.order_by("pk").values_list("pk", "body"))
    out = StringIO()
    call_command("import_archive", target, "--forum", "running", stdout=out)
    assert "nothing new" in out.getvalue()
    assert list(Post.objects.order_by("pk").values_list("pk", "body")) == before


def test_a_title_stored_with_line_breaks_exports_on_one_line_and_reads_back(client, sample):
    Thread.objects.filter(pk=1).update(title="Cardio\u2028=\nBack\x85pain")
    text = client.get("/threads/1/cardio-back-pain/archive.txt", follow=True).content.decode()
    assert text.split("\n")[2] == "Cardio = Back pain"
    assert parse_archive(text).title == "Cardio = Back pain"
