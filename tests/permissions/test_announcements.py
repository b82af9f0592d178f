"""Announcements: board-wide or per forum (and its subforums), between their start and end,
above the thread list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum import actions
from forum.markup import render_bbcode
from forum.models import Announcement, Forum


def announce(title, forum=None, **dates):
    announcement = Announcement.objects.create(
        forum=forum, title=title, body="[b]Read me[/b]", body_html=render_bbcode("[b]Read me[/b]"),
        **dates,
    )  # fmt: skip
    actions.rebuild_forum_tree()
    return announcement


@pytest.fixture
def lifting(category):
    return Forum.objects.create(category=category, name="Lifting", slug="lifting")


def test_a_board_wide_announcement_shows_in_every_forum(client, forum, lifting):
    announce("Server move")
    for url in ["/forums/running/", "/forums/lifting/"]:
        html = client.get(url).content.decode()
        assert "Announcement: Server move" in html and "<strong>Read me</strong>" in html


def test_a_forums_announcement_shows_there_and_in_its_subforums_only(client, forum, lifting):
    child = Forum.objects.create(category=forum.category, name="Trail", slug="trail", parent=forum)
    actions.rebuild_forum_tree()
    announce("Race day", forum=forum)
    assert "Race day" in client.get("/forums/running/").content.decode()
    assert "Race day" in client.get(f"/forums/{child.slug}/").content.decode()
    assert "Race day" not in client.get("/forums/lifting/").content.decode()


def test_an_announcement_shows_only_between_its_start_and_end(client, forum):
    now = timezone.now()
    announce("Coming soon", starts_at=now + timedelta(days=1))
    announce("Long gone", starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1))
    announce("Right now", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1))
    html = client.get("/forums/running/").content.decode()
    assert "Right now" in html
    assert "Coming soon" not in html and "Long gone" not in html


def test_a_forum_with_announcements_runs_one_query_more(client, forum, django_assert_num_queries):
    announce("Server move")
    # 1: the forum; 2: a page of threads; 3: the announcements shown here
    with django_assert_num_queries(3):
        assert client.get("/forums/running/").status_code == 200


def test_an_announcement_ending_before_it_starts_is_refused(forum):
    from django.core.exceptions import ValidationError

    now = timezone.now()
    announcement = Announcement(title="Odd", body="x", starts_at=now, ends_at=now)
    with pytest.raises(ValidationError):
        announcement.clean()
