"""The board's rules for text people type, one place per rule, for the board's forms and the
admin alike (forum imports them too: accounts is the lower layer).

- Text: no C0 control characters but tab and line breaks, no DEL or C1 controls (U+0085 among
  them), no lone surrogates (they cannot be stored as UTF-8), no U+FFFE/U+FFFF (XML, hence
  feeds, cannot carry them).
- Single-line text (titles, names, locations, reasons shown in one line): no line breaks of any
  kind, including U+2028, U+2029 and U+0085.
- Usernames: no invisible characters at all (Unicode's Default_Ignorable_Code_Point set, format
  and control characters, odd spaces, blank look-alike letters such as the Hangul fillers),
  combining marks only on a letter and never piled up, and letters of one script (or of
  scripts written together: Han with Hiragana, Katakana or Hangul, each with Latin), after
  UTS #39's restriction levels. What still looks alike is folded by accounts.models.username_key.
"""

import re
import unicodedata
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Everything str.splitlines() breaks at: line feed and carriage return, but also vertical tab,
# form feed, the file/group/record separators, NEL (U+0085) and the line and paragraph
# separators (U+2028, U+2029). Mail headers refuse every one of them.
# Bidirectional embeddings, overrides and isolates: in a one-line text (a title, a name) they
# reorder what follows, so "gpj.exe" can read as "exe.jpg". Marks (LRM, RLM) stay allowed.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")

# Default_Ignorable_Code_Point from Unicode's DerivedCoreProperties.txt (16.0): Python's
# unicodedata has no such property. Hidden by renderers, so a name holding one shows as
# another name.
DEFAULT_IGNORABLE_RANGES = [
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x200B, 0x200F),  # zero width space, ZWNJ, ZWJ, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # zero width no-break space (BOM)
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),  # unassigned specials
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format controls
    (0xE0000, 0xE0FFF),  # tag characters and variation selectors supplement
]
# Not default-ignorable, but drawn as nothing: blank look-alikes of letters and spaces.
BLANK_LOOKALIKES = {0x2800, 0x3000, 0x1680, 0x2028, 0x2029, 0x0085, 0x00A0}
# Scripts that one language writes together (UTS #39 "highly restrictive").
SCRIPTS_WRITTEN_TOGETHER = [
    {"LATIN", "CJK", "HIRAGANA", "KATAKANA"},
    {"LATIN", "CJK", "HANGUL"},
    {"LATIN", "CJK", "BOPOMOFO"},
]
MAX_MARKS_ON_A_LETTER = 3


def is_default_ignorable(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in DEFAULT_IGNORABLE_RANGES)


def is_invisible(char: str) -> bool:
    """Drawn as nothing, or as nothing but space: ignorable, format, control, unassigned or
    private-use code points, blank look-alikes, and spaces other than the ASCII one."""
    category = unicodedata.category(char)
    return (
        is_default_ignorable(char)
        or ord(char) in BLANK_LOOKALIKES
        or category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
        or (category == "Zs" and char != " ")
    )


def text_problem(text: str, *, single_line: bool = False) -> str | None:
    """What the board cannot store or show in this text, in words to follow "The title", or
    None. The board's forms and the admin's validators both ask this."""
    # Line breaks first: some of them (U+0085, vertical tab) are control characters too, and
    # "a single line" says better what to do about them in a title.
    if single_line and LINE_BREAKS.search(text):
        # Translators: follows "The title", "This text" ... as its predicate.
        return _(
            "must be a single line: remove the line break in it (some are invisible, such as "
            "U+2028 LINE SEPARATOR)."
        )
    if single_line and BIDI_CONTROLS.search(text):
        # Translators: follows "The title", "This text" ... as its predicate.
        return _(
            "holds characters that reverse the direction of the text (such as U+202E), which "
            "can make it read as something else. Remove them and try again."
        )
    if CONTROL_CHARACTERS.search(text):
        # Translators: follows "The title", "This text" ... as its predicate.
        return _(
            "holds invisible control characters (such as NUL bytes). Remove them and try again."
        )
    if NOT_TEXT.search(text):
        # Translators: follows "The title", "This text" ... as its predicate.
        return _("holds characters that are not valid text.")
    return None


def fold_lines(text: str) -> str:
    """The text on one line: each line break becomes a space. For text stored before it was
    refused (a title set in SQL or an old import), wherever it must be one line (mail subjects,
    feed titles, archive headers)."""
    return LINE_BREAKS.sub(" ", text)


