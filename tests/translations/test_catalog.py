"""The committed German catalog: complete, and compiled (a fresh clone runs without gettext)."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

CATALOG = Path(settings.FILES_DIR) / "locale" / "de" / "LC_MESSAGES"


def po_entries(path: Path) -> dict:
    """{msgid or (msgid, msgid_plural): msgstr or [msgstr...]} of a .po file (no fuzzy ones)."""
    entries, entry, field, fuzzy = {}, {}, None, False

    def close():
        if entry.get("msgid") and not fuzzy:
            # A message with a context is stored under "context\x04message", as in the .mo.
            msgid = "\x04".join(filter(None, [entry.get("msgctxt"), entry["msgid"]]))
            if "msgid_plural" in entry:
                forms = [entry[key] for key in sorted(k for k in entry if k.startswith("msgstr["))]
                entries[(msgid, entry["msgid_plural"])] = forms
            else:
                entries[msgid] = entry.get("msgstr", "")

    for line in [*path.read_text().splitlines(), ""]:
        if not line.strip():
            close()
            entry, field, fuzzy = {}, None, False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, value = line.split(" ", 1)
            entry[field] = ast.literal_eval(value)
    return entries


def test_every_german_entry_is_translated():
    untranslated = [
        msgid
        for msgid, msgstr in po_entries(CATALOG / "django.po").items()
        if not all(msgstr if isinstance(msgstr, list) else [msgstr])
    ]
    assert untranslated == []


def test_the_committed_mo_file_is_compiled_from_the_po_file():
    with (CATALOG / "django.mo").open("rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    for msgid, msgstr in po_entries(CATALOG / "django.po").items():
        if isinstance(msgid, tuple):
            assert [mo.ngettext(*msgid, n) for n in (1, 2)] == msgstr, msgid
        else:
            assert mo.gettext(msgid) == msgstr, msgid
    assert len(mo._catalog) - 1 == sum(  # the header is an entry of its own
        len(msgstr) if isinstance(msgid, tuple) else 1
        for msgid, msgstr in po_entries(CATALOG / "django.po").items()
    )
