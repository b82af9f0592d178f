"""The board's own strings in Python code (forms, refusals, messages, mail, admin labels)
come out in German when German is the active language, and stay English otherwise."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from accounts.mail import confirmation_mail
from forum import actions
from forum.forms import ThreadForm

CATALOG = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def test_a_forms_errors_come_out_in_german(german):
    form = ThreadForm(data={"title": "   ", "body": "[b][/b]"})

    assert not form.is_valid()
    assert form.errors["title"] == [
        "Bitte geben Sie einen Titel ein: Er darf nicht leer sein oder nur aus Leerzeichen "
        "bestehen."
    ]
    assert form.errors["body"] == [
        "Die Nachricht zeigt nichts an: Ihr BBCode enthält keinen Text, keinen Smilie und kein "
        "Bild. Schreiben Sie etwas zwischen die Tags."
    ]


def test_a_too_long_title_is_refused_in_german_with_german_digit_grouping(german):
    form = ThreadForm(data={"title": "x" * 1200, "body": "Hallo"})

    assert not form.is_valid()
    assert form.errors["title"] == ["Der Titel ist zu lang: 1.200 Zeichen, höchstens 100."]


def test_the_same_form_speaks_english_without_translation():
    form = ThreadForm(data={"title": "   ", "body": "Hello"})

    assert not form.is_valid()
    assert form.errors["title"] == ["Please enter a title: it cannot be empty or only spaces."]


@pytest.mark.django_db
def test_a_refusal_to_reply_comes_out_in_german(german, thread, other_member):
    thread.is_locked = True

    assert thread.refusal_to_reply(other_member) == (
        "Dieses Thema ist geschlossen: keine neuen Antworten."
    )


@pytest.mark.django_db
def test_a_reply_to_a_closed_thread_is_refused_in_german_through_the_board(
    german, client, thread, other_member
):
    type(thread).objects.filter(pk=thread.pk).update(is_locked=True)
    client.force_login(other_member)

    response = client.post(f"/threads/{thread.pk}/reply/", {"body": "Noch eine Frage"}, follow=True)

    assert "Dieses Thema ist geschlossen: keine neuen Antworten." in response.content.decode()


@pytest.mark.django_db
def test_the_admin_changelist_names_the_models_in_german(german, client, superuser, thread):
    client.force_login(superuser)

    page = client.get("/admin/forum/thread/").content.decode()
    index = client.get("/admin/").content.decode()

    assert "Thema zur Änderung auswählen" in page  # Django's own words, with our model's name
    assert "Ausgewählte Themen schließen" in page  # our action's description
    assert "Forenverwaltung" in page  # the site header
    for column in ("Beitragszahl", "Letzter Beitrag am", "Angeheftet", "Geschlossen"):
        assert column in page  # the fields' names
    for name in ("Themen", "Beiträge", "Meldungen", "Mitglieder", "Sperren", "Umfragen"):
        assert f">{name}<" in index


@pytest.mark.django_db
def test_the_confirmation_mail_is_written_in_german(german, member):
    message = confirmation_mail(member, "https://board.example")

    assert message.subject == f"Bestätigen Sie Ihre E-Mail-Adresse für {settings.BOARD_NAME}"
    assert message.body.startswith(f"Hallo {member},\n\nbestätigen Sie Ihre E-Mail-Adresse")
    assert "https://board.example/accounts/confirm/" in message.body
    assert not mail.outbox


def test_every_german_string_keeps_the_placeholders_of_its_english_one():
    with open(CATALOG / "django.mo", "rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    english_of = {}
    for key, german in catalog.items():
        if key == "":
            continue
        msgid = key[0] if isinstance(key, tuple) else key
        english = msgid.split("\x00")  # singular and plural
        english_of.setdefault(msgid, set()).update(*(PLACEHOLDER.findall(text) for text in english))
        assert german, msgid
        assert set(PLACEHOLDER.findall(german)) <= english_of[msgid], (msgid, german)
    assert len(english_of) > 600


def test_the_catalog_has_no_untranslated_or_fuzzy_entries():
    source = (CATALOG / "django.po").read_text(encoding="utf-8")
    entries = source.split("\n\n")[1:]

    assert not [entry for entry in entries if "#, fuzzy" in entry]
    assert not [entry for entry in entries if re.search(r'msgstr(\[\d\])? ""\n?$', entry)]


@pytest.mark.django_db
def test_translated_verbose_names_and_help_texts_make_no_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_admins_recent_actions_name_objects_in_the_readers_language(
    client, superuser, thread, member
):
    post = actions.add_reply(thread=thread, author=member, body="Rude words.")
    # Logged in English: the LogEntry keeps "Warning for #2 ...".
    actions.give_infraction(
        post=post, moderator=superuser, reason="Rude", points=0, expires_at=None
    )
    client.force_login(superuser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    index = client.get("/admin/").content.decode()

    assert f"Verwarnung für #{post.number} in “{thread.title}” von {member.username}" in index
    assert "Warning for" not in index
    for app in ("Abonnements", "Verwaltung", "Private Nachrichten", "Gemeinschaft"):
        assert f">{app}<" in index
