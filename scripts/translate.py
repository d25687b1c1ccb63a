"""Fill French translations from pairs: `python scripts/translate.py 'English' 'Français' ...`,
or from files of `English<TAB>Français` lines: `python scripts/translate.py --tsv a.tsv b.tsv`
(plural entries: `singular|plural<TAB>singulier|pluriel`; an entry with a context (pgettext):
`context::English<TAB>Français`, and only that form reaches it). Lists the untranslated and
fuzzy French entries that remain."""

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "src/mutuelle/locale/fr/LC_MESSAGES/django.po"


def read_tsv(paths: list[str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            english, tab, french = line.partition("\t")
            if tab and english.strip() and french.strip():
                table[english] = french
    return table


def main(table: dict[str, str]) -> None:
    po = polib.pofile(str(PO), wrapwidth=79)
    for entry in po:
        key = f"{entry.msgctxt}::{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgctxt and key in table and not entry.msgid_plural:
            entry.msgstr = table[key]
        elif entry.msgctxt:
            if not entry.translated():
                print(repr(key), entry.flags)
                continue
        elif entry.msgid_plural and f"{entry.msgid}|{entry.msgid_plural}" in table:
            one, _bar, many = table[f"{entry.msgid}|{entry.msgid_plural}"].partition("|")
            entry.msgstr_plural = {0: one, 1: many or one}
        elif entry.msgid in table and not entry.msgid_plural:
            entry.msgstr = table[entry.msgid]
        elif not entry.translated():
            print(repr(entry.msgid), entry.flags)
            continue
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--tsv"]:
        main(read_tsv(args[1:]))
    else:
        main(dict(zip(args[::2], args[1::2], strict=True)))
