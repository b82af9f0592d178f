"""Every member-only and moderator-only address, tried by a guest and by a plain member (the
thread's own author): never a page or a change where there must be none."""

from urllib.parse import urlsplit

import pytest

from forum.models import Post, Thread
from tests.moderation.conftest import make_moderator

# (method, url, data). Ids are filled from the board fixture.
MEMBER_ONLY = [
    ("get", "/accounts/profile/", {}),
    ("post", "/accounts/profile/", {"location": "Leeds"}),
    ("get", "/accounts/avatar/", {}),
    ("post", "/accounts/avatar/", {"place": "centre"}),
    ("post", "/accounts/avatar/remove/", {}),
    ("post", "/accounts/color-mode/", {"color_mode": "dark"}),
    ("get", "/accounts/password/", {}),
    ("get", "/accounts/email/", {}),
    ("post", "/accounts/email/", {"new_email": "x@example.org", "password": "a-long-pass-42"}),
    ("get", "/accounts/two-factor/", {}),
    ("post", "/accounts/two-factor/", {"code": "123456"}),
    ("post", "/accounts/two-factor/off/", {"password": "a-long-pass-42"}),
    ("post", "/accounts/two-factor/recovery-codes/", {"password": "a-long-pass-42"}),
    ("get", "/accounts/sessions/", {}),
    ("post", "/accounts/sessions/", {}),
    ("get", "/accounts/data/", {}),
    ("post", "/accounts/data/", {}),
    ("get", "/accounts/leave/", {}),
    ("post", "/accounts/leave/", {"how": "deactivate", "password": "a-long-pass-42"}),
    ("post", "/accounts/password/", {"old_password": "a-long-pass-42"}),
    ("get", "/accounts/password/done/", {}),
    ("get", "/subscriptions/", {}),
    ("post", "/subscriptions/", {"remove": "{subscription}"}),
    ("get", "/new/", {}),
    ("post", "/mark-all-read/", {}),
    ("get", "/notifications/", {}),
    ("post", "/notifications/read/", {}),
    ("get", "/notifications/settings/", {}),
    ("post", "/notifications/settings/", {"kinds": "mention"}),
    ("post", "/posts/{reply}/thank/", {}),
    ("get", "/posts/{reply}/reputation/", {}),
    ("post", "/posts/{reply}/reputation/", {"amount": "1"}),
    ("get", "/threads/{thread}/poll/new/", {}),
    ("post", "/threads/{thread}/poll/new/", {"question": "Q", "options": "A\nB"}),
    ("get", "/threads/{thread}/unread/", {}),
    ("post", "/threads/{thread}/follow/", {}),
    ("post", "/forums/running/follow/", {}),
    ("post", "/forums/running/mark-read/", {}),
    ("get", "/threads/{thread}/reply/", {}),
    ("post", "/threads/{thread}/reply/", {"body": "Guest reply."}),
    ("get", "/forums/running/new-thread/", {}),
    ("post", "/forums/running/new-thread/", {"title": "Guest thread", "body": "Hi."}),
    ("get", "/posts/{reply}/edit/", {}),
    ("post", "/posts/{reply}/edit/", {"body": "Guest edit."}),
    ("get", "/posts/{other_post}/report/", {}),
    ("post", "/posts/{other_post}/report/", {"reason": "Guest report."}),
    ("get", "/messages/", {}),
    ("get", "/messages/sent/", {}),
    ("get", "/messages/new/", {}),
    ("post", "/messages/new/", {"recipients": "Member_Two", "subject": "Hi", "body": "Hi."}),
    ("get", "/messages/lists/", {}),
    ("post", "/messages/lists/", {"list": "ignore", "username": "Member_Two"}),
    ("get", "/messages/reports/", {}),
]
MODERATOR_ONLY = [
    ("post", "/threads/{thread}/moderate/", {"step": "lock"}),
    ("post", "/threads/{thread}/moderate/", {"step": "unlock"}),
    ("post", "/threads/{thread}/moderate/", {"step": "stick"}),
    ("post", "/threads/{thread}/moderate/", {"step": "unstick"}),
    ("post", "/threads/{thread}/moderate/", {"step": "remove", "reason": "Spam."}),
    ("post", "/threads/{thread}/moderate/", {"step": "restore"}),
    ("get", "/threads/{thread}/move/", {}),
    ("post", "/threads/{thread}/move/", {"forum": "{other_forum}"}),
    ("get", "/threads/{thread}/merge/", {}),
    ("post", "/threads/{thread}/merge/", {"target": "{other_thread}"}),
    ("get", "/threads/{thread}/split/", {}),
    ("post", "/threads/{thread}/split/", {"numbers": "2", "title": "Split off"}),
    ("post", "/posts/{reply}/moderate/", {"step": "remove", "reason": "Spam."}),
    ("post", "/posts/{reply}/moderate/", {"step": "restore"}),
    ("get", "/posts/{reply}/history/", {}),
    ("get", "/posts/{reply}/infraction/", {}),
    (
        "post",
        "/posts/{reply}/infraction/",
        {"custom_reason": "Rude.", "points": "1", "expires_after_days": "5"},
    ),
]
ADMIN_ONLY = [
    "/admin/",
    "/admin/forum/thread/",
    "/admin/forum/thread/{thread}/change/",
    "/admin/forum/post/",
    "/admin/forum/post/{reply}/change/",
    "/admin/forum/infraction/",
    "/admin/community/poll/",
    "/admin/community/reputation/",
    "/admin/forum/forum/",
    "/admin/forum/forum/{forum}/change/",
    "/admin/forum/announcement/",
    "/admin/forum/announcement/add/",
    "/admin/accounts/user/",
    "/admin/forum/archive-upload/",
    "/admin/messaging/messagereport/",
    "/admin/messaging/reportread/",
]


