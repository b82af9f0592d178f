"""`?next=` and every other redirect built from what a visitor sent stay on this site."""

from urllib.parse import urlsplit

import pytest

from tests.moderation.conftest import make_moderator

OFF_SITE = [
    "https://evil.example",
    "https://evil.example/accounts/login/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    " //evil.example",
    "\t//evil.example",
    "https:evil.example",
    "http:evil",
    "http:/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://testserver@evil.example",
    "https://evil.example\\@testserver",
    "//evil.example%2f%2f",
    "https://evil.example#@testserver",
    "\x00//evil.example",
    "//evil。example",
]


def assert_on_site(response):
    assert response.status_code == 302
    location = response["Location"]
    parts = urlsplit(location)
    assert parts.scheme == "" and parts.netloc == "", location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_in_never_follows_next_off_site(client, member, target):
    response = client.post(
        "/accounts/login/",
        {"username": "Member_One", "password": "a-long-pass-42", "next": target},
    )
    assert_on_site(response)
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_in_with_next_in_the_query_string_never_leaves_the_site(client, member, target):
    response = client.post(
        "/accounts/login/",
        {"username": "Member_One", "password": "a-long-pass-42"},
        query_params={"next": target},
    )
    assert_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_logged_in_visit_to_the_login_page_never_follows_next_off_site(member_client, target):
    assert_on_site(member_client.get("/accounts/login/", query_params={"next": target}))


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_out_never_follows_next_off_site(member_client, target):
    assert_on_site(member_client.post("/accounts/logout/", {"next": target}))


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_admin_login_never_follows_next_off_site(client, forum, target):
    make_moderator("Forum_Mod", forums=[forum])
    response = client.post(
        "/admin/login/",
        {"username": "Forum_Mod", "password": "a-long-pass-42", "next": target},
    )
    assert_on_site(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_login_page_never_renders_an_off_site_next_into_its_form(client, db, target):
    response = client.get("/accounts/login/", query_params={"next": target})
    assert response.status_code == 200
    assert not urlsplit(response.context["next"]).netloc
    assert response.context["next"] in ("", target)


def test_an_on_site_next_is_followed(client, member, thread):
    url = thread.get_absolute_url() + "?page=1"
    response = client.post(
        "/accounts/login/",
        {"username": "Member_One", "password": "a-long-pass-42", "next": url},
    )
    assert response["Location"] == url


def test_an_encoded_double_slash_is_a_path_on_this_site_not_another_host(client, member):
    response = client.post(
        "/accounts/login/",
        {"username": "Member_One", "password": "a-long-pass-42", "next": "/%2f%2fevil.example"},
    )
    assert_on_site(response)


def test_a_member_only_page_sends_guests_to_log_in_and_back_to_the_same_page(client, db):
    response = client.get("/subscriptions/")
    assert response["Location"] == "/accounts/login/?next=/subscriptions/"


@pytest.mark.parametrize("slug", ["wrong", "caf%C3%A9", "%5C%5Cevil.example", "a%5Cb", "%E2%80%AE"])
def test_a_thread_address_with_a_wrong_slug_redirects_to_the_thread_keeping_the_query(
    client, thread, slug
):
    response = client.get(f"/threads/{thread.pk}/{slug}/?page=1")
    assert response.status_code == 302
    assert response["Location"] == f"/threads/{thread.pk}/shin-splints/?page=1"
