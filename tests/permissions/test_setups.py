"""The typical setups one click away in the admin, reply rules, groups and inheritance."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from forum import actions
from forum.models import (
    AWAITING,
    GROUP,
    GUESTS,
    READ,
    REGISTERED,
    SEE,
    START,
    Forum,
    Thread,
)
from tests.conftest import make_member


def preset_forum(category, staff, preset: str, name: str, title: str) -> Forum:
    forum = Forum.objects.create(category=category, name=name, slug=name.lower())
    actions.apply_forum_preset(forums=[forum], preset=preset)
    forum.refresh_from_db()
    actions.create_thread(forum=forum, author=staff, title=title, body="Read me.")
    return forum


@pytest.fixture
def read_only_forum(category, staff):
    return preset_forum(category, staff, "read_only", "News", "Site rules")


@pytest.fixture
def members_forum(category, staff):
    return preset_forum(category, staff, "members_only", "Clubhouse", "Members meetup")


def test_a_read_only_forum_is_read_by_all_and_written_by_moderators_only(
    member, staff, read_only_forum
):
    member_client, staff_client = Client(), Client()
    member_client.force_login(member)
    staff_client.force_login(staff)
    thread = read_only_forum.threads.get()
    assert "Site rules" in Client().get("/forums/news/").content.decode()
    page = member_client.get("/forums/news/").content.decode()
    assert "Site rules" in page and "New Thread" not in page
    assert member_client.get("/forums/news/new-thread/").status_code == 403
    response = member_client.post(f"/threads/{thread.pk}/reply/", {"body": "Me too"})
    assert thread.posts.count() == 1
    assert "You may not reply to others" in member_client.get(response.url).content.decode()
    assert "New Thread" in staff_client.get("/forums/news/").content.decode()
    staff_client.post(f"/threads/{thread.pk}/reply/", {"body": "Noted."})
    assert thread.posts.count() == 2


def test_a_members_only_forum_is_hidden_from_guests(member_client, members_forum):
    guest = Client()
    assert guest.get("/forums/clubhouse/").status_code == 404
    assert "Clubhouse" not in guest.get("/").content.decode()
    assert "Members meetup" in member_client.get("/forums/clubhouse/").content.decode()
    assert "Clubhouse" in member_client.get("/").content.decode()


def test_members_awaiting_confirmation_read_a_members_only_forum_but_do_not_post(
    client, settings, members_forum
):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    newcomer = make_member("Newcomer", email_confirmed=False)
    client.force_login(newcomer)
    assert "Members meetup" in client.get("/forums/clubhouse/").content.decode()
    assert client.get("/forums/clubhouse/new-thread/").status_code == 403


def test_a_forum_where_members_reply_only_to_their_own_threads(
    member_client, member, other_member, forum
):
    actions.set_forum_permission(
        forum=forum, audience=REGISTERED, granted={SEE, READ, START, "reply_own"}
    )
    own = actions.create_thread(forum=forum, author=member, title="Mine", body="x").thread
    theirs = actions.create_thread(forum=forum, author=other_member, title="Yours", body="y").thread
    member_client.post(f"/threads/{own.pk}/reply/", {"body": "Bump"})
    member_client.post(f"/threads/{theirs.pk}/reply/", {"body": "Hello"})
    assert own.posts.count() == 2
    assert theirs.posts.count() == 1
    with pytest.raises(actions.PostingRefused, match="others' threads"):
        actions.add_reply(thread=theirs, author=member, body="Straight to the action")


def test_see_without_read_lists_the_forum_but_never_its_threads(client, forum, member):
    actions.create_thread(forum=forum, author=member, title="Shin splints", body="x")
    actions.set_forum_permission(forum=forum, audience=GUESTS, granted={SEE})
    index = client.get("/").content.decode()
    assert "Running" in index and "Shin splints" not in index
    page = client.get("/forums/running/").content.decode()
    assert "Log in or register to read" in page and "Shin splints" not in page
    thread = Thread.objects.get()
    assert client.get(f"/threads/{thread.pk}/{thread.slug}/").status_code == 404


def test_a_group_granted_a_staff_only_forum_reads_it_and_others_do_not(
    client, member, other_member, secret_thread, staff_forum
):
    insiders = Group.objects.create(name="Insiders")
    member.groups.add(insiders)
    actions.set_forum_permission(
        forum=staff_forum, audience=GROUP, group=insiders, granted={SEE, READ}
    )
    client.force_login(member)
    assert "Staff Room" in client.get("/").content.decode()  # on the forum row, per member
    assert client.get("/forums/staff-room/").status_code == 200
    assert client.get(secret_thread.get_absolute_url()).status_code == 200
    assert client.get("/search/?q=quokkasalaries").context["count"] == 2  # through SQL
    assert client.get("/forums/staff-room/new-thread/").status_code == 403  # not granted
    client.force_login(other_member)
    assert client.get("/forums/staff-room/").status_code == 404
    assert client.get("/search/?q=quokkasalaries").context["count"] == 0


def test_subforums_inherit_their_parents_permissions_unless_set(category, staff_forum):
    child = Forum.objects.create(
        category=category, name="Staff Archive", slug="staff-archive", parent=staff_forum
    )
    grandchild = Forum.objects.create(
        category=category, name="Old Minutes", slug="old-minutes", parent=child
    )
    actions.rebuild_forum_tree()
    guests_see = Forum.objects.visible_to(make_anonymous())
    assert not guests_see.filter(pk__in=[child.pk, grandchild.pk]).exists()
    # A forum listed to members but closed to them, holding one they may read (and its own
    # subforum, which inherits that); guests may see nothing inside a forum hidden from them.
    actions.set_forum_permission(forum=staff_forum, audience=REGISTERED, granted={SEE})
    actions.set_forum_permission(forum=child, audience=REGISTERED, granted={SEE, READ})
    actions.set_forum_permission(forum=child, audience=GUESTS, granted={SEE, READ})
    member = make_member("Reader")
    assert set(Forum.objects.readable_by(member)) == {child, grandchild}
    assert set(Forum.objects.visible_to(member)) == {staff_forum, child, grandchild}
    assert not Forum.objects.visible_to(make_anonymous()).filter(pk=child.pk).exists()


def test_a_subforum_made_in_code_under_a_hidden_forum_is_hidden_at_once(category, staff_forum):
    child = Forum.objects.create(
        category=category, name="Minutes", slug="minutes", parent=staff_forum
    )
    assert child.access == staff_forum.access
    assert not Forum.objects.visible_to(make_anonymous()).exists()
    assert child.ancestry == [["Staff Room", "staff-room"]]


def test_recount_rebuilds_the_forum_tree_too(category, staff_forum):
    from django.core.management import call_command

    child = Forum.objects.create(category=category, name="Minutes", slug="minutes")
    Forum.objects.filter(pk=child.pk).update(parent=staff_forum)  # as SQL or an import might
    call_command("recount", verbosity=0)
    child.refresh_from_db()
    staff_forum.refresh_from_db()
    assert child.access == staff_forum.access and staff_forum.subforum_count == 1


def test_the_presets_can_be_undone_by_making_the_forum_public_again(client, staff_forum):
    actions.apply_forum_preset(forums=[staff_forum], preset="public")
    assert client.get("/forums/staff-room/").status_code == 200


def test_awaiting_is_its_own_audience(settings, forum):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    actions.set_forum_permission(forum=forum, audience=AWAITING, granted=set())
    newcomer = make_member("Newcomer", email_confirmed=False)
    confirmed = make_member("Confirmed", email_confirmed=True)
    assert not Forum.objects.visible_to(newcomer).exists()
    assert Forum.objects.visible_to(confirmed).exists()


def make_anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()
