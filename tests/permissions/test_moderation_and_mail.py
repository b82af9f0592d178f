"""Moderators, the admin, subscription mail and the visitor page cache under forum
permissions."""

import pytest
from django.core import mail
from django.test import Client

from forum import actions
from forum.models import MODERATORS, Forum, Thread
from tests.permissions.conftest import SECRET_TITLE, make_moderator


@pytest.fixture
def admin_forum(category, superuser):
    """A forum only superusers may see: moderators too are left out."""
    forum = Forum.objects.create(category=category, name="Board Office", slug="board-office")
    actions.apply_forum_preset(forums=[forum], preset="staff_only")
    actions.set_forum_permission(forum=forum, audience=MODERATORS, granted=set())
    forum.refresh_from_db()
    actions.create_thread(forum=forum, author=superuser, title=SECRET_TITLE, body="Budget.")
    return forum


def test_a_moderator_cannot_move_a_thread_into_a_forum_they_cannot_read(
    client, staff, thread, admin_forum
):
    client.force_login(staff)
    form_page = client.get(f"/threads/{thread.pk}/move/").content.decode()
    assert "Board Office" not in form_page
    response = client.post(f"/threads/{thread.pk}/move/", {"forum": admin_forum.pk})
    assert response.status_code == 200  # the form again: not a choice
    assert Thread.objects.get(pk=thread.pk).forum_id == thread.forum_id
    with pytest.raises(actions.ModerationRefused):
        actions.move_thread(thread=thread, moderator=staff, to_forum=admin_forum)


def test_the_admin_lists_moderators_no_thread_of_a_forum_they_cannot_read(
    client, staff, thread, admin_forum, superuser
):
    client.force_login(staff)
    html = client.get("/admin/forum/thread/").content.decode()
    assert "Shin splints" in html and SECRET_TITLE not in html
    hidden = admin_forum.threads.get()
    assert client.get(f"/admin/forum/thread/{hidden.pk}/change/").status_code == 302
    client.force_login(superuser)
    assert SECRET_TITLE in client.get("/admin/forum/thread/").content.decode()


def test_the_admins_forum_list_and_filters_hide_a_forum_from_moderators_who_may_not_see_it(
    client, staff, thread, admin_forum
):
    client.force_login(staff)
    assert "Board Office" not in client.get("/admin/forum/forum/").content.decode()
    assert "Board Office" not in client.get("/admin/forum/thread/").content.decode()
    assert "Board Office" not in client.get("/admin/forum/post/").content.decode()
    assert client.get(f"/admin/forum/forum/{admin_forum.pk}/change/").status_code == 302


def test_a_follower_who_loses_access_to_the_forum_gets_no_more_mail(
    forum, member, thread, django_capture_on_commit_callbacks
):
    # The member follows their own thread (subscribe on reply); the forum becomes staff-only.
    actions.apply_forum_preset(forums=[forum], preset="staff_only")
    staff = make_moderator("Late_Mod")
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_reply(thread=thread, author=staff, body="Moved behind closed doors.")
    assert mail.outbox == []


def test_a_follower_who_keeps_access_still_gets_mail(
    member, other_member, thread, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_reply(thread=thread, author=other_member, body="First reply")
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_the_subscription_list_leaves_out_what_the_member_may_no_longer_read(
    member_client, forum, thread
):
    assert "Shin splints" in member_client.get("/subscriptions/").content.decode()
    actions.apply_forum_preset(forums=[forum], preset="staff_only")
    assert "Shin splints" not in member_client.get("/subscriptions/").content.decode()


def test_a_mail_queued_before_the_forum_closed_is_not_sent(forum, member, other_member, thread):
    from following.models import Subscription
    from following.notifications import send_reply_mail

    post = actions.add_reply(thread=thread, author=other_member, body="A reply")
    subscription = Subscription.objects.get(user=member, thread=thread)
    actions.apply_forum_preset(forums=[forum], preset="staff_only")
    result = send_reply_mail.call(post.pk, subscription.pk)
    assert result == "not sent: the member may no longer read the forum"


def test_a_cached_visitor_page_is_not_served_once_the_forum_is_closed(
    client, settings, thread, forum, django_capture_on_commit_callbacks
):
    settings.BOARD_PAGE_CACHE_SECONDS = 300
    url = thread.get_absolute_url()
    assert client.get(url).status_code == 200
    assert client.get("/forums/running/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        actions.apply_forum_preset(forums=[forum], preset="staff_only")
    assert client.get(url).status_code == 404
    assert client.get("/forums/running/").status_code == 404
    assert "Shin splints" not in client.get("/").content.decode()


def test_a_member_never_gets_the_page_cached_for_visitors_nor_the_reverse(
    member_client, settings, forum, thread
):
    settings.BOARD_PAGE_CACHE_SECONDS = 300
    actions.apply_forum_preset(forums=[forum], preset="members_only")
    assert member_client.get("/forums/running/").status_code == 200
    guest = Client()
    assert guest.get("/forums/running/").status_code == 404
    assert "Shin splints" not in guest.get("/").content.decode()
