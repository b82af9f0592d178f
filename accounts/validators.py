"""Validators for text and dates people type, shared by the board's forms and the admin.

`accounts` is the lower layer, so `forum` and `following` use these too.
"""

import re
from datetime import date, datetime

from django.core.exceptions import ValidationError

# Everything str.splitlines() breaks at: line feed and carriage return, but also vertical tab,
# form feed, the file/group/record separators, NEL (U+0085) and the line and paragraph
# separators (U+2028, U+2029). Mail headers refuse every one of them.
LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def fold_lines(text: str) -> str:
    """The text on one line: each line break becomes a space. For text stored before it was
    refused (a title set in SQL or an old import), wherever it must be one line (mail subjects,
    feed titles, archive headers)."""
    return LINE_BREAKS.sub(" ", text)


def validate_single_line(value: str) -> None:
    """Refuses any line or paragraph break, including the invisible Unicode ones."""
    if LINE_BREAKS.search(value):
        raise ValidationError(
            "This must be a single line: remove the line break in it (some are invisible, "
            "such as U+2028 LINE SEPARATOR).",
            code="single_line",
        )


# The dates a person may type, anywhere: a ban's end, search filters, an archive's posts.
# Far from the ends of Python's calendar (years 1 and 9999), which time zone arithmetic crosses:
# a ban ending 9999-12-31 23:59 in New York is a year-10000 timestamp no one can read back.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2100
DATE_RANGE_MESSAGE = f"Enter a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}."


def is_sane_date(value: date | datetime) -> bool:
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def validate_sane_date(value: date | datetime | None) -> None:
    """Refuses dates and times outside EARLIEST_YEAR..LATEST_YEAR."""
    if value is not None and not is_sane_date(value):
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")
