"""Who reads the board in which language: a member in the one they chose, a visitor in the
board's LANGUAGE_CODE or the footer switch's choice; mail in the recipient's language; dates in
vBulletin's format for the language."""

import datetime
import zoneinfo

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from forum.templatetags.board import board_time, join_date

GERMAN_NAV = ">Foren</a>"


def test_a_member_chooses_german_in_the_profile_and_reads_german_pages(member_client, member):
    response = member_client.post("/accounts/profile/", {"language": "de", "time_zone": ""})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "de"
    page = member_client.get("/")
    assert '<html lang="de"' in page.text and GERMAN_NAV in page.text
    assert page["Content-Language"] == "de"


def test_a_member_who_chose_none_reads_the_boards_language(member_client, settings):
    settings.LANGUAGE_CODE = "de"

    assert GERMAN_NAV in member_client.get("/").text


def test_a_visitor_reads_the_boards_language_whatever_the_browser_asks(client, db, settings):
    assert '<html lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="de").text
    settings.LANGUAGE_CODE = "de"
    assert '<html lang="de"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").text


def test_a_visitor_picks_german_in_the_footer_without_a_csrf_token(db):
    visitor = Client(enforce_csrf_checks=True)
    assert 'name="language" value="de"' in visitor.get("/members/").text

    response = visitor.post("/language/", {"language": "de", "next": "/members/"})

    assert response.status_code == 302 and response.url == "/members/"
    assert GERMAN_NAV in visitor.get("/members/").text


def test_a_visitors_cached_page_is_kept_once_per_language(client, db, settings):
    settings.BOARD_PAGE_CACHE_SECONDS = 300
    assert '<html lang="en"' in client.get("/members/").text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert '<html lang="de"' in client.get("/members/").text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en"' in client.get("/members/").text


def test_a_member_who_chose_german_gets_german_mail_whoever_asks(client, member):
    member.language = "de"
    member.save(update_fields=["language"])

    client.post("/accounts/password/reset/", {"email": "member_one@example.com"})

    assert [message.subject for message in mail.outbox] == ["Passwort zurücksetzen"]
    assert mail.outbox[0].body.startswith("Hallo Member_One,")
    assert translation.get_language() == "en"  # the visitor's request stays in English


def test_a_member_who_chose_none_gets_mail_in_the_boards_language(client, member):
    client.post("/accounts/password/reset/", {"email": "member_one@example.com"})

    assert [message.subject for message in mail.outbox] == ["Reset your password"]


def test_times_keep_vbulletins_stamps_in_each_language():
    when = datetime.datetime(2007, 12, 11, 22, 22, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    with timezone.override("America/New_York"):
        with translation.override("en"):
            assert (board_time(when), join_date(when)) == ("12-11-2007 10:22 PM", "Dec 2007")
        with translation.override("de"):
            assert (board_time(when), join_date(when)) == ("11.12.2007, 22:22", "Dez 2007")


def test_post_counts_are_grouped_as_the_language_groups_them():
    with translation.override("de"):
        assert intcomma(1234567) == "1.234.567"
    with translation.override("en"):
        assert intcomma(1234567) == "1,234,567"
