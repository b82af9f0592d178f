"""Pages that show one member's own data, or a form with their CSRF token, tell shared caches
(proxies, CDNs) never to keep them."""

import pytest

from tests.moderation.conftest import make_moderator

MEMBER_PAGES = [
    "/accounts/profile/",
    "/accounts/avatar/",
    "/accounts/password/",
    "/accounts/email/",
    "/accounts/two-factor/",
    "/accounts/sessions/",
    "/accounts/data/",
    "/accounts/leave/",
    "/subscriptions/",
    "/new/",
    "/threads/{thread}/reply/",
    "/threads/{thread}/reply/?quote={reply}",
    "/forums/running/new-thread/",
    "/posts/{reply}/edit/",
    "/posts/{other_post}/report/",
    "/messages/",
    "/messages/sent/",
    "/messages/new/",
    "/messages/lists/",
    "/posts/{other_post}/reputation/",
    "/threads/{thread}/poll/new/",
    "/notifications/",
    "/notifications/settings/",
]
MODERATOR_PAGES = [
    "/threads/{thread}/move/",
    "/threads/{thread}/merge/",
    "/threads/{thread}/split/",
    "/posts/{reply}/history/",
]


def assert_kept_out_of_shared_caches(response):
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "private" in cache_control or {"no-store", "no-cache"} & cache_control
    assert "public" not in cache_control


def fill(url, board):
    return url.format(
        thread=board.thread.pk, reply=board.reply.pk, other_post=board.other_thread.first_post_id
    )


@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_a_members_own_pages_are_never_cached_by_shared_caches(client, board, member, url):
    client.force_login(member)
    response = client.get(fill(url, board))
    assert response.status_code == 200
    assert_kept_out_of_shared_caches(response)


@pytest.mark.parametrize("url", MODERATOR_PAGES)
def test_moderation_pages_are_never_cached_by_shared_caches(client, board, url):
    client.force_login(make_moderator("Forum_Mod", forums=[board.forum]))
    response = client.get(fill(url, board))
    assert response.status_code == 200
    assert_kept_out_of_shared_caches(response)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/threads/{thread}/reply/", {"body": "", "submission_key": ""}),
        ("/threads/{thread}/reply/", {"body": "A preview.", "preview": "1"}),
        ("/forums/running/new-thread/", {"title": "", "body": ""}),
        ("/posts/{reply}/edit/", {"body": ""}),
        ("/accounts/profile/", {"signature": "\x00"}),
    ],
)
def test_a_form_shown_again_with_errors_or_a_preview_is_never_cached(
    client, board, member, url, data
):
    client.force_login(member)
    response = client.post(fill(url, board), data)
    assert response.status_code == 200
    assert_kept_out_of_shared_caches(response)


def test_the_login_page_is_never_cached(client, db):
    assert_kept_out_of_shared_caches(client.get("/accounts/login/"))
