"""Hostile text typed into posts, titles, signatures and usernames reaches pages inert."""

from html.parser import HTMLParser

import pytest

from accounts.models import User
from accounts.validators import text_problem
from forum import actions
from forum.models import Thread
from tests.forum.test_markup import HOSTILE_INPUTS

# The page's own scripts: Bootstrap's, the colour mode's and, under a message box, the BBCode
# toolbar's, all files; nothing a member writes may add one.
OWN_SCRIPTS = {
    "/static/vendor/bootstrap/bootstrap.bundle.min.js",
    "/static/js/theme.js",
    "/static/js/bbcode_toolbar.js",
}
# What the forms refuse outright (NUL and control bytes, lone surrogates ...) is left out.
STORABLE = [text for text in HOSTILE_INPUTS if text_problem(text.replace("\r", "\n")) is None]


class PageChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "inline")
        if (
            tag in {"iframe", "object", "embed", "svg", "math", "style", "base", "meta"}
            and tag != "meta"
        ):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src", "action", "formaction"} and value.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.problems.append(f"{tag}[{name}={value[:30]}]")
            if (
                name == "style"
                and tag == "span"
                and any(bad in value for bad in ("url(", "expression", "position", ";"))
            ):
                self.problems.append(f"span[style={value[:30]}]")


def assert_page_inert(html: str) -> None:
    checker = PageChecker()
    checker.feed(html)
    checker.close()
    assert checker.problems == []
    assert set(checker.scripts) <= OWN_SCRIPTS
    assert {"/static/js/theme.js", "/static/vendor/bootstrap/bootstrap.bundle.min.js"} <= set(
        checker.scripts
    )


def test_most_hostile_inputs_are_storable_so_the_pages_really_see_them():
    assert len(STORABLE) >= 40


@pytest.mark.parametrize("text", STORABLE)
def test_hostile_post_bodies_and_titles_render_inert_on_every_page(client, member, forum, text):
    title = text[:100].strip() or "x"
    post = actions.create_thread(forum=forum, author=member, title=title, body=text)
    actions.add_reply(thread=post.thread, author=member, body=f"[quote=x;{post.pk}]{text}[/quote]")
    for url in (post.thread.get_absolute_url(), "/forums/running/", "/", f"/members/{member.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert_page_inert(response.content.decode())


@pytest.mark.parametrize("text", STORABLE)
def test_hostile_signatures_render_inert_under_posts(client, member, thread, text):
    client.force_login(member)
    client.post("/accounts/profile/", {"signature": text[:500], "time_zone": ""})
    assert_page_inert(client.get(thread.get_absolute_url()).content.decode())


@pytest.mark.parametrize("text", HOSTILE_INPUTS[:20] + ['"><script>alert(1)</script>'])
def test_hostile_usernames_are_refused_at_registration(client, db, text):
    client.post(
        "/accounts/register/",
        {
            "username": text,
            "email": "x@example.com",
            "password1": "zq-9-long-pass",
            "password2": "zq-9-long-pass",
        },
    )
    assert not User.objects.exists()


def test_a_hostile_name_that_got_in_another_way_is_escaped_everywhere(client, forum):
    """Imported archives may bring any name; pages must still escape it."""
    imported = User.objects.create_user('"><img src=x onerror=alert(1)>')
    post = actions.create_thread(forum=forum, author=imported, title="t", body="b")
    for url in (post.thread.get_absolute_url(), "/forums/running/", "/", "/members/"):
        assert_page_inert(client.get(url).content.decode())
    assert Thread.objects.count() == 1