def validate_text(value: str) -> None:
    if problem := text_problem(value):
        raise ValidationError(_("This text %(problem)s") % {"problem": problem}, code="not_text")


def validate_single_line(value: str) -> None:
    if problem := text_problem(value, single_line=True):
        raise ValidationError(
            _("This text %(problem)s") % {"problem": problem}, code="not_single_line"
        )


def script_of(char: str) -> str | None:
    """The script a letter belongs to, from its Unicode name (Python has no Script property);
    None for what belongs to every script (digits, punctuation, marks, modifier letters)."""
    if not unicodedata.category(char).startswith("L") or unicodedata.category(char) == "Lm":
        return None
    name = unicodedata.name(char, "")
    if name.startswith(("CJK ", "IDEOGRAPHIC")):
        return "CJK"
    return name.split(" ", 1)[0] or None


def username_problem(username: str) -> str | None:
    """Why a (NFKC-normalised) username is refused, or None. Length and taken names are the
    form's to check."""
    if any(is_invisible(char) for char in username):
        return _("Usernames may not hold invisible characters, such as zero-width or filler ones.")
    marks = 0
    previous = ""
    # Decomposed, so that an accent typed on a precomposed letter ("á" + U+0301) is seen.
    for char in unicodedata.normalize("NFD", username):
        category = unicodedata.category(char)
        if category in ("Mn", "Mc", "Me"):
            marks += 1
            if not previous or not (previous.isalpha() or marks > 1) or char == previous:
                return _("Usernames may hold accents and marks only on a letter, one of each.")
            if marks > MAX_MARKS_ON_A_LETTER:
                return _("Usernames may hold at most three marks on one letter.")
        elif char.isalpha() or (char.isascii() and (char.isalnum() or char in " _.-")):
            marks = 0
        else:
            return _("Usernames may hold letters, digits, spaces, and the characters _ . - only.")
        previous = char
    return None


def mixed_scripts_problem(username: str) -> str | None:
    """Why a username's letters may not stand together (UTS #39 "highly restrictive"), or
    None: one script, or scripts one language writes together."""
    scripts = {script for char in username if (script := script_of(char))}
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in SCRIPTS_WRITTEN_TOGETHER):
        return _("Usernames may not mix letters of different alphabets (%(scripts)s).") % {
            "scripts": ", ".join(sorted(s.title() for s in scripts))
        }
    return None


def with_text_rules(db_field, formfield):
    """The form field the admin (or any model form) makes for a model field, with the rules
    of this module: a CharField is one line, a TextField may hold line breaks, and a date
    lies within EARLIEST_YEAR..LATEST_YEAR."""
    if formfield is None:
        return formfield
    if isinstance(db_field, models.CharField):
        rule = validate_single_line
    elif isinstance(db_field, models.TextField):
        rule = validate_text
    elif isinstance(db_field, models.DateField):  # DateTimeField is one too
        rule = validate_sane_date
    else:
        return formfield
    if rule not in formfield.validators:
        formfield.validators.append(rule)
    return formfield


class TextRulesAdmin:
    """Mixed into every ModelAdmin and inline: whatever text the admin sets goes through the
    same rules as the board's forms (a test walks the admin site to keep it so)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return with_text_rules(db_field, super().formfield_for_dbfield(db_field, request, **kwargs))


# The dates a person may type, anywhere: a ban's end, search filters, an archive's posts.
# Far from the ends of Python's calendar (years 1 and 9999), which time zone arithmetic crosses:
# a ban ending 9999-12-31 23:59 in New York is a year-10000 timestamp no one can read back.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2100
DATE_RANGE_MESSAGE = f"Enter a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}."


def date_range_message() -> str:
    """DATE_RANGE_MESSAGE in the reader's language (the constant is for operators)."""
    return _("Enter a date between the years %(first)s and %(last)s.") % {
        "first": EARLIEST_YEAR,
        "last": LATEST_YEAR,
    }


def is_sane_date(value: date | datetime) -> bool:
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def validate_sane_date(value: date | datetime | None) -> None:
    """Refuses dates and times outside EARLIEST_YEAR..LATEST_YEAR."""
    if value is not None and not is_sane_date(value):
        raise ValidationError(date_range_message(), code="date_out_of_range")
