"""Registering, logging in, passwords, profiles and the member list."""

import re

import pytest
from django.core import mail

from accounts.models import User, username_key
from forum import actions
from forum.models import Thread

PASSWORD = "treadmill-2007-hiit"


def register(client, username, email="new@example.com", password=PASSWORD):
    return client.post(
        "/accounts/register/",
        {"username": username, "email": email, "password1": password, "password2": password},
    )


def test_a_visitor_registers_and_is_logged_in(client, db):
    response = register(client, "Cardio Kid")
    assert response.status_code == 302
    member = User.objects.get(username="Cardio Kid")
    assert member.check_password(PASSWORD)
    assert client.get("/").context["user"] == member


@pytest.mark.slow
def test_passwords_are_stored_with_the_production_hasher(client, db, production_password_hashers):
    """Every other test hashes with MD5, for speed (tests/conftest.py)."""
    register(client, "Cardio Kid")
    algorithm, iterations, *_ = User.objects.get(username="Cardio Kid").password.split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) >= 1_000_000
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"username": "Cardio Kid", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"].username == "Cardio Kid"


@pytest.mark.parametrize(
    "taken",
    # full-width; Latin R with Cyrillic о and ѕ; Greek ο
    ["ross86", "ROSS86", "Ross86 ", " Ross86", "Ｒｏｓｓ８６", "Rоѕѕ86", "Rοss86"],
)
def test_usernames_that_look_like_an_existing_one_are_refused(client, sample, taken):
    response = register(client, taken)
    assert "looks too much like one that is" in response.content.decode()
    assert User.objects.filter(username_key=username_key("Ross86")).count() == 1


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("ab", "3 to 25 characters"),
        ("x" * 26, "3 to 25 characters"),
        ("bad<name>", "letters, digits, spaces"),
        ("semi;colon", "letters, digits, spaces"),
        ("emoji🙂name", "letters, digits, spaces"),
        ("null\x00name", "Null characters are not allowed"),
        ("   ", "This field is required"),
    ],
)
def test_bad_usernames_get_a_clear_message(client, db, username, message):
    response = register(client, username)
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_usernames_may_hold_spaces_digits_and_dots(client, db):
    register(client, "Iron  Worker.2007-x")
    assert User.objects.filter(username="Iron Worker.2007-x").exists()


def test_weak_passwords_are_refused(client, member):
    assert "too common" in register(client, "Runner_A", password="password").content.decode()


@pytest.mark.parametrize("login", ["Member_One", "member_one", "member_one@example.com"])
def test_members_log_in_with_username_or_email(client, member, login):
    response = client.post("/accounts/login/", {"username": login, "password": "a-long-pass-42"})
    assert response.status_code == 302
    assert client.get("/").context["user"] == member


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, member):
    response = client.post("/accounts/login/", {"username": "Member_One", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username or email and password" in response.content.decode()


def test_login_never_redirects_off_site(client, member):
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "Member_One", "password": "a-long-pass-42", "next": "https://evil.example/"},
    )
    assert response.url == "/"


def test_log_out_is_a_post(member_client):
    assert member_client.get("/accounts/logout/").status_code == 405
    member_client.post("/accounts/logout/")
    assert not member_client.get("/").context["user"].is_authenticated


