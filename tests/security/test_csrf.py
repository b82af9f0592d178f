"""Every form and POST endpoint refuses a POST without a CSRF token, even from a user it would
otherwise obey; with a token the same POST is not refused, so the 403 is the CSRF check's."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from following.models import Subscription
from following.notifications import unsubscribe_token
from tests.moderation.conftest import make_moderator

# A valid CSRF secret: the cookie holds it and a form may send it back as the token.
SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"

# (who, url, data): who posts, where, and what a real form would send besides the token.
ENDPOINTS = [
    ("guest", "/accounts/register/", {"username": "Newcomer"}),
    ("guest", "/accounts/login/", {"username": "Member_One", "password": "a-long-pass-42"}),
    ("guest", "/accounts/password/reset/", {"email": "member_one@example.com"}),
    ("guest", "/admin/login/", {"username": "Member_One", "password": "a-long-pass-42"}),
    ("member", "/accounts/logout/", {}),
    ("member", "/accounts/profile/", {"location": "Leeds"}),
    ("member", "/accounts/avatar/", {"place": "centre"}),
    ("member", "/accounts/avatar/remove/", {}),
    ("member", "/accounts/color-mode/", {"color_mode": "dark"}),
    ("member", "/accounts/password/", {"old_password": "a-long-pass-42"}),
    ("member", "/accounts/email/", {"new_email": "x@example.org", "password": "a-long-pass-42"}),
    ("member", "/accounts/two-factor/", {"code": "123456"}),
    ("member", "/accounts/two-factor/off/", {"password": "a-long-pass-42"}),
    ("member", "/accounts/sessions/", {}),
    ("member", "/accounts/data/", {}),
    ("member", "/accounts/leave/", {"how": "deactivate", "password": "a-long-pass-42"}),
    ("member", "/threads/{thread}/reply/", {"body": "Me too."}),
    ("member", "/forums/running/new-thread/", {"title": "Hello", "body": "Hi."}),
    ("member", "/posts/{reply}/edit/", {"body": "Edited."}),
    ("member", "/forums/running/mark-read/", {}),
    ("member", "/mark-all-read/", {}),
    ("member", "/threads/{other_thread}/follow/", {}),
    ("member", "/forums/running/follow/", {}),
    ("member", "/subscriptions/", {"remove": "{subscription}"}),
    ("member", "/posts/{other_post}/report/", {"reason": "Spam."}),
    ("member", "/messages/new/", {"recipients": "Member_Two", "subject": "Hi", "body": "Hi."}),
    ("member", "/messages/lists/", {"list": "contacts", "username": "Member_Two"}),
    ("member", "/posts/{other_post}/thank/", {}),
    ("member", "/posts/{other_post}/reputation/", {"amount": "1", "comment": "Good."}),
    ("member", "/threads/{thread}/poll/new/", {"question": "Q?", "options": "A\nB"}),
    ("member", "/notifications/read/", {}),
    ("member", "/notifications/settings/", {"kinds": "mention"}),
    ("moderator", "/threads/{thread}/moderate/", {"step": "lock"}),
    ("moderator", "/threads/{thread}/moderate/", {"step": "stick"}),
    ("moderator", "/threads/{thread}/moderate/", {"step": "remove", "reason": "Spam."}),
    ("moderator", "/threads/{thread}/moderate/", {"step": "restore"}),
    ("moderator", "/threads/{thread}/move/", {"forum": "{other_forum}"}),
    ("moderator", "/threads/{thread}/merge/", {"target": "{other_thread}"}),
    ("moderator", "/threads/{thread}/split/", {"numbers": "2", "title": "Split off"}),
    ("moderator", "/posts/{reply}/moderate/", {"step": "remove", "reason": "Spam."}),
    ("moderator", "/posts/{reply}/moderate/", {"step": "restore"}),
    (
        "moderator",
        "/posts/{reply}/infraction/",
        {"custom_reason": "Rude.", "points": "1", "expires_after_days": "5"},
    ),
    ("moderator", "/admin/forum/thread/", {"action": "lock", "_selected_action": "{thread}"}),
    ("superuser", "/admin/forum/archive-upload/", {}),
    (
        "superuser",
        "/admin/forum/forum/",
        {"action": "make_staff_only", "_selected_action": "{other_forum}"},
    ),
    ("moderator", "/admin/logout/", {}),
]


def ids(board) -> dict:
    return {
        "thread": board.thread.pk,
        "other_thread": board.other_thread.pk,
        "reply": board.reply.pk,
        "other_post": board.other_thread.first_post_id,
        "subscription": board.subscription.pk,
        "other_forum": board.other_forum.pk,
    }


def client_as(who: str, board, member) -> Client:
    client = Client(enforce_csrf_checks=True)
    if who == "member":
        client.force_login(member)
    elif who == "moderator":
        moderator = make_moderator("Forum_Mod", forums=[board.forum, board.other_forum])
        client.force_login(moderator)
    elif who == "superuser":
        client.force_login(
            User.objects.create_superuser("Boss", "boss@example.com", "a-long-pass-42")
        )
    return client


@pytest.mark.parametrize(("who", "url", "data"), ENDPOINTS, ids=lambda v: str(v)[:40])
def test_a_post_without_a_csrf_token_is_refused(board, member, who, url, data):
    url = url.format(**ids(board))
    data = {key: value.format(**ids(board)) for key, value in data.items()}
    client = client_as(who, board, member)
    client.cookies["csrftoken"] = SECRET

    response = client.post(url, data)
    assert response.status_code == 403
    assert b"CSRF" in response.content

    # The same user and data with the token: whatever the view says, it is no 403.
    response = client.post(url, {**data, "csrfmiddlewaretoken": SECRET})
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("url", ["/accounts/password/reset/{uid}/{token}/"])
def test_setting_a_new_password_from_the_mailed_link_needs_a_token(client, member, url):
    csrf_client = Client(enforce_csrf_checks=True)
    link = url.format(
        uid=urlsafe_base64_encode(force_bytes(member.pk)),
        token=default_token_generator.make_token(member),
    )
    # The link moves its token into the session and redirects to the set-password form.
    form_url = csrf_client.get(link)["Location"]
    csrf_client.cookies["csrftoken"] = SECRET
    new = {"new_password1": "another-pass-77", "new_password2": "another-pass-77"}
    assert csrf_client.post(form_url, new).status_code == 403
    assert csrf_client.post(form_url, {**new, "csrfmiddlewaretoken": SECRET}).status_code == 302


def test_one_click_unsubscribe_is_the_one_deliberate_exception(board):
    """RFC 8058: mail clients POST the List-Unsubscribe link with no page and no cookie; the
    signed token in the URL is the credential."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/unsubscribe/{unsubscribe_token(board.subscription)}/")
    assert response.status_code == 200
    assert not Subscription.objects.filter(pk=board.subscription.pk).exists()


def test_unsubscribe_without_a_valid_signature_changes_nothing(board):
    client = Client(enforce_csrf_checks=True)
    token = unsubscribe_token(board.subscription)
    assert client.post(f"/unsubscribe/{token[:-2]}xx/").status_code == 404
    assert Subscription.objects.filter(pk=board.subscription.pk).exists()
