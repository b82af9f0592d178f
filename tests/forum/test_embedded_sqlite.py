"""The no-server path: a fresh SQLite file migrates, loads the sample, renders the thread and
imports archives (the importer writes with COPY on PostgreSQL, with bulk_create here)."""

import pytest

from tests.conftest import SqliteBoard

pytestmark = pytest.mark.slow  # each test runs commands on a SQLite file in subprocesses

RENDER = """
from django.test import Client
response = Client().get("/threads/1/cardio-back-pain/")
print(response.status_code)
print(response.content.decode())
"""

# A member's round on SQLite: read marks (upsert), a reply (locks, counters), search, new posts.
MEMBER_ROUND = """
from django.conf import settings
from django.test import Client
from accounts.models import User
from forum.models import Thread
settings.BOARD_HOLD_FIRST_POSTS = 0  # the newcomer's reply is seen at once, not queued
client = Client()
client.force_login(User.objects.create_user("Sqlite_Runner", "s@example.com", "a-long-pass-42"))
statuses = [client.get("/threads/1/cardio-back-pain/").status_code]
reply = client.post("/threads/1/reply/", {"body": "Stretch after, not before."})
statuses += [reply.status_code, client.get(reply.url).status_code]
pages = ("/", "/forums/cardio/", "/new/", "/search/?q=stretch")
statuses += [client.get(url).status_code for url in pages]
print(statuses, Thread.objects.get(pk=1).post_count)
"""


def test_a_fresh_sqlite_board_migrates_loads_the_sample_and_renders_it(tmp_path, migrated_sqlite):
    # migrated_sqlite ran `migrate` on an empty folder: this board is a copy of that file.
    board = SqliteBoard(tmp_path, ["load_sample", "--demo"], migrated=migrated_sqlite)
    assert (tmp_path / "board.sqlite3").exists()
    rendered = board.script(RENDER)
    assert rendered.startswith("200\n")
    assert "12-12-2007 09:59 PM" in rendered
    assert "What kind of shoes are you wearing when you run?" in rendered

    member_round = board.script(MEMBER_ROUND)
    assert member_round.strip().splitlines()[-1] == "[200, 302, 200, 200, 200, 200, 200] 11"


ARCHIVE = """Coach_Dave 03-01-2009 07:15 PM

Spring meet
Who is coming? :)

Spring Newcomer 03-01-2009 08:02 PM

Me, and [b]my[/b] brother.

Coach_Dave 03-02-2009 06:40 AM

Good: www.example.org has the times.
"""

IMPORTED = """
from accounts.models import User
from forum.actions import recount
from forum.models import Thread
thread = Thread.objects.get(title="Spring meet")
print(list(thread.posts.order_by("number").values_list("number", "author__username")))
print(thread.posts.get(number=2).body_html)
coach = User.objects.get(username="Coach_Dave")
print(coach.post_count, coach.last_activity_at.isoformat())
print(recount())
"""


def test_a_sqlite_board_imports_an_archive_with_exact_counters(tmp_path, migrated_sqlite):
    archive = tmp_path / "spring-meet.txt"
    archive.write_text(ARCHIVE, encoding="utf-8")
    board = SqliteBoard(tmp_path, ["load_sample", "--demo"], migrated=migrated_sqlite)
    importing = ["import_archive", str(archive), "--forum", "running", "--time-zone", "UTC"]
    board.run([str(board.base_dir / "manage.py"), *importing])
    again = board.run([str(board.base_dir / "manage.py"), *importing])
    assert "nothing new" in again

    lines = board.script(IMPORTED).strip().splitlines()
    assert lines[-4:] == [
        "[(1, 'Coach_Dave'), (2, 'Spring Newcomer'), (3, 'Coach_Dave')]",
        "Me, and <strong>my</strong> brother.",
        "3 2009-03-02T06:40:00+00:00",  # one post before, two imported; the newest is theirs
        "{'threads': 0, 'forums': 0, 'members': 0}",
    ]
