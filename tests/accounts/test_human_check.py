"""The human check at registration: a honeypot, a minimum fill time and the admin's question,
with no script (the CSP forbids inline ones) and no outside service."""

import re
import time

import pytest
from django.test import Client

from accounts.forms import HumanCheckFields, human_check_token
from accounts.models import AddressRecord, HumanQuestion, User
from tests.conftest import make_member

PASSWORD = "treadmill-2007-hiit"


@pytest.fixture(autouse=True)
def human_check(settings):
    settings.BOARD_HUMAN_CHECK = "on"
    settings.BOARD_HUMAN_CHECK_MIN_SECONDS = 3
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def question(db):
    return HumanQuestion.objects.create(
        question="What do we lift at IronWorks?", answers="weights\nIron\n  dumb bells "
    )


def fields(question=None, waited: float = 10, **extra) -> dict:
    return {
        "username": "New One",
        "email": "new@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "website": "",
        "human_token": human_check_token(question.pk if question else None, time.time() - waited),
        **extra,
    }


def register(data, address="192.0.2.1"):
    return Client(REMOTE_ADDR=address).post("/accounts/register/", data)


def registered() -> bool:
    return User.objects.filter(username="New One").exists()


@pytest.mark.parametrize("answer", ["weights", "IRON", "Dumb  Bells"])
def test_a_person_who_answers_the_question_registers(question, answer):
    assert register(fields(question, human_answer=answer)).status_code == 302
    assert registered()


def test_a_wrong_answer_is_refused_and_the_question_asked_again(question):
    response = register(fields(question, human_answer="cardio"))

    html = response.content.decode()
    assert "That is not the answer we were looking for." in html
    assert "What do we lift at IronWorks?" in html and not registered()


def test_the_registration_page_asks_an_active_question_and_carries_a_signed_time(client, question):
    html = client.get("/accounts/register/").content.decode()

    assert "What do we lift at IronWorks?" in html
    token = re.search(r'name="human_token" value="([^"]+)"', html).group(1)
    issued = HumanCheckFields.read_token(token)
    assert issued["q"] == question.pk and abs(issued["t"] - time.time()) < 60
    assert "Leave this empty" in html


def test_the_page_has_no_inline_script_and_hides_the_honeypot_with_the_stylesheet(client, db):
    html = client.get("/accounts/register/").content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert re.search(r'id="div_id_website"', html) and "style=" not in html.split("<main")[1]


def test_a_filled_honeypot_is_refused(question):
    response = register(fields(question, human_answer="iron", website="http://spam.example"))

    assert "Leave the field" in response.content.decode() and not registered()


def test_a_form_sent_faster_than_a_person_types_is_refused_then_accepted_later(question):
    response = register(fields(question, waited=0.5, human_answer="iron"))

    assert "quicker than a person" in response.content.decode() and not registered()


@pytest.mark.parametrize("kind", ["missing", "forged", "stale"])
def test_a_missing_forged_or_stale_token_asks_to_fill_the_form_again(db, kind):
    # Made in the test, not at collection: test ids must be the same in every xdist worker.
    token = {
        "missing": "",
        "forged": "forged",
        "stale": human_check_token(None, time.time() - 3 * 3600),
    }[kind]
    response = register({**fields(), "human_token": token})

    assert "please fill it in again" in response.content.decode() and not registered()


def test_a_token_cannot_swap_the_question_for_none(question):
    """The question comes from the signed token: dropping the answer field does not skip it."""
    data = fields(question)

    assert "This field is required" in register(data).content.decode() and not registered()


def test_without_questions_the_honeypot_and_timing_still_apply(db):
    assert register(fields()).status_code == 302 and registered()


def test_off_asks_nothing(settings, client, question):
    settings.BOARD_HUMAN_CHECK = "off"

    assert "What do we lift" not in client.get("/accounts/register/").content.decode()
    data = fields()
    del data["human_token"]
    assert register(data).status_code == 302


def test_recent_asks_the_question_only_of_addresses_that_registered_lately(settings, question):
    settings.BOARD_HUMAN_CHECK = "recent"
    AddressRecord.note(make_member("Earlier_One"), "198.51.100.4", AddressRecord.REGISTRATION)

    again = Client(REMOTE_ADDR="198.51.100.4").get("/accounts/register/").content.decode()
    fresh = Client(REMOTE_ADDR="192.0.2.1").get("/accounts/register/").content.decode()

    assert "What do we lift" in again and "What do we lift" not in fresh
    assert 'name="human_token"' in fresh  # the honeypot and the timing stay


def test_a_question_needs_an_answer_in_the_admin(client, db):
    boss = User.objects.create_superuser("Boss", "boss@example.com", PASSWORD)
    client.force_login(boss)

    response = client.post(
        "/admin/accounts/humanquestion/add/",
        {"question": "Q?", "answers": "  \n ", "is_active": "on"},
    )

    assert response.status_code == 200 and not HumanQuestion.objects.exists()