def test_a_member_changes_their_password(member_client, member):
    response = member_client.post(
        "/accounts/password/",
        {"old_password": "a-long-pass-42", "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.url == "/accounts/password/done/"
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, member):
    client.post("/accounts/password/reset/", {"email": "member_one@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    form_url = client.get(link.group(1)).url  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.url == "/accounts/password/reset/complete/"
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_a_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client, db):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.url == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_with_email_confirmation_on_a_new_member_posts_only_after_clicking_the_link(
    client, sample, settings, django_capture_on_commit_callbacks
):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes once the account commits
        register(client, "Careful One", email="careful@example.com")
    member = User.objects.get(username="Careful One")
    response = client.post("/threads/1/reply/", {"body": "hi"})
    assert response.status_code == 302 and Thread.objects.get(pk=1).post_count == 10
    link = re.search(r"http://testserver(/accounts/confirm/\S+/)", mail.outbox[0].body)[1]
    client.get(link)
    member.refresh_from_db()
    assert member.email_confirmed
    client.post("/threads/1/reply/", {"body": "hi"})
    assert Thread.objects.get(pk=1).post_count == 11


def test_a_forged_confirmation_link_is_a_404(client, db):
    assert client.get("/accounts/confirm/forged:token/").status_code == 404


def test_a_member_sets_a_time_zone_and_every_time_moves(client, sample):
    member = User.objects.create_user("Tokyo Runner", "t@example.com", PASSWORD)
    client.force_login(member)
    assert "12-11-2007 10:22 PM" in client.get("/threads/1/cardio-back-pain/").content.decode()
    client.post("/accounts/profile/", {"time_zone": "Asia/Tokyo", "location": "", "signature": ""})
    html = client.get("/threads/1/cardio-back-pain/").content.decode()
    assert "12-12-2007 12:22 PM" in html and "12-11-2007 10:22 PM" not in html


def test_an_unknown_time_zone_is_refused(member_client, member):
    response = member_client.post("/accounts/profile/", {"time_zone": "Mars/Olympus"})
    assert "Select a valid choice" in response.content.decode()


def test_a_signature_is_rendered_under_the_members_posts(member_client, member, thread):
    member_client.post(
        "/accounts/profile/",
        {"signature": "[b]Run[/b] <script>alert(1)</script>", "location": "Ohio", "time_zone": ""},
    )
    html = member_client.get(thread.get_absolute_url()).content.decode()
    assert '<div class="postbit-signature"><strong>Run</strong> &lt;script&gt;' in html
    assert "<script>alert" not in html
    assert "Location:</dt> <dd>Ohio</dd>" in html


def test_a_too_long_signature_is_refused(member_client, member, settings):
    response = member_client.post("/accounts/profile/", {"signature": "s" * 501, "time_zone": ""})
    assert "too long" in response.content.decode()


def test_only_members_with_the_right_may_set_a_user_title(member_client, member, settings):
    member_client.post("/accounts/profile/", {"user_title": "King of Cardio", "time_zone": ""})
    member.refresh_from_db()
    assert member.user_title == "" and member.display_title == "Junior Member"
    User.objects.filter(pk=member.pk).update(post_count=settings.BOARD_CUSTOM_TITLE_POSTS)
    member_client.post("/accounts/profile/", {"user_title": "King of Cardio", "time_zone": ""})
    member.refresh_from_db()
    assert member.display_title == "King of Cardio"


def test_rank_follows_the_post_count_ladder(member):
    for count, rank in [(0, "Junior Member"), (30, "Member"), (100, "Senior Member")]:
        member.post_count = count
        assert member.rank == rank


def test_profile_settings_are_never_cached_by_shared_caches(member_client):
    response = member_client.get("/accounts/profile/")
    assert "private" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_the_member_list_sorts_by_name_join_date_and_posts(client, sample):
    def names(sort):
        html = client.get("/members/", {"sort": sort}).content.decode()
        return re.findall(r'<td><a href="/members/\d+/">([^<]+)</a>', html)

    assert names("name") == ["Eddie0206", "iron_worker", "MONSTAFACE", "Pitysister", "Ross86"]
    assert names("posts")[:2] == ["Ross86", "iron_worker"]
    assert names("joined")[0] == "iron_worker"
    assert names("bogus") == names("name")
    assert names("-name") == names("name")[::-1]
    assert names("-posts")[-2:] == ["iron_worker", "Ross86"]


def test_the_member_list_heading_sorts_by_username_and_then_turns_the_order_round(client, sample):
    html = client.get("/members/", {"sort": "posts"}).content.decode()
    assert '<a href="?sort=name">User Name</a>' in html
    html = client.get("/members/", {"sort": "name"}).content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-name">User Name' in html
    assert '<nav aria-label="Breadcrumb">' in html


def test_the_member_list_keeps_its_order_from_page_to_page(client, sample, settings):
    settings.BOARD_MEMBERS_PER_PAGE = 2
    html = client.get("/members/", {"sort": "-name"}).content.decode()
    assert 'href="?sort=-name&amp;page=2"' in html


def test_the_member_list_runs_two_queries(client, sample, django_assert_num_queries):
    # 1: count for the pages; 2: the page of members
    with django_assert_num_queries(2):
        client.get("/members/?sort=posts")


def test_members_pages_refuse_odd_page_numbers(client, sample):
    assert client.get("/members/", {"page": "9999"}).status_code == 404


def test_a_members_own_reply_raises_their_count_on_their_profile(client, sample, member):
    actions.add_reply(thread=Thread.objects.get(pk=1), author=member, body="Hello")
    html = client.get(f"/members/{member.pk}/").content.decode()
    assert 'Total Posts</dt><dd class="col-sm-9">1</dd>' in html


def test_a_member_picks_dark_colours_in_the_footer_and_every_page_is_dark(member_client, member):
    response = member_client.post(
        "/accounts/color-mode/", {"color_mode": "dark", "next": "/members/"}
    )

    assert response.status_code == 302 and response.url == "/members/"
    member.refresh_from_db()
    assert member.color_mode == "dark"
    html = member_client.get("/").content.decode()
    assert '<html lang="en" data-color-mode="dark" data-bs-theme="dark">' in html
    assert 'value="dark" data-color-mode-choice aria-pressed="true"' in html


@pytest.mark.parametrize("mode", ["", "purple", "dark\x00", "x" * 5000])
def test_an_unknown_colour_mode_changes_nothing(member_client, member, mode):
    member_client.post("/accounts/color-mode/", {"color_mode": mode})
    member.refresh_from_db()
    assert member.color_mode == "auto"


def test_the_colour_switch_never_sends_a_member_off_the_board(member_client):
    response = member_client.post(
        "/accounts/color-mode/", {"color_mode": "light", "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_visitors_pages_carry_the_colour_switch_but_no_form(client, sample):
    html = client.get("/").content.decode()
    assert "data-color-mode-switch hidden" in html and "data-bs-theme" not in html
    assert "csrfmiddlewaretoken" not in html  # their pages stay cacheable
    assert client.post("/accounts/color-mode/", {"color_mode": "dark"}).status_code == 302
    assert client.get("/accounts/color-mode/").status_code in (302, 405)


def test_the_time_zone_menu_offers_current_zones_by_region_with_offsets(member_client):
    html = member_client.get("/accounts/profile/").content.decode()

    assert '<optgroup label="Europe">' in html and '<optgroup label="America">' in html
    assert re.search(r'<option value="Europe/Paris">Paris \(UTC\+0[12]:00\)</option>', html)
    assert re.search(r"The board&#x27;s time zone: America/New_York \(UTC-0[45]:00\)", html)
    for deprecated in ["US/Eastern", "Asia/Calcutta", "GB", "America/Buenos_Aires"]:
        assert f'value="{deprecated}"' not in html
    assert 'data-zone-search="Find a time zone' in html


def test_a_deprecated_zone_a_member_saved_stays_theirs_when_they_save_again(member_client, member):
    member.time_zone = "US/Eastern"
    member.save()

    html = member_client.get("/accounts/profile/").content.decode()
    assert '<option value="US/Eastern" selected>' in html
    member_client.post(
        "/accounts/profile/", {"location": "", "time_zone": "US/Eastern", "signature": ""}
    )
    member.refresh_from_db()
    assert member.time_zone == "US/Eastern"


def test_the_colour_switch_runs_three_queries(member_client, django_assert_num_queries):
    # 1: the session; 2: the member; 3: the member's colour mode written
    with django_assert_num_queries(3):
        member_client.post("/accounts/color-mode/", {"color_mode": "dark"})
