"""Translation catalogues without a gettext toolchain at run time.

python scripts/i18n.py compile   .po -> .mo (polib), for every catalogue
python scripts/i18n.py check     fail when `makemessages` would change a catalogue, or a
                                 French string is empty, fuzzy or identical to its
                                 English source (names and codes listed in ALLOWED aside)
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "mutuelle" / "locale"
# French strings allowed to equal their English source: names, codes, words French shares.
ALLOWED = {
    # Words French shares with English (issue 5: conventions, capitation, justification...).
    "justification",
    "Justification",
    "Capitation",
    "Score",
    "Convention",
    "Conventions",
    "convention",
    "conventions",
    "Convention %(ref)s",
    "Public",
    "type",
    "Mutuelle",
    "Journal",
    "Exclusions",
    "Consultation",
    "version",
    "Version",
    "Versions",
    "Version %(n)s",
    "Conditions",
    "Photo",
    "SMS",
    "Code",
    "Section",
    "Union",
    "Page %(n)s of %(total)s",
    "Menu",
    "Excel (.xlsx)",
    "CSV",
    "Discussion",
    "Message",
    "Messages",
    "Audit",
    "Global",
    "Total",
    "Email",
    "Parent",
    "Solde",
    "Date",
    "Documents",
    "Description",
    "Organization",
    "Transport",
    "Type",
    "Notes",
    "Options",
    "Actions",
    "Contact",
    "Contacts",
    "Fonction",
    "Statut",
    "Note",
    "%(value)s",
    "OK",
    "Commune",
    "Region",
    "Village",
    "Services",
    "Portugais",
    "Français",
    "English",
    "Action",
    "Mutual",
    "Network",
    "Federation",
    "Guinée",
    "Niger",
    "Mali",
    "code",
    "notification",
    "notifications",
}


def compile_all() -> None:
    for po_path in LOCALE.glob("*/LC_MESSAGES/*.po"):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


def _entries(po: polib.POFile) -> dict:
    return {(e.msgctxt, e.msgid, e.msgid_plural): e for e in po if not e.obsolete}


def check() -> int:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "mutuelle"
        shutil.copytree(
            ROOT / "src" / "mutuelle", copy, ignore=shutil.ignore_patterns("__pycache__")
        )
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "django-admin"),
                "makemessages",
                "-l",
                "fr",
                "-l",
                "en",
                "--no-obsolete",
                "--add-location",
                "file",
            ],
            cwd=copy,
            check=True,
            capture_output=True,
        )
        for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
            fresh_path = copy / "locale" / po_path.relative_to(LOCALE)
            mine, fresh = (
                _entries(polib.pofile(str(po_path))),
                _entries(polib.pofile(str(fresh_path))),
            )
            if set(mine) != set(fresh):
                for key in sorted(set(fresh) - set(mine), key=str)[:20]:
                    problems.append(f"{po_path.parent.parent.name}: missing msgid {key[1]!r}")
                for key in sorted(set(mine) - set(fresh), key=str)[:20]:
                    problems.append(f"{po_path.parent.parent.name}: stale msgid {key[1]!r}")
    fr = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))
    for e in fr:
        if e.obsolete:
            continue
        label = e.msgid[:60]
        if "fuzzy" in e.flags:
            problems.append(f"fr: fuzzy: {label!r}")
        forms = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        if not all(forms):
            problems.append(f"fr: untranslated: {label!r}")
        elif e.msgstr == e.msgid and e.msgid not in ALLOWED:
            problems.append(f"fr: identical to English: {label!r}")
    for p in problems:
        print(p)
    print(f"i18n check: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "compile":
        compile_all()
    else:
        sys.exit(check())
