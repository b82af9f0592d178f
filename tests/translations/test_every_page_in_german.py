"""The acceptance test of the translations: every page of the board, rendered in English and in
German for a visitor, a member and a moderator, shows no board string left in English.

A text node (or a title, alt, aria-label, placeholder or button value) that reads the same in
both languages is a failure unless it is data: what members wrote (names, titles, posts), the
board's name, numbers and dates, or one of the few words German spells alike (SAME_IN_GERMAN).
"""

import re
import time
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import available_timezones

from django.conf import settings
from django.test import Client

from accounts import two_factor
from accounts.models import User
from community.models import PollOption
from forum.markup import SMILIES
from forum.models import Category, Forum, Post, Thread
from messaging.models import Conversation, Message

# (who, address): who is None for a visitor, else a username of the every_page fixture.
PAGES = [
    # A visitor's pages.
    (None, "/"),
    (None, "/forums/running/"),
    (None, "/forums/running/?sort=title&order=asc"),
    (None, "/forums/trails/"),
    (None, "/threads/{thread}/{slug}/"),
    (None, "/threads/{thread}/{slug}/print/"),
    (None, "/search/"),
    (None, "/search/?q=shins"),
    (None, "/search/?q=nothingmatchesthis"),
    (None, "/members/"),
    (None, "/members/{author}/"),
    (None, "/members/{author}/reputation/"),
    (None, "/polls/{poll}/voters/"),
    (None, "/online/"),
    (None, "/accounts/login/"),
    (None, "/accounts/register/"),
    (None, "/accounts/confirm-again/"),
    (None, "/accounts/password/reset/"),
    (None, "/accounts/password/reset/sent/"),
    (None, "/accounts/password/reset/MQ/bad-token/"),
    (None, "/accounts/password/reset/complete/"),
    (None, "/unsubscribe/{thread_unsubscribe}/"),
    (None, "/messages/unsubscribe/{pm_unsubscribe}/"),
    (None, "/threads/999999/gone/"),  # 404
    (None, "/search/?q=" + "x" * 3000),  # 414
    # A member's pages (Bo_Reader: replied, voted, follows the thread, got a notice and a PM).
    ("Bo_Reader", "/"),
    ("Bo_Reader", "/forums/running/"),
    ("Bo_Reader", "/threads/{thread}/{slug}/"),
    ("Bo_Reader", "/threads/{thread}/reply/"),
    ("Bo_Reader", "/threads/{thread}/reply/?quote={first}"),
    ("Bo_Reader", "/forums/running/new-thread/"),
    ("Bo_Reader", "/posts/{reply}/edit/"),
    ("Bo_Reader", "/posts/{first}/report/"),
    ("Bo_Reader", "/posts/{first}/reputation/"),
    ("Bo_Reader", "/members/{reader}/"),
    ("Bo_Reader", "/members/{reader}/infractions/"),
    ("Bo_Reader", "/new/"),
    ("Bo_Reader", "/subscriptions/"),
    ("Bo_Reader", "/notifications/"),
    ("Bo_Reader", "/notifications/settings/"),
    ("Bo_Reader", "/messages/"),
    ("Bo_Reader", "/messages/sent/"),
    ("Bo_Reader", "/messages/new/"),
    ("Bo_Reader", "/messages/lists/"),
    ("Bo_Reader", "/messages/{conversation}/"),
    ("Bo_Reader", "/messages/message/{message}/report/"),
    ("Bo_Reader", "/accounts/profile/"),
    ("Bo_Reader", "/accounts/avatar/"),
    ("Bo_Reader", "/accounts/password/"),
    ("Bo_Reader", "/accounts/password/done/"),
    ("Bo_Reader", "/accounts/email/"),
    ("Bo_Reader", "/accounts/email/confirm/{email_confirm}/"),
    ("Bo_Reader", "/accounts/email/undo/{email_undo}/"),
    ("Bo_Reader", "/accounts/two-factor/"),
    ("Bo_Reader", "/accounts/sessions/"),
    ("Bo_Reader", "/accounts/data/"),
    ("Bo_Reader", "/accounts/leave/"),
    ("Ada_Runner", "/threads/{thread}/poll/new/"),
    ("Bo_Reader", "/posts/{first}/edit/"),  # 403: another member's post
    # A moderator's pages.
    ("Boss_Mod", "/threads/{thread}/{slug}/"),
    ("Boss_Mod", "/forums/running/"),
    ("Boss_Mod", "/moderation/queue/"),
    ("Boss_Mod", "/posts/{first}/history/"),
    ("Boss_Mod", "/posts/{reply}/addresses/"),
    ("Boss_Mod", "/posts/{held_post}/addresses/"),
    ("Boss_Mod", "/posts/{first}/infraction/"),
    ("Boss_Mod", "/posts/{reply}/infraction/"),
    ("Boss_Mod", "/members/{reader}/infractions/"),
    ("Boss_Mod", "/moderation/spammers/{reader}/"),
    ("Boss_Mod", "/threads/{thread}/move/"),
    ("Boss_Mod", "/threads/{thread}/merge/"),
    ("Boss_Mod", "/threads/{thread}/split/"),
    ("Boss_Mod", "/messages/reports/"),
    ("Boss_Mod", "/messages/reports/{message_report}/"),
    ("Boss_Mod", "/admin/"),
    ("Boss_Mod", "/admin/forum/archive-upload/"),
    # Pages reached through a step before them (STEPS).
    (None, "/accounts/login/code/"),
    ("Bo_Reader", "/accounts/two-factor/recovery-codes/"),
]

