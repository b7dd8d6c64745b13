"""The Spanish catalogue is complete, compiled and up to date with the code.

Complete: every message translated, none fuzzy, placeholders and markup kept. Compiled:
the committed .mo (what the app reads; a machine without gettext cannot make it) says what
the .po says. Up to date: gathering the strings from the code again (`make messages`,
which needs GNU gettext) finds nothing the catalogue lacks.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
REFRESH = "run `make messages` and translate what it adds (docs/translations.md)"
PLACEHOLDER = re.compile(r"%(?:\([a-zA-Z_][a-zA-Z0-9_]*\))?[sd]")
MARKUP = re.compile(r"</?[a-z]+[^>]*>")


def _catalogue():
    return polib.pofile(str(PO))


def _translations(entries):
    """{(context, msgid): translation} of a catalogue's entries (a plural's every form)."""
    found = {}
    for entry in entries:
        if not entry.msgid:
            continue  # the header
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
            found[entry.msgctxt, entry.msgid] = forms
        else:
            found[entry.msgctxt, entry.msgid] = entry.msgstr
    return found


def test_every_message_is_translated_and_none_is_fuzzy():
    catalogue = _catalogue()

    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    empty_plurals = [
        entry.msgid
        for entry in catalogue
        if entry.msgid_plural and not all(entry.msgstr_plural.values())
    ]

    assert len(catalogue) > 1000
    assert catalogue.metadata["Language"] == "es"
    assert not catalogue.metadata_is_fuzzy
    assert untranslated == [], REFRESH
    assert fuzzy == [], "fuzzy entries are guesses of msgmerge: check and unmark them"
    assert empty_plurals == []
    assert catalogue.obsolete_entries() == []


def test_translations_keep_every_placeholder_and_tag():
    wrong = []
    for entry in _catalogue().translated_entries():
        if entry.msgid_plural:
            # A form may leave out the number ("Your upcoming visit" for one).
            allowed = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                if not set(PLACEHOLDER.findall(form)) <= allowed:
                    wrong.append(entry.msgid)
            continue
        if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr)):
            wrong.append(entry.msgid)
        if sorted(MARKUP.findall(entry.msgid)) != sorted(MARKUP.findall(entry.msgstr)):
            wrong.append(entry.msgid)
    assert wrong == []


def test_the_compiled_catalogue_says_what_the_po_says():
    compiled = _translations(polib.mofile(str(MO)))

    assert compiled == _translations(_catalogue().translated_entries()), (
        "the .mo is stale: run `make messages` (it compiles the .po) and commit both"
    )


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="GNU gettext is not installed (apt-get install gettext): the catalogue cannot "
    "be compared with the code here",
)
def test_the_catalogue_holds_every_string_of_the_code(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "node_modules",
            "media",
            "staticfiles",
            "*.sqlite3*",
            "__pycache__",
            ".pytest_cache",
            ".ruff_cache",
            "backups",
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale=es",
            "--add-location=file",
            "--no-obsolete",
            "--ignore=tests",
            "--ignore=bench",
            "--verbosity=0",
        ],
        cwd=copy,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "SECRET_KEY": "makemessages"},
        capture_output=True,
    )
    fresh = polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    committed = _catalogue()

    in_code = {(entry.msgctxt, entry.msgid) for entry in fresh if entry.msgid}
    in_catalogue = {(entry.msgctxt, entry.msgid) for entry in committed if entry.msgid}

    assert sorted(in_code - in_catalogue, key=str) == [], f"new strings: {REFRESH}"
    assert sorted(in_catalogue - in_code, key=str) == [], f"strings gone from the code: {REFRESH}"
