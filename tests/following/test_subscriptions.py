"""Following threads and forums, and the mail a reply sends to followers."""

import logging
import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from following.models import Subscription
from following.notifications import notify_subscribers
from forum import actions
from forum.models import Post
from tests.conftest import make_member


@pytest.fixture
def follower(thread):
    """A member who replied to `thread`, and so follows it."""
    member = make_member("Follower")
    actions.add_reply(thread=thread, author=member, body="Following along")
    return member


def reply(thread, author, text="Another reply", capture=None):
    with capture(execute=True):
        return actions.add_reply(thread=thread, author=author, body=text)


def test_replying_follows_the_thread_unless_the_member_turned_it_off(thread, member):
    assert Subscription.objects.filter(user=member, thread=thread).exists()
    quiet = make_member("Quiet", subscribe_on_reply=False)
    actions.add_reply(thread=thread, author=quiet, body="x")
    assert not Subscription.objects.filter(user=quiet).exists()


def test_a_reply_mails_each_follower_once_but_never_its_author(
    thread, follower, other_member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    reply(thread, other_member, capture=django_capture_on_commit_callbacks)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "follower@example.com",
        "member_one@example.com",
    ]
    message = next(m for m in mail.outbox if m.to == ["follower@example.com"])
    assert 'Member_Two replied to the thread "Shin splints"' in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:8000/unsubscribe/"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\n", "\r\n", "\u2029", "\v"])
def test_a_title_stored_with_a_line_break_still_mails_with_a_one_line_subject(
    thread, follower, other_member, django_capture_on_commit_callbacks, separator
):
    # Stored as SQL, the admin or an import could before titles were refused a line break.
    type(thread).objects.filter(pk=thread.pk).update(title=f"Shin{separator}splints")
    mail.outbox.clear()
    reply(thread, other_member, capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.message()["Subject"] == "Reply to thread: Shin splints"


def test_no_second_mail_until_the_follower_visits_the_thread(
    client, thread, follower, other_member, django_capture_on_commit_callbacks
):
    reply(thread, other_member, "one", django_capture_on_commit_callbacks)
    mail.outbox.clear()
    reply(thread, other_member, "two", django_capture_on_commit_callbacks)
    assert "follower@example.com" not in [m.to[0] for m in mail.outbox]
    client.force_login(follower)
    client.get(thread.get_absolute_url())
    reply(thread, other_member, "three", django_capture_on_commit_callbacks)
    assert "follower@example.com" in [m.to[0] for m in mail.outbox]


def test_banned_or_inactive_followers_and_removed_posts_get_no_mail(
    thread, follower, other_member, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=follower.pk).update(is_active=False)
    mail.outbox.clear()
    post = reply(thread, other_member, capture=django_capture_on_commit_callbacks)
    assert "follower@example.com" not in [m.to[0] for m in mail.outbox]
    Post.objects.filter(pk=post.pk).update(is_removed=True)
    assert notify_subscribers(post.pk) == 0


def test_a_forum_follower_hears_of_new_threads(
    forum, member, other_member, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(other_member)
    client.post("/forums/running/follow/")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.create_thread(forum=forum, author=member, title="Hill repeats", body="How many?")
    assert [m.to for m in mail.outbox] == [["member_two@example.com"]]


def test_a_mail_failure_is_logged_and_the_reply_still_lands(
    client, thread, follower, other_member, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken_send(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)
    client.force_login(other_member)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/threads/{thread.pk}/reply/", {"body": "Still posted"})
    assert response.status_code == 302
    assert Post.objects.filter(body="Still posted").exists()
    assert "Could not mail" in caplog.text


def test_the_unsubscribe_link_works_logged_out_in_one_click(
    thread, follower, other_member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    reply(thread, other_member, capture=django_capture_on_commit_callbacks)
    body = next(m for m in mail.outbox if m.to == ["follower@example.com"]).body
    path = re.search(r"http://127\.0\.0\.1:8000(/unsubscribe/\S+/)", body).group(1)
    visitor = Client(enforce_csrf_checks=True)
    assert "Stop following" in visitor.get(path).content.decode()
    assert visitor.post(path).status_code == 200  # one-click POST, no session, no CSRF token
    assert not Subscription.objects.filter(user=follower, thread=thread).exists()
    assert visitor.post(path).status_code == 404


def test_a_forged_unsubscribe_token_is_a_404(client, db):
    assert client.get("/unsubscribe/1:forged/").status_code == 404


def test_the_subscriptions_page_lists_and_removes_subscriptions(client, thread, follower):
    client.force_login(follower)
    html = client.get("/subscriptions/").content.decode()
    assert "Shin splints" in html
    subscription = Subscription.objects.get(user=follower)
    client.post("/subscriptions/", {"remove": [str(subscription.pk), "abc"]})
    assert not Subscription.objects.filter(user=follower).exists()


def test_members_cannot_remove_someone_elses_subscription(client, thread, follower, member):
    client.force_login(member)
    client.post("/subscriptions/", {"remove": [str(Subscription.objects.get(user=follower).pk)]})
    assert Subscription.objects.filter(user=follower).exists()


def test_follow_and_unfollow_buttons_on_the_thread(client, thread, other_member):
    client.force_login(other_member)
    assert "Follow this thread" in client.get(thread.get_absolute_url()).content.decode()
    client.post(f"/threads/{thread.pk}/follow/")
    client.post(f"/threads/{thread.pk}/follow/")  # twice is still one subscription
    assert Subscription.objects.filter(user=other_member).count() == 1
    assert "Stop following" in client.get(thread.get_absolute_url()).content.decode()
    client.post(f"/threads/{thread.pk}/follow/", {"follow": "0"})
    assert not Subscription.objects.filter(user=other_member).exists()