# Words German writes as English does: not a sign of a missing translation.
SAME_IN_GERMAN = {
    "Forum", "Foren", "Link", "Code", "Text", "Status", "Smilies", "RSS", "Atom", "Name",
    "Moderation", "Permalink", "English", "Deutsch", "in", "Admin", "Start", "Online",
}  # fmt: skip
# Strings given by Python code (forms, messages, model choices): the i18npy branch marks them.
PYTHON_SOURCES = ("accounts", "community", "config", "following", "forum", "messaging", "pictures")
SHOWN_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder"}
# Not text: scripts, and codes, commands, addresses and BBCode sources shown as they are.
HIDDEN_TAGS = {"script", "style", "code", "pre"}
# Apps of other projects with no German catalog (django-tasks-db's admin): not ours to translate.
THIRD_PARTY = {"Task Results", "Tasks Database Backend"}


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and the attributes read aloud."""

    def __init__(self):
        super().__init__()
        self.texts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.texts.append(value)
        if tag == "input" and attributes.get("type") in {"submit", "button"}:
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.texts.append(data)


def visible_texts(html: str) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    return {" ".join(text.split()) for text in parser.texts if text.strip()}


def member_data() -> re.Pattern:
    """What members and the fixture wrote, longest first, as one pattern: never translated."""
    values = [settings.BOARD_NAME, settings.TIME_ZONE, *THIRD_PARTY]
    for user in User.objects.all():
        values += [user.username, user.email]
    values += [name for row in Category.objects.values_list("name") for name in row]
    values += [name for row in Forum.objects.values_list("name", "description") for name in row]
    values += list(Thread.objects.values_list("title", flat=True))
    values += list(Conversation.objects.values_list("subject", flat=True))
    values += list(PollOption.objects.values_list("text", flat=True))
    for body in [*Post.objects.values_list("body", flat=True)] + [
        *Message.objects.values_list("body", flat=True)
    ]:
        # Split where the markup makes links, quotes and smilies of it.
        codes = "|".join(re.escape(code) for code in SMILIES)
        values += re.split(rf"\[/?\w+[^\]]*\]|\n|@\w+|{codes}", body)
    values += ["Best shoe?", "Rude words", "Spam offer", "Wise", "bo@example.org"]
    values += [label for _name, label in SMILIES.values()] + list(SMILIES)
    values += [
        word for title in Thread.objects.values_list("title", flat=True) for word in title.split()
    ]
    # The time-zone menu's cities.
    for zone in available_timezones():
        values += [zone, *zone.replace("_", " ").split("/")]
    values = sorted({value.strip() for value in values if value and value.strip()}, key=len)
    return re.compile("|".join(re.escape(value) for value in reversed(values)), re.IGNORECASE)


def board_words(text: str, data: re.Pattern) -> list[str]:
    """The words of `text` that are the board's own: without data, numbers and dates."""
    text = data.sub(" ", text)
    words = re.findall(r"[^\W\d_][\w'’-]*[^\W\d_]", text)
    return [word for word in words if word not in SAME_IN_GERMAN and not word.isupper()]


