"""The no-server path: a fresh SQLite file migrates, loads the sample and renders the thread."""

from tests.conftest import SqliteBoard

RENDER = """
from django.test import Client
response = Client().get("/threads/1/cardio-back-pain/")
print(response.status_code)
print(response.content.decode())
"""

# A member's round on SQLite: read marks (upsert), a reply (locks, counters), search, new posts.
MEMBER_ROUND = """
from django.test import Client
from accounts.models import User
from forum.models import Thread
client = Client()
client.force_login(User.objects.create_user("Sqlite_Runner", "s@example.com", "a-long-pass-42"))
statuses = [client.get("/threads/1/cardio-back-pain/").status_code]
reply = client.post("/threads/1/reply/", {"body": "Stretch after, not before."})
statuses += [reply.status_code, client.get(reply.url).status_code]
pages = ("/", "/forums/cardio/", "/new/", "/search/?q=stretch")
statuses += [client.get(url).status_code for url in pages]
print(statuses, Thread.objects.get(pk=1).post_count)
"""


def test_a_fresh_sqlite_board_migrates_loads_the_sample_and_renders_it(tmp_path):
    board = SqliteBoard(tmp_path, ["load_sample", "--demo"])
    assert (tmp_path / "board.sqlite3").exists()
    rendered = board.script(RENDER)
    assert rendered.startswith("200\n")
    assert "12-12-2007 09:59 PM" in rendered
    assert "What kind of shoes are you wearing when you run?" in rendered

    member_round = board.script(MEMBER_ROUND)
    assert member_round.strip().splitlines()[-1] == "[200, 302, 200, 200, 200, 200, 200] 11"
