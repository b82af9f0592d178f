"""Usernames that members could not tell apart from another are refused: invisible characters
outright, look-alikes (case, width, other alphabets) by the folded key, on the board and in the
admin alike."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import User, username_key
from accounts.validators import (
    DEFAULT_IGNORABLE_RANGES,
    is_invisible,
    username_problem,
    validate_single_line,
    validate_text,
)

PASSWORD = "treadmill-2007-hiit"
INVISIBLE = [
    "\u3164",  # Hangul filler
    "\u115f",  # Hangul choseong filler
    "\u1160",  # Hangul jungseong filler
    "\uffa0",  # halfwidth Hangul filler
    "\u200b",  # zero width space
    "\u200c",  # ZWNJ
    "\u200d",  # ZWJ
    "\u2060",  # word joiner
    "\ufeff",  # BOM
    "\u00ad",  # soft hyphen
    "\u034f",  # combining grapheme joiner
    "\u180e",  # Mongolian vowel separator
    "\ufe0f",  # variation selector 16
    "\U000e0041",  # tag latin capital A
    "\U000e0100",  # variation selector 17
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u061c",  # Arabic letter mark
    "\u2800",  # braille blank
    "\U0001d173",  # musical symbol begin beam
    "\u17b4",  # Khmer inherent vowel
]
EVERY_DEFAULT_IGNORABLE = [
    chr(code)
    for low, high in DEFAULT_IGNORABLE_RANGES
    for code in range(low, min(high, low + 40) + 1)
]


def register(client, username, email="new@example.com"):
    return client.post(
        "/accounts/register/",
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.mark.parametrize("char", EVERY_DEFAULT_IGNORABLE, ids=lambda c: f"U+{ord(c):04X}")
def test_every_default_ignorable_code_point_is_invisible_and_folded_away(char):
    assert is_invisible(char)
    assert username_key(f"Ross{char}86") == "ross86"
    assert username_problem(unicodedata.normalize("NFKC", f"Ross{char}86")) is not None


@pytest.mark.parametrize("position", ["start", "middle", "end", "alone-ish"])
@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_a_name_holding_an_invisible_character_is_refused_with_a_clear_message(
    client, db, char, position
):
    username = {
        "start": f"{char}Fresh_Name",
        "middle": f"Fresh{char}Name",
        "end": f"Fresh_Name{char}",
        "alone-ish": f"ab{char}{char}",
    }[position]
    response = register(client, username)
    assert response.status_code == 200
    assert not User.objects.exists()
    assert "Usernames may" in response.content.decode()


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_a_name_stored_before_the_rules_with_an_invisible_character_blocks_its_look_alike(
    client, db, char
):
    User.objects.create_user(f"Ross{char}86", "old@example.com", PASSWORD)
    response = register(client, "Ross86")
    assert "looks too much like one that is" in response.content.decode()
    assert User.objects.count() == 1


@settings(max_examples=200, deadline=None)
@given(
    name=st.text(alphabet=st.characters(categories=["L", "Nd"]), min_size=3, max_size=10),
    noise=st.lists(st.sampled_from(INVISIBLE + EVERY_DEFAULT_IGNORABLE), min_size=1, max_size=3),
    where=st.integers(min_value=0, max_value=10),
)
def test_no_invisible_character_anywhere_makes_a_name_new(name, noise, where):
    hidden = name[:where] + "".join(noise) + name[where:]
    assert username_key(hidden) == username_key(name)
    assert username_problem(unicodedata.normalize("NFKC", hidden)) is not None


@pytest.mark.parametrize(
    "mixed",
    [
        "Rоss86",  # Cyrillic о
        "Rοss_Fan",  # Greek ο
        "Аdmin",  # Cyrillic А
        "pаypal",  # Cyrillic а
    ],
)
def test_letters_of_two_alphabets_in_one_name_are_refused(client, db, mixed):
    response = register(client, mixed)
    assert "may not mix letters of different alphabets" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["Σωκράτης", "Ковальский", "नमस्ते", "山田たろう", "Kim 김", "José", "Zoë-Runner", "Ørsted"],
)
def test_names_in_one_script_with_their_accents_are_welcome(client, db, name):
    assert register(client, name).status_code == 302
    assert User.objects.get().username == unicodedata.normalize("NFKC", name)


@pytest.mark.parametrize(
    "name", ["a\u0301\u0301bc", "\u0301abc", "ab \u0301c", "abc\u0301\u0302\u0303\u0304"]
)
def test_marks_that_stand_alone_repeat_or_pile_up_are_refused(client, db, name):
    response = register(client, name)
    assert response.status_code == 200 and not User.objects.exists()


def test_the_admin_renames_a_member_to_a_look_alike_with_a_form_error_not_a_500(
    client, member, other_member, superuser
):
    client.force_login(superuser)
    for lookalike in ["member_one", "MEMBER_ONE", "Member_One\u200b", "Ｍｅｍｂｅｒ_Ｏｎｅ"]:
        response = client.post(
            f"/admin/accounts/user/{other_member.pk}/change/",
            {
                "username": lookalike,
                "email": other_member.email,
                "is_active": "on",
                "date_joined_0": "2026-01-01",
                "date_joined_1": "00:00:00",
            },
        )
        assert response.status_code == 200, lookalike
        assert "Usernames may" in response.text or "looks too much like" in response.text
    other_member.refresh_from_db()
    assert other_member.username == "Member_Two"


def test_the_admin_adds_no_member_whose_name_looks_like_another(client, member, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "MEMBER_ONE",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "looks too much like one that is" in response.text
    assert User.objects.count() == 2  # the member and the superuser


def test_a_superuser_still_renames_a_member_to_a_free_name(client, other_member, superuser):
    client.force_login(superuser)
    response = client.post(
        f"/admin/accounts/user/{other_member.pk}/change/",
        {
            "username": "Renamed Runner",
            "email": other_member.email,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    other_member.refresh_from_db()
    assert (other_member.username, other_member.username_key) == (
        "Renamed Runner",
        "renamed runner",
    )


@pytest.mark.parametrize("text", ["a\x00b", "a\x07b", "a\x85b", "a\x9bb", "a\ud800b", "a\ufffeb"])
def test_text_rules_refuse_what_cannot_be_stored_or_shown(text):
    with pytest.raises(ValidationError):
        validate_text(text)


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2068"])
def test_one_line_texts_refuse_direction_overrides_but_long_texts_keep_them(char):
    with pytest.raises(ValidationError, match="reverse the direction"):
        validate_single_line(f"Squat form {char}gpj.exe")
    validate_text(f"A post quoting Hebrew {char}שלום\u202c as typed")
    validate_single_line("Right-to-left title \u200fשלום")  # a mark, not an override


@pytest.mark.parametrize("text", ["a\nb", "a\rb", "a\u2028b", "a\u2029b", "a\x0bb", "a\x85b"])
def test_single_line_rules_refuse_every_kind_of_line_break(text):
    with pytest.raises(ValidationError):
        validate_single_line(text)
    if text not in ("a\x0bb", "a\x85b"):
        validate_text(text)  # allowed where text may run over several lines
