"""The shipped sample thread is the archive, verbatim: authors, times, bodies and order."""

import json
import re

from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from forum.archive import parse_archive
from forum.management.commands.build_fixtures import SAMPLE_ARCHIVE, build_demo, build_sample
from forum.models import Forum, Post, Thread

ARCHIVE = SAMPLE_ARCHIVE.read_text(encoding="utf-8")
EXPECTED = [
    ("iron_worker", "12-11-2007 10:22 PM"),
    ("Ross86", "12-11-2007 10:23 PM"),
    ("MONSTAFACE", "12-12-2007 04:35 AM"),
    ("iron_worker", "12-12-2007 06:21 AM"),
    ("Ross86", "12-12-2007 06:49 AM"),
    ("Pitysister", "12-12-2007 03:21 PM"),
    ("iron_worker", "12-12-2007 05:50 PM"),
    ("Ross86", "12-12-2007 09:48 PM"),
    ("Eddie0206", "12-12-2007 09:51 PM"),
    ("Ross86", "12-12-2007 09:59 PM"),
]


def test_the_shipped_archive_is_the_seed_thread_byte_for_byte():
    lines = ARCHIVE.split("\n")
    assert lines[0] == "iron_worker 12-11-2007 10:22 PM"
    assert lines[2] == "Cardio = Back pain..."
    assert "Am I running funning?" in ARCHIVE
    assert len(ARCHIVE.encode()) == 3835


def test_sample_has_ten_posts_by_the_archive_authors_in_order(sample):
    thread = Thread.objects.get()
    assert thread.title == "Cardio = Back pain..."
    posts = list(thread.posts.select_related("author").order_by("number"))
    assert [(p.number, p.author.username) for p in posts] == [
        (n, name) for n, (name, _) in enumerate(EXPECTED, start=1)
    ]


def test_sample_bodies_are_the_archive_bodies_verbatim(sample):
    archived = parse_archive(ARCHIVE)
    bodies = list(Post.objects.order_by("number").values_list("body", flat=True))
    assert bodies == [post.body for post in archived.posts]
    assert bodies[5].startswith("i used to run alot. even in the winter at -23 degrees...:)")
    assert bodies[0].endswith(
        "input on this.\n\nI'd really like to keep using the treadmill as I have one available "
        "at my apartment so its handy for now."
    )
    assert bodies[6].endswith("lol\n\nI'm going to take today off and get back at it tomorrow.")


def test_sample_thread_page_shows_each_post_stamped_as_in_the_archive(client, sample):
    html = client.get("/threads/1/cardio-back-pain/").content.decode()
    shown = re.findall(r'class="postbit-name"[^>]*>([^<]+)</a>', html)
    stamps = re.findall(r"<time datetime=\"[^\"]+\">(\d\d-\d\d-\d{4} \d\d:\d\d [AP]M)</time>", html)
    assert list(zip(shown, stamps, strict=True)) == EXPECTED


def test_sample_thread_page_keeps_paragraphs_and_line_breaks(client, sample):
    html = client.get("/threads/1/cardio-back-pain/").content.decode()
    assert "input on this.<br><br>I&#x27;d really like" in html or (
        "input on this.<br><br>I'd really like" in html
    )
    assert "Still, that&#x27;s a good question." in html or "Still, that's a good question." in html


def test_sample_members_have_unusable_passwords_and_consistent_post_counts(sample):
    counts = {u.username: u.post_count for u in User.objects.all()}
    assert counts == {
        "iron_worker": 3,
        "Ross86": 4,
        "MONSTAFACE": 1,
        "Pitysister": 1,
        "Eddie0206": 1,
    }
    assert not any(user.has_usable_password() for user in User.objects.all())


def test_sample_counters_need_no_recount(sample):
    from forum.actions import recount

    assert recount() == {"threads": 0, "forums": 0, "members": 0}
    forum = Forum.objects.get()
    assert (forum.thread_count, forum.post_count, forum.last_post.number) == (1, 10, 10)


def test_demo_board_loads_on_top_of_the_sample_with_exact_counters(sample):
    from forum.actions import recount

    call_command("loaddata", "demo_board", verbosity=0)
    assert Thread.objects.count() == 7
    assert User.objects.get(username="Coach_Dave").check_password("ironworks-moderator")
    assert Thread.objects.get(is_sticky=True).forum.slug == "cardio"
    assert recount() == {"threads": 0, "forums": 0, "members": 0}


@override_settings(TIME_ZONE="America/New_York")
def test_committed_fixtures_are_what_the_builder_makes_from_their_sources():
    """Catches a fixture edited by hand, or one left stale by a change to the markup."""
    from django.conf import settings

    sample_rows, sample_builder = build_sample()
    for member in sample_builder.members.values():
        member["fields"] = dict(member["fields"])
    demo_rows = build_demo(sample_builder)
    for name, rows in (("sample_thread.json", sample_rows), ("demo_board.json", demo_rows)):
        committed = json.loads((settings.FILES_DIR / "fixtures" / name).read_text())
        assert without_password_hashes(committed) == without_password_hashes(
            json.loads(json.dumps(rows))
        ), f"fixtures/{name} is stale: run python manage.py build_fixtures"


def without_password_hashes(rows):
    for row in rows:
        if row["model"] == "accounts.user":
            row["fields"]["password"] = "usable" if row["fields"]["password"] != "!" else "!"
    return rows


def test_load_sample_runs_twice_without_duplicating(db):
    call_command("load_sample", "--demo", verbosity=0)
    call_command("load_sample", "--demo", verbosity=0)
    assert Thread.objects.count() == 7
    assert Post.objects.filter(thread_id=1).count() == 10