def fill(text: str, board) -> str:
    return text.format(
        thread=board.thread.pk,
        other_thread=board.other_thread.pk,
        reply=board.reply.pk,
        other_post=board.other_thread.first_post_id,
        subscription=board.subscription.pk,
        other_forum=board.other_forum.pk,
        forum=board.thread.forum_id,
    )


def request(client, board, method, url, data):
    url = fill(url, board)
    return url, getattr(client, method)(url, {k: fill(v, board) for k, v in data.items()})


def assert_board_unchanged(board):
    thread = Thread.objects.get(pk=board.thread.pk)
    assert (thread.is_locked, thread.is_sticky, thread.is_removed) == (False, False, False)
    assert thread.forum_id == board.forum.pk and thread.post_count == 2
    assert Post.objects.filter(thread=thread, is_removed=False).count() == 2
    assert Post.objects.get(pk=board.reply.pk).body == "Still hurting."
    assert not Thread.objects.filter(title__in=["Guest thread", "Split off"]).exists()


def ids(value):
    return " ".join(str(part)[:30] for part in value) if isinstance(value, tuple) else value


@pytest.mark.parametrize(("method", "url", "data"), MEMBER_ONLY + MODERATOR_ONLY, ids=ids)
def test_a_guest_is_sent_to_log_in_or_refused(client, board, method, url, data):
    url, response = request(client, board, method, url, data)
    if response.status_code == 302:
        assert response["Location"] == f"/accounts/login/?next={urlsplit(url).path}"
    else:
        assert response.status_code in (403, 404, 405)
    assert_board_unchanged(board)


@pytest.mark.parametrize(("method", "url", "data"), MODERATOR_ONLY, ids=ids)
def test_a_plain_member_is_refused_every_moderation_step_even_on_their_own_thread(
    client, board, member, method, url, data
):
    client.force_login(member)
    url, response = request(client, board, method, url, data)
    assert response.status_code in (403, 404)
    assert_board_unchanged(board)


@pytest.mark.parametrize(("method", "url", "data"), MODERATOR_ONLY, ids=ids)
def test_the_forums_moderator_is_let_through_so_those_addresses_are_real(
    client, board, method, url, data
):
    client.force_login(make_moderator("Forum_Mod", forums=[board.forum, board.other_forum]))
    url, response = request(client, board, method, url, data)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("url", ADMIN_ONLY)
def test_guests_and_plain_members_get_only_the_admin_login(client, board, member, url):
    url = fill(url, board)
    for who in (None, member):
        if who is not None:
            client.force_login(who)
        response = client.get(url)
        assert response.status_code in (302, 403, 404), who
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/?next=")


def test_a_member_cannot_edit_another_members_post(client, board, other_member):
    client.force_login(other_member)
    url = f"/posts/{board.reply.pk}/edit/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "Not yours."}).status_code == 403
    assert_board_unchanged(board)


def test_a_removed_thread_is_hidden_from_guests_and_members(client, board, member, other_member):
    Thread.objects.filter(pk=board.other_thread.pk).update(is_removed=True)
    urls = [
        f"/threads/{board.other_thread.pk}/knee-pain/",
        f"/threads/{board.other_thread.pk}/reply/",
        f"/posts/{board.other_thread.first_post_id}/",
        f"/posts/{board.other_thread.first_post_id}/report/",
    ]
    for who in (None, member, other_member):
        if who is not None:
            client.force_login(who)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (302, 404), (who, url)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/")
