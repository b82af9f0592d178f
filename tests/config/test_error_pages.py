"""403, 404, 500 and CSRF failures answer in the board's layout with the view's reason; a
reply, new thread or edit refused by the CSRF check comes back filled in, never written."""

import re
import sys

import pytest
from django.test import Client, RequestFactory

from config.views import server_error
from forum import actions
from forum.models import Post, Thread
from tests.conftest import make_member

LAYOUT = 'class="board-header"'
# Two valid CSRF secrets: the cookie a page was rendered with, and the one that replaced it
# (logging in rotates it, for instance in another tab).
OLD_SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"
NEW_SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"


def test_a_missing_page_is_the_boards_404_with_the_views_reason(client, thread):
    response = client.get(f"/threads/{thread.pk}/{thread.slug}/?page=99")
    html = response.content.decode()
    assert response.status_code == 404
    assert LAYOUT in html and "We could not find that page" in html and "No such page." in html


def test_an_unknown_address_is_the_404_without_the_url_patterns(client, db):
    html = client.get("/no/such/address/").content.decode()
    assert LAYOUT in html and "We could not find that page" in html
    assert "Resolver404" not in html and "tried" not in html


def test_a_refusal_is_the_boards_403_with_the_views_reason(client, thread, other_member):
    client.force_login(other_member)
    response = client.get(f"/posts/{thread.first_post_id}/edit/")
    html = response.content.decode()
    assert response.status_code == 403
    assert LAYOUT in html and "You may no longer edit this post." in html


def test_the_500_page_is_in_the_layout_and_needs_no_database_or_request():
    # No `db` fixture: pytest-django fails any query this would make.
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert LAYOUT in html and "Something went wrong" in html and "IronWorks" in html
    assert "Log in" not in html and "a bug" not in html


def test_the_500_page_falls_back_to_plain_html_when_the_layout_cannot_render(settings):
    # A static file missing from collectstatic's manifest makes {% static %} raise.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = "/nonexistent-static-root"
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500 and "Something went wrong" in html
    assert sys.exc_info() == (None, None, None)


def test_a_bug_in_a_view_answers_with_the_layouts_500(db, monkeypatch):
    from forum import views

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(views, "board_index_data", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert LAYOUT in response.content.decode()


@pytest.fixture
def tab(member) -> Client:
    """A member's browser tab holding a page rendered with OLD_SECRET's token, whose cookie
    another tab then replaced."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.cookies["csrftoken"] = NEW_SECRET
    return client


def token_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def test_a_reply_refused_by_the_csrf_check_comes_back_filled_in_and_can_be_sent(
    tab, thread, member
):
    text = "Ice, rest & new shoes <3"
    data = {"body": text, "submission_key": "5b0c7f5e-0000-4000-8000-000000000001"}

    refused = tab.post(f"/threads/{thread.pk}/reply/", {**data, "csrfmiddlewaretoken": OLD_SECRET})

    html = refused.content.decode()
    assert refused.status_code == 403 and LAYOUT in html
    assert "Nothing was posted" in html and "CSRF" in html
    assert "Ice, rest &amp; new shoes &lt;3</textarea>" in html
    assert 'value="5b0c7f5e-0000-4000-8000-000000000001"' in html
    assert thread.posts.count() == 1

    sent = tab.post(f"/threads/{thread.pk}/reply/", {**data, "csrfmiddlewaretoken": token_of(html)})

    assert sent.status_code == 302
    assert thread.posts.latest("number").body == text


def test_a_new_thread_refused_by_the_csrf_check_keeps_its_title_and_text(tab, forum):
    refused = tab.post(
        f"/forums/{forum.slug}/new-thread/",
        {"title": "Knee pain", "body": "After squats", "csrfmiddlewaretoken": OLD_SECRET},
    )
    html = refused.content.decode()
    assert refused.status_code == 403 and "Nothing was posted" in html
    assert 'value="Knee pain"' in html and "After squats</textarea>" in html
    assert not Thread.objects.filter(title="Knee pain").exists()


def test_an_edit_refused_by_the_csrf_check_keeps_the_new_text_not_the_old(tab, thread):
    post = thread.first_post
    refused = tab.post(
        f"/posts/{post.pk}/edit/", {"body": "Edited text", "csrfmiddlewaretoken": OLD_SECRET}
    )
    html = refused.content.decode()
    assert refused.status_code == 403 and "Edited text</textarea>" in html
    assert Post.objects.get(pk=post.pk).body == post.body


def test_the_csrf_refusal_of_a_form_runs_the_views_access_checks(thread, member):
    intruder = make_member("Intruder")
    client = Client(enforce_csrf_checks=True)
    client.force_login(intruder)
    client.cookies["csrftoken"] = NEW_SECRET
    post = thread.first_post

    refused = client.post(
        f"/posts/{post.pk}/edit/", {"body": "Mine now", "csrfmiddlewaretoken": OLD_SECRET}
    )

    html = refused.content.decode()
    assert refused.status_code == 403 and "You may no longer edit this post." in html
    assert "Mine now" not in html and post.body not in html
    moderator = make_member("Mod", is_staff=True, is_superuser=True)
    actions.remove_thread(thread=thread, moderator=moderator, reason="Spam")
    hidden = client.post(
        f"/threads/{thread.pk}/reply/", {"body": "Hello", "csrfmiddlewaretoken": OLD_SECRET}
    )
    assert hidden.status_code == 404


def test_other_csrf_refusals_explain_in_the_layout(tab, forum):
    response = tab.post(f"/forums/{forum.slug}/mark-read/", {"csrfmiddlewaretoken": OLD_SECRET})
    html = response.content.decode()
    assert response.status_code == 403
    assert LAYOUT in html and "That form has expired" in html and "CSRF" in html


def test_a_very_long_query_string_gets_the_boards_414_page_without_touching_the_database(
    client, db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/search/?q=" + "x" * 5000)
    html = response.content.decode()
    assert response.status_code == 414
    assert LAYOUT in html and "That address is too long" in html
    assert 'href="/search/"' in html


def test_a_search_of_the_longest_allowed_words_is_not_taken_for_a_long_address(client, db):
    assert client.get("/search/", {"q": "ü" * 200}).status_code == 200
