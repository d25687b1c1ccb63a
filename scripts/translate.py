"""Fill French translations from pairs: `python scripts/translate.py 'English' 'Français' ...`.
Lists the untranslated and fuzzy French entries when called without arguments."""

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "src/mutuelle/locale/fr/LC_MESSAGES/django.po"


def main(pairs: list[str]) -> None:
    po = polib.pofile(str(PO), wrapwidth=79)
    table = dict(zip(pairs[::2], pairs[1::2], strict=True))
    for entry in po:
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.translated():
            print(repr(entry.msgid), entry.flags)
    po.save()


if __name__ == "__main__":
    main(sys.argv[1:])
