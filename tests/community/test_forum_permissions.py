"""The community's ways to a thread honour forum permissions (through Thread.objects.visible_to
and Forum.permits): a staff-only forum's thread is never voted in, thanked, rated, named on
Who's Online, behind a "Moved:" stub, or announced by a mention or a quote to an outsider."""

import pytest
from django.test import Client

from accounts.models import User
from community import actions as community_actions
from community import online
from community.models import Notice
from forum import actions
from forum.models import Forum
from tests.conftest import make_member

SECRET = "Zebra payroll"


@pytest.fixture
def staff(superuser):
    return superuser


@pytest.fixture
def staff_forum(category):
    forum = Forum.objects.create(category=category, name="Staff Room", slug="staff-room")
    actions.apply_forum_preset(forums=[forum], preset="staff_only")
    forum.refresh_from_db()
    return forum


@pytest.fixture
def secret_post(staff_forum, staff):
    return actions.create_thread(forum=staff_forum, author=staff, title=SECRET, body="Dues.")


@pytest.fixture
def outsider(db):
    return make_member("Outsider")


def test_a_mention_or_quote_of_an_outsider_in_a_staff_forum_tells_them_nothing(
    forum, staff, staff_forum, outsider, post_reply
):
    # The outsider's thread was moved into the staff forum; staff then quote and mention them.
    first = actions.create_thread(forum=forum, author=outsider, title=SECRET, body="Mine.")
    actions.move_thread(thread=first.thread, moderator=staff, to_forum=staff_forum)
    first.thread.refresh_from_db()
    body = f"[QUOTE=Outsider;{first.pk}]Mine.[/QUOTE] @Outsider see this"
    post_reply(staff, first.thread, body)
    assert not Notice.objects.filter(recipient=outsider).exists()
    outsider.refresh_from_db()
    assert outsider.unread_notice_count == 0


def test_polls_thanks_and_reputation_in_a_staff_forum_are_not_found(
    client, staff, secret_post, outsider
):
    poll = community_actions.create_poll(
        thread=secret_post.thread, question="Q?", options=["A", "B"], is_public=True
    )
    client.force_login(outsider)
    for method, url in [
        ("post", f"/polls/{poll.pk}/vote/"),
        ("get", f"/polls/{poll.pk}/voters/"),
        ("post", f"/posts/{secret_post.pk}/thank/"),
        ("get", f"/posts/{secret_post.pk}/reputation/"),
        ("get", f"/threads/{secret_post.thread_id}/poll/new/"),
    ]:
        assert getattr(client, method)(url).status_code == 404, url


def test_whos_online_does_not_name_a_staff_thread_to_outsiders(client, staff, secret_post):
    reader = Client()
    reader.force_login(staff)
    reader.get(secret_post.thread.get_absolute_url())
    online.flush()
    assert SECRET not in client.get("/online/").text
    other_staff = Client()  # the reader's own visit would move them to Who's Online
    other_staff.force_login(
        User.objects.create_superuser("Boss_Two", "boss2@example.com", "a-long-pass-42")
    )
    assert SECRET in other_staff.get("/online/").text


def test_a_moved_stub_to_a_staff_forum_is_shown_only_to_those_who_may_read_it(
    client, forum, staff, staff_forum, member, outsider
):
    thread = actions.create_thread(forum=forum, author=member, title=SECRET, body="x").thread
    actions.move_thread(thread=thread, moderator=staff, to_forum=staff_forum)
    client.force_login(outsider)
    assert SECRET not in client.get("/forums/running/").text
    client.force_login(staff)
    assert SECRET in client.get("/forums/running/").text