def pending_code_step(client: Client) -> None:
    """The state the password step of a two-factor login leaves in the session."""
    session = client.session
    session[two_factor.PENDING_KEY] = {
        "member": User.objects.get(username="Bo_Reader").pk,
        "backend": settings.AUTHENTICATION_BACKENDS[0],
        "at": time.time(),
        "next": "",
        "reopen": False,
    }
    session.save()


def two_factor_on(client: Client) -> None:
    User.objects.filter(username="Bo_Reader").update(has_two_factor=True)


# Address -> (what prepares the client, the form posted, or None for a GET).
STEPS = {
    "/accounts/login/code/": (pending_code_step, None),
    "/accounts/two-factor/recovery-codes/": (two_factor_on, {"password": "a-long-pass-42"}),
}


def rendered(client: Client, path: str, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    prepare, posted = STEPS.get(path, (None, None))
    if prepare is None:
        return client.get(path, follow=True)
    prepare(client)
    response = client.post(path, posted) if posted is not None else client.get(path)
    assert response.status_code == 200, f"{path}: the step before it did not lead there"
    return response


def untranslated_on(page: tuple, ids: dict, data: re.Pattern) -> list[str]:
    who, path = page
    address = path.format(**ids)
    client = Client()
    if who:
        client.force_login(User.objects.get(username=who))
    english = rendered(client, address, "en")
    german = rendered(client, address, "de")
    assert english.status_code == german.status_code
    assert english.status_code in {200, 403, 404, 414}, f"{address}: {english.status_code}"
    assert '<html lang="de"' in german.text, f"{address} is not in German"
    same = visible_texts(english.text) & visible_texts(german.text)
    return sorted(text for text in same if board_words(text, data))


def listing(left: dict) -> str:
    return "Left in English:\n" + "\n".join(
        f"{who or 'visitor'} {path[:60]}: {texts}" for (who, path), texts in left.items()
    )


@cache
def lowered_sources(folders: tuple[str, ...], pattern: str) -> str:
    """The files' text, lower-cased, with adjacent string literals joined ("a " "b": "a b") and
    field and class names also spelled as Django derives labels from them (mail_on_message:
    "mail on message", AccountEvent: "account event")."""
    base = Path(settings.BASE_DIR)
    text = "\n".join(
        path.read_text()
        for folder in folders
        for path in (base / folder).rglob(pattern)
        if "migrations" not in path.parts
    )
    text = re.sub(r"([\"'])\s*\n\s*f?\1", "", text)
    derived = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).replace("_", " ")
    return (text + "\n" + derived).lower()


def is_template_string(text: str, data: re.Pattern) -> bool:
    """Whether the string is written in a template (this branch's part) and not also in the
    board's Python code (forms, messages, refusals: marked on the i18npy branch): its longest
    run of words, without member data and numbers, is looked up."""
    text = data.sub("\x00", text)
    pieces = re.split(r"\x00|\d+(?:\.\d+)?|[|“”\"\[\]]", text)
    longest = max((piece.strip(" .,:;()#%-'") for piece in pieces), key=len).lower()
    python = lowered_sources(PYTHON_SOURCES, "*.py")
    templates = lowered_sources(("templates",), "*.*")
    return longest in templates and longest not in python


def test_no_template_string_is_left_in_english_on_any_page(every_page):
    data = member_data()
    left = {}
    for page in PAGES:
        texts = [
            text
            for text in untranslated_on(page, every_page, data)
            if is_template_string(text, data)
        ]
        if texts:
            left[page] = texts
    assert not left, listing(left)


def test_no_board_string_at_all_is_left_in_english_on_any_page(every_page):
    data = member_data()
    left = {page: texts for page in PAGES if (texts := untranslated_on(page, every_page, data))}
    assert not left, listing(left)
