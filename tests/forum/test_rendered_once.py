"""Parts of pages rendered once per process and language ({% once_per_language %}), and the
time filters that keep what they formatted: each shows what rendering it anew would show."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone, translation

from forum.templatetags.board import board_time

ONCE = Template(
    '{% load i18n board %}{% once_per_language mode %}{% translate "Log out" %} {{ mode }}'
    " {{ name }}{% endonce_per_language %}"
)


def test_a_block_rendered_once_follows_the_language():
    with translation.override("en"):
        assert ONCE.render(Context({"mode": "dark"})) == "Log out dark "
    with translation.override("de"):
        assert ONCE.render(Context({"mode": "dark"})) == "Abmelden dark "
    with translation.override("en"):
        assert ONCE.render(Context({"mode": "dark"})) == "Log out dark "


def test_a_block_rendered_once_is_kept_per_value_it_names_and_only_those():
    with translation.override("en"):
        assert ONCE.render(Context({"mode": "dark", "name": "Ann"})) == "Log out dark Ann"
        assert ONCE.render(Context({"mode": "light", "name": "Bob"})) == "Log out light Bob"
        # A value it does not name is the first reader's: why the tag is only for words,
        # links and settings.
        assert ONCE.render(Context({"mode": "dark", "name": "Bob"})) == "Log out dark Ann"


def test_a_block_rendered_once_is_rendered_again_when_a_setting_changes():
    template = Template(
        "{% load board %}{% once_per_language %}{{ name }}{% endonce_per_language %}"
    )
    assert template.render(Context({"name": "before"})) == "before"
    with override_settings(BOARD_NAME="changed"):
        assert template.render(Context({"name": "after"})) == "after"


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_kept_board_time_follows_the_zone_and_language(language):
    moment = datetime(2007, 12, 11, 22, 22, tzinfo=UTC)
    expected = {
        ("en", "UTC"): "12-11-2007 10:22 PM",
        ("en", "America/New_York"): "12-11-2007 05:22 PM",
        ("de", "UTC"): "11.12.2007, 22:22",
        ("de", "America/New_York"): "11.12.2007, 17:22",
    }
    with translation.override(language):
        for zone in ("UTC", "America/New_York", "UTC"):
            with timezone.override(zone):
                assert board_time(moment) == expected[language, zone]


def test_iso_time_is_what_the_date_filter_gives():
    moment = datetime(2007, 12, 11, 22, 22, 5, 123456, tzinfo=UTC)
    template = Template("{% load board %}{{ moment|date:'c' }} {{ moment|iso_time }}")
    with timezone.override("Europe/Berlin"):
        first, second = template.render(Context({"moment": moment})).split()
    assert first == second == "2007-12-11T23:22:05.123456+01:00"
