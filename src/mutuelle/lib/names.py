"""Person names as the register stores and compares them.

One Python normalizer for SQLite and PostgreSQL alike: its outputs are stored in indexed columns,
so the databases never have to agree on collations or accent folding. Standard library only;
`lib/` imports no app.

The layers, from the cheapest to the most lenient:

* `normalize(text)`: accents, case, apostrophes, hyphens, dots and spacing folded
  ("N'Diaye", "N’Diaye", "N-Diaye", "N Diaye", "NDIAYE" -> "ndiaye"). Stored for search.
* `canonical(token)`: West African spelling folds. General letter rules (ou/u/w, dj/di+vowel -> j,
  ch/sh, kh -> k, silent h, c/k/q, y -> i, doubled letters, final e, English final -ow) plus a
  small table of transliterations (Mohamed/Muhammad, Ibrahim/Brahima, Jobe/Diop, Njie/Ndiaye,
  Tarawele/Traoré...). Two spellings with the same canonical form are the *same name*.
* name groups: distinct local forms of one name (Mamadou/Mouhamadou/Mohamed/Modou,
  Fatou/Fatoumata, Khady/Khadidiatou, Gueye/Gaye...) are *similar*: they count as a match
  when everything else agrees (at most one non-exact name part per pair).
* `phonetic_key(text)`: per token, the first letter (any vowel -> "a") and the consonant
  skeleton of the canonical form; all members of a name group share their group's key. Coarse
  on purpose: it is the blocking key, the decision comes later.

The duplicate rule (issue 3): the same identity document, or the same name (with the folds
above, given and family names possibly swapped, extra given names allowed) + the same sex +
birth years at most one apart. Different sex or a gap above one year is not a duplicate unless
the document matches. Refinement: two documents of the same shape (length, digit/letter
pattern) that differ by more than one typo are two people (homonyms with their own national ID).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

__all__ = [
    "DUPLICATE_THRESHOLD",
    "KEYS_VERSION",
    "PersonName",
    "blocking_keys",
    "canonical",
    "is_duplicate",
    "jaro_winkler",
    "normalize",
    "normalize_id_document",
    "phonetic_key",
    "phonetic_keys",
    "same_person",
    "score",
    "search_key_for_query",
    "search_keys",
]

# Bump when normalize/canonical/phonetic_key/blocking_keys change: stored columns must be rebuilt.
KEYS_VERSION = 1
# score(a, b) >= DUPLICATE_THRESHOLD exactly when is_duplicate(a, b) says True.
DUPLICATE_THRESHOLD = 0.75

# --------------------------------------------------------------------------------------------
# normalize
# --------------------------------------------------------------------------------------------

# Letters NFKD does not decompose: Fula/Wolof/Bambara orthographies and a few Latin ligatures.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ɓ": "b",
        "ɗ": "d",
        "ƴ": "y",
        "ŋ": "ng",
        "ɲ": "ny",
        "ɛ": "e",
        "ɔ": "o",
        "ə": "e",
        "œ": "oe",
        "æ": "ae",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ı": "i",
        "þ": "th",
        "ħ": "h",
        "ŧ": "t",
    }
)
_APOSTROPHES = re.compile("['`´\u2018\u2019\u201b\u2032\u02b9\u02bb\u02bc\u02bd\u02c8]")
# A lone letter before a hyphen is a prefix: N-Diaye, M-Baye. Other hyphens separate parts.
_LETTER_HYPHEN = re.compile(r"(?<![a-z])([a-z])[-\u2010\u2011\u2012\u2013\u2014](?=[a-z])")
_NOT_LETTERS = re.compile(r"[^a-z]+")
# "N Diaye", "N. Dour", "M Baye": the nasal prefix typed apart. Only before the letters that
# follow it in real names, and only before a part of three letters or more ("M. Ba" stays).
_N_PREFIX = re.compile(r"(?<![a-z])n (?=[dg][a-z]{2})")
_M_PREFIX = re.compile(r"(?<![a-z])m (?=b[a-z]{2})")


@functools.lru_cache(maxsize=1 << 16)
def normalize(text: str | None) -> str:
    """Lower-case ASCII letters and single spaces: what the register stores for search.

    >>> normalize("  Aïssatou   N’DIAYE ")
    'aissatou ndiaye'
    >>> normalize("Jean-Pierre Eto'o")
    'jean pierre etoo'

    Idempotent. Digits and other symbols separate name parts; letters outside Latin are dropped.
    """
    text = (text or "").casefold().translate(_SPECIAL_LETTERS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text)
    text = _LETTER_HYPHEN.sub(r"\1", text)
    text = _NOT_LETTERS.sub(" ", text).strip()
    text = _N_PREFIX.sub("n", text)
    return _M_PREFIX.sub("m", text)


# --------------------------------------------------------------------------------------------
# canonical: spelling folds
# --------------------------------------------------------------------------------------------

_DI_VOWEL = re.compile(r"di(?=[aeiouy])")  # Diallo/Jallow, Ndiaye/Njaye, Dieynaba/Jeynaba
_GU_FRONT = re.compile(r"gu(?=[eiy])")  # Guèye/Geye, Mbengue/Mbenge
_C_FRONT = re.compile(r"c(?=[eiy])")  # Cissé/Sissé
_FINAL_OW = re.compile(r"ow$")  # Jallow, Jalloh (English spellings of the Gambia, Sierra Leone)
_DOUBLES = re.compile(r"(.)\1+")


def _fold_once(t: str) -> str:
    t = t.replace("ph", "f").replace("sh", "ch").replace("ch", "C")  # C: a protected "ch"
    t = t.replace("kh", "k").replace("gh", "g").replace("h", "")
    t = t.replace("ck", "k").replace("cq", "k").replace("qu", "k").replace("q", "k")
    t = t.replace("x", "k")  # Wolof orthography: Xadi = Khady
    t = t.replace("dj", "j")
    t = _DI_VOWEL.sub("j", t)
    t = _GU_FRONT.sub("g", t)
    t = _C_FRONT.sub("s", t).replace("c", "k")
    t = _FINAL_OW.sub("o", t)
    t = t.replace("ou", "u").replace("w", "u").replace("y", "i")
    t = _DOUBLES.sub(r"\1", t)
    if len(t) > 2 and t.endswith("e"):
        t = t[:-1]
    return t


def _fold(token: str) -> str:
    """The letter rules, applied until nothing changes (so the result is a fixed point)."""
    previous = None
    while token != previous:
        previous, token = token, _fold_once(token)
    return token.replace("C", "ch")


# Same name, other transliteration: canonical spelling first, then its variants. The letter
# rules already fold most spellings (Ousmane/Usman, Seydou/Seidou, Coulibaly/Kulibali...);
# this table only holds what they cannot reach.
_SAME_NAME = """
mouhamadou: mohamadou muhammadu mouhammadou mohammadou
mohamed: mohammed mouhamed muhammad mohamad mohammad mouhammad muhamed mahamat mouhamad
ibrahima: ibrahim brahima brahim ebrahima
oumar: omar umar
ousmane: osmane osman usman
souleymane: sulayman soulaymane sulaiman
tidiane: tijani tidjani tijane
abdoulaye: abdulai abdoulahi
youssouf: yusuf yussuf
djibril: gibril jibril
salif: salifou
pape: papa
aminata: aminatou
fatoumata: fatimata
mariam: maryam mariame marieme mariem meriem
seynabou: seinabou
zeinabou: zeynabou zenabou zeinab zaynab zenabo
kadiatou: kadiatu
traore: tarawele tarawere trawara traware
diop: jobe
ndiaye: njie njai
sow: sao
sawadogo: savadogo
"""

# Distinct local forms of one name: similar, not equal.
_NAME_GROUPS = """
mamadou: mamadou mouhamadou mohamed modou mamadi mamady mahamadi
abdoulaye: abdoulaye abdallah abdullah ablaye
boubacar: boubacar aboubacar babacar bakary bocar boukary abubakar
aliou: aliou alioune ali aly
ibrahima: ibrahima ibou
fatoumata: fatoumata fatou fatima fatim fatma
aminata: aminata ami amina
khadija: khady khadija khadidja khadidiatou kadiatou kadidia
aissatou: aissatou aissata aicha aichatou
seynabou: seynabou zeinabou djeneba dieynaba dienaba
mariama: mariama mariam mariatou
oumou: oumou oumy
rokhaya: rokhaya rokia rokiatou
ramatoulaye: ramatoulaye rama
assane: assane alassane
ousseynou: ousseynou housseynou hussein houssein
seydou: seydou saidou said
youssouf: youssouf youssoupha
ismaila: ismaila ismael ismail
idrissa: idrissa idriss drissa
nafissatou: nafissatou nafi
bineta: bineta binta
djibril: djibril djiby
bassirou: bassirou bachir
fallou: fallou falilou
lamine: lamine alamine
gueye: gueye gaye
"""

# Common names of the region, so that two known but different names (Diop/Diouf, Moussa/Massa,
# Sow/Sy, Amadou/Mamadou) are never taken for a misspelling of one another.
_COMMON_NAMES = """
mamadou moussa ousmane amadou cheikh modou babacar abdou abdourahmane abdoukarim karim malick
samba demba ngor pape serigne khadim saliou salif habib mansour massamba magatte ndiaga pathe
yoro adama boukary boureima harouna hamidou rasmane sidiki lassina siaka yacouba zakaria daouda
dramane sekou fode mamady lansana alpha thierno mamoudou mahmoud oumarou hamadou ahmed sidy
issa moustapha oumar seydou lamine sidi birane mor matar elimane omar aladji amara bamba
jean pierre paul joseph samuel emmanuel francois michel andre claude patrice herve serge christian
blaise roger thomas martin eric alain marcel etienne jacques simon
awa fatou fanta aminata aissatou khady ndeye mame diarra bousso coumba astou maimouna penda daba
ngone sokhna yacine adji arame anta absa dior rokhy soda khoudia sira sali kani nana habibatou
haby safiatou safi salimata salamata assetou kadidia mariama marie claire therese jeanne
christine brigitte odette helene suzanne rose pauline josephine esther ruth grace irene solange
cecile oumy fama diouma dieynaba ndella adama binta bintou kine marieme
diop ndiaye fall faye sow sy ba diallo gueye gaye mbaye ndour sarr sall seck cisse toure traore
keita coulibaly kone diarra dembele sidibe sangare doumbia doumbouya konate samake maiga sissoko
kouyate kante camara barry sylla soumah conde bangoura soumare ouedraogo sawadogo kabore
compaore zongo ouattara sanou kouanda zoungrana nikiema ilboudo tapsoba diouf niang thiam thiaw
kane dieng diene diagne mboup samb ndoye ndao lo loum wade kebe mbodj diatta badji sagna sane sene
gning ngom dione diedhiou goudiaby mendy gomis manga tall dia niasse mbacke tine bathily diakhate
diawara diaby fofana tounkara kaba doucoure guindo togola berthe tangara mbarga atangana essomba
onana nkoulou fouda ngono etoo tchakounte kamga fotso fotsing nguemo ekotto mballa abena owona
tsala mvondo ndzana etoundi biyong nlend bassa diaw kamara balde bah jallow
"""

_TITLES_SPELLED = "el al hadji hadj elhadji elhadj eladji adja hadja"


def _parse_table(text: str) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in text.strip().splitlines():
        head, _, rest = line.partition(":")
        table[head.strip()] = rest.split()
    return table


def _build_equal(text: str) -> dict[str, str]:
    equal: dict[str, str] = {}
    for head, variants in _parse_table(text).items():
        target = _fold(head)
        for variant in variants:
            folded = _fold(variant)
            if folded != target and equal.setdefault(folded, target) != target:
                raise ValueError(f"{variant!r} is listed under two names")
    if chained := set(equal) & set(equal.values()):
        raise ValueError(f"canonical forms that are themselves variants: {sorted(chained)}")
    return equal


_EQUAL = _build_equal(_SAME_NAME)


@functools.lru_cache(maxsize=1 << 16)
def _canon_token(token: str) -> str:
    """canonical() of one normalized token."""
    folded = _fold(token)
    return _EQUAL.get(folded, folded)


def canonical(token: str) -> str:
    """The canonical spelling of a name (token by token when given several words).

    >>> canonical("Aïssatou") == canonical("Aysatou") == canonical("Aissatu")
    True
    >>> canonical("Mouhamed") == canonical("Muhammad"), canonical("Mamadou") == canonical("Mohamed")
    (True, False)
    """
    return " ".join(canon for _, canon in _tokens(token))


def _tokens(text: str) -> list[tuple[str, str]]:
    """(normalized, canonical) per word; words that fold to nothing (a lone "h") are dropped."""
    pairs = [(t, _canon_token(t)) for t in normalize(text).split()]
    return [(t, canon) for t, canon in pairs if canon]


def _build_groups(text: str) -> dict[str, str]:
    group_of: dict[str, str] = {}
    for head, members in _parse_table(text).items():
        for member in [head, *members]:
            if group_of.setdefault(_canon_token(member), _canon_token(head)) != _canon_token(head):
                raise ValueError(f"{member!r} is in two name groups")
    return group_of


_GROUP_OF = _build_groups(_NAME_GROUPS)
_KNOWN: frozenset[str] = frozenset(
    {_canon_token(n) for n in _COMMON_NAMES.split()} | set(_EQUAL.values()) | set(_GROUP_OF)
)
_TITLES: frozenset[str] = frozenset(_canon_token(t) for t in _TITLES_SPELLED.split())
# Given-name prefixes written joined or apart: Abdou Karim / Abdoukarim, Abdel Kader / Abdelkader.
_JOINING_PREFIXES: frozenset[str] = frozenset(
    _canon_token(t) for t in ["abdou", "abdoul", "abdel", "abdul", "abd"]
)

# --------------------------------------------------------------------------------------------
# phonetic keys
# --------------------------------------------------------------------------------------------

_VOWELS = frozenset("aeiou")
_KEY_LETTERS = str.maketrans({"z": "s", "v": "f"})
_MAX_KEY = 12


def _skeleton(canon: str) -> str:
    t = canon.replace("ch", "s").translate(_KEY_LETTERS)
    if not t:
        return ""
    out = ["a" if t[0] in _VOWELS else t[0]]
    for ch in t[1:]:
        if ch not in _VOWELS and ch != out[-1]:
            out.append(ch)
    return "".join(out)[:_MAX_KEY]


@functools.lru_cache(maxsize=1 << 16)
def _token_key(canon: str) -> str:
    group = _GROUP_OF.get(canon)
    return _skeleton(group if group is not None else canon)


def phonetic_key(text: str) -> str:
    """The blocking key of each name token, space-separated, in order.

    >>> phonetic_key("Mouhamadou") == phonetic_key("Mamadou") == phonetic_key("Modou")
    True
    >>> phonetic_key("Diop"), phonetic_key("Diouf"), phonetic_key("Ndiaye Niang")
    ('jp', 'jf', 'nj ng')
    """
    return " ".join(_token_key(canon) for _, canon in _tokens(text))


def phonetic_keys(text: str) -> frozenset[str]:
    """A full name's keys: the set of its tokens' keys."""
    return frozenset(phonetic_key(text).split())


# --------------------------------------------------------------------------------------------
# identity documents
# --------------------------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")


@functools.lru_cache(maxsize=1 << 14)
def normalize_id_document(text: str | None) -> str:
    """Upper-case letters and digits only; "" when the number cannot identify anyone.

    Usable: at least 5 characters, 3 of them digits, not one character repeated
    ("0000000", "NEANT", "AUCUN" are placeholders, not documents).
    """
    text = unicodedata.normalize("NFKD", (text or "").upper())
    text = _NOT_ALNUM.sub("", text)
    if len(text) < 5 or sum(ch.isdigit() for ch in text) < 3 or len(set(text)) == 1:
        return ""
    return text


def _shape(doc: str) -> str:
    return "".join("9" if ch.isdigit() else "A" for ch in doc)


def _one_typo_apart(x: str, y: str) -> bool:
    """Same length, and one character substituted or two adjacent characters swapped."""
    if len(x) != len(y):
        return False
    diff = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
    if len(diff) == 1:
        return True
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and x[diff[0]] == y[diff[1]]
        and x[diff[1]] == y[diff[0]]
    )


# --------------------------------------------------------------------------------------------
# similarity
# --------------------------------------------------------------------------------------------


def jaro_winkler(s1: str, s2: str, prefix_scale: float = 0.1) -> float:
    """Jaro-Winkler similarity in [0, 1] (symmetric: the arguments are put in a fixed order)."""
    if s1 > s2:
        s1, s2 = s2, s1
    if s1 == s2:
        return 1.0
    if not s1 or not s2:
        return 0.0
    window = max(max(len(s1), len(s2)) // 2 - 1, 0)
    used = [False] * len(s2)
    matches1 = []
    for i, ch in enumerate(s1):
        for j in range(max(0, i - window), min(len(s2), i + window + 1)):
            if not used[j] and s2[j] == ch:
                used[j] = True
                matches1.append(ch)
                break
    if not matches1:
        return 0.0
    matches2 = [s2[j] for j in range(len(s2)) if used[j]]
    m = len(matches1)
    transpositions = sum(a != b for a, b in zip(matches1, matches2, strict=True)) / 2
    jaro = (m / len(s1) + m / len(s2) + (m - transpositions) / m) / 3
    prefix = 0
    for a, b in zip(s1[:4], s2[:4], strict=False):
        if a != b:
            break
        prefix += 1
    return min(1.0, jaro + prefix * prefix_scale * (1 - jaro))


_EXACT, _VARIANT, _PHONETIC = 1.0, 0.9, 0.85


@functools.lru_cache(maxsize=1 << 16)
def _token_level(x: str, y: str) -> float:
    """How well two canonical tokens match: 1 same name, 0.9 similar name, 0.85 same sound
    (only when one of them is not a known name: two known names are two names), 0 otherwise."""
    if x == y:
        return _EXACT
    group = _GROUP_OF.get(x)
    if group is not None and group == _GROUP_OF.get(y):
        return _VARIANT
    if x in _KNOWN and y in _KNOWN:
        return 0.0
    key = _token_key(x)
    if (
        len(key) >= 2
        and key == _token_key(y)
        and min(len(x), len(y)) >= 3
        and jaro_winkler(x, y) >= 0.75
    ):
        return _PHONETIC
    return 0.0


# --------------------------------------------------------------------------------------------
# persons
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonName:
    """What duplicate detection reads of a person. sex: "F", "M" or None (unknown)."""

    given_names: str
    family_name: str
    sex: str | None = None
    birth_year: int | None = None
    id_document: str | None = None

    def blocking_keys(self) -> set[str]:
        return blocking_keys(
            self.given_names, self.family_name, self.sex, self.birth_year, self.id_document
        )


_Token = tuple[str, str]  # (normalized, canonical)
_Names = tuple[tuple[_Token, ...], tuple[_Token, ...]]  # (given, family)
_MAX_TOKENS = 6


@functools.lru_cache(maxsize=1 << 17)
def _name_tokens(given_names: str, family_name: str) -> _Names:
    given = _tokens(given_names)
    family = _tokens(family_name)
    given = [t for t in given if t[1] not in _TITLES] or given
    merged: list[_Token] = []
    for token in given:
        if merged and merged[-1][1] in _JOINING_PREFIXES:
            joined = merged.pop()[0] + token[0]
            token = (joined, _canon_token(joined))
        merged.append(token)
    return tuple(merged[:_MAX_TOKENS]), tuple(family[:_MAX_TOKENS])


def _sex(value: str | None) -> str | None:
    value = (value or "").strip().upper()[:1]
    return value if value in ("F", "M") else None


def blocking_keys(
    given_names: str,
    family_name: str,
    sex: str | None,
    birth_year: int | None,
    id_document: str | None = None,
) -> set[str]:
    """The keys a person is indexed under: two persons are compared when they share one.

    * "id:<document>" when the identity document is usable (see normalize_id_document).
    * "<sex><bucket>:<k1>.<k2>" for every pair of name parts (given and family pooled, so that
      swapped names, extra given names and parts typed in the wrong field still meet), with
      k1 <= k2 their phonetic keys; a name with a single part gives "<sex><bucket>:<k>".
    * Years are handled HERE, not by the caller: a person born in Y is indexed under the buckets
      Y and Y+1, so birth years at most one apart share a bucket and years further apart never
      do. An unknown year gives the bucket "?" (compared only with other unknown years); an
      unknown sex gives the keys of both sexes.

    Every pair that is_duplicate() accepts shares at least one key. Callers look up
    candidates with an equality lookup on these keys, then decide with is_duplicate().
    """
    keys = set(_name_keys(given_names or "", family_name or "", sex, birth_year))
    document = normalize_id_document(id_document)
    if document:
        keys.add(f"id:{document}")
    return keys


def _name_keys(
    given_names: str, family_name: str, sex: str | None, birth_year: int | None
) -> frozenset[str]:
    """The name part of blocking_keys."""
    pairs = _name_pairs(given_names, family_name)
    if not pairs:
        return frozenset()
    known_sex = _sex(sex)
    sexes = (known_sex,) if known_sex else ("F", "M")
    buckets = (str(birth_year), str(birth_year + 1)) if birth_year is not None else ("?",)
    return frozenset(f"{s}{b}:{p}" for s in sexes for b in buckets for p in pairs)


@functools.lru_cache(maxsize=1 << 17)
def _name_pairs(given_names: str, family_name: str) -> tuple[str, ...]:
    """The phonetic keys of each pair of name parts (or of the only part), remembered by name
    alone: a register repeats the same names many times over, but far less often with the same
    sex and year too."""
    given, family = _name_tokens(given_names, family_name)
    parts = [_token_key(canon) for _, canon in (*given, *family)]
    if len(parts) <= 1:
        return tuple(parts)
    return tuple(sorted({".".join(sorted(pair)) for pair in itertools.combinations(parts, 2)}))


def search_keys(given_names: str, family_name: str) -> frozenset[str]:
    """The keys a person is found under by the register search: "s:<k>" for the phonetic key of
    each name part and "s:<k1>.<k2>" (k1 < k2) for each pair of parts, whatever the order in
    which the parts are typed or which field they were written in."""
    return _search_keys(given_names or "", family_name or "")


@functools.lru_cache(maxsize=1 << 17)
def _search_keys(given_names: str, family_name: str) -> frozenset[str]:
    given, family = _name_tokens(given_names or "", family_name or "")
    parts = sorted({_token_key(canon) for _, canon in (*given, *family)} - {""})
    keys = {f"s:{p}" for p in parts}
    keys.update(f"s:{a}.{b}" for a, b in itertools.combinations(parts, 2))
    return frozenset(k[:64] for k in keys)


def search_key_for_query(text: str) -> str | None:
    """The most selective search key of a typed name: the pair of its two longest parts, or
    its only part. Every person whose search_keys() hold it has both parts, spelled alike.

    >>> search_key_for_query("Mamadu Diop") == search_key_for_query("DIOP Mouhamadou")
    True
    """
    given, _family = _name_tokens(text or "", "")
    parts = sorted({_token_key(canon) for _, canon in given} - {""}, key=lambda k: (-len(k), k))
    if not parts:
        return None
    if len(parts) == 1:
        return f"s:{parts[0]}"[:64]
    a, b = sorted(parts[:2])
    return f"s:{a}.{b}"[:64]


@dataclass(frozen=True, slots=True)
class _SetMatch:
    size: int  # tokens of the smaller side, all matched
    exact: int
    total: float
    spelling: int  # exact matches written differently
    variants: int
    phonetic: int


@functools.lru_cache(maxsize=1 << 18)
def _match_sets(xs: tuple[_Token, ...], ys: tuple[_Token, ...]) -> _SetMatch | None:
    """Match every token of the smaller side to a distinct token of the other, best first
    (most exact matches, then the highest total, then the fewest spelling differences).

    A search over (position in the smaller side, tokens of the larger side already used), so
    that repeated or many tokens stay cheap; the best value does not depend on argument order.
    """
    if not xs or not ys:
        return None
    small, large = (xs, ys) if len(xs) <= len(ys) else (ys, xs)
    levels = [[_token_level(s[1], t[1]) for t in large] for s in small]
    if not all(any(row) for row in levels):
        return None  # some name has no counterpart at all: the usual case for two strangers
    if not Counter(canon for _, canon in small) - Counter(canon for _, canon in large):
        # Every name of the smaller side is on the other side: all exact, and the most
        # identically written pairs is the intersection of the (written, canonical) multisets.
        same_spelling = (Counter(small) & Counter(large)).total()
        size = len(small)
        return _SetMatch(size, size, float(size), size - same_spelling, 0, 0)

    memo: dict[tuple[int, int], tuple[int, int, int, int, int] | None] = {}

    def best(i: int, used: int) -> tuple[int, int, int, int, int] | None:
        # (exact, total in hundredths, -spelling, variants, phonetic) for small[i:]
        if i == len(small):
            return (0, 0, 0, 0, 0)
        if (i, used) in memo:
            return memo[i, used]
        found = None
        for j, level in enumerate(levels[i]):
            if not level or used & (1 << j):
                continue
            rest = best(i + 1, used | (1 << j))
            if rest is None:
                continue
            spelling = level == _EXACT and small[i][0] != large[j][0]
            candidate = (
                rest[0] + (level == _EXACT),
                rest[1] + round(level * 100),
                rest[2] - spelling,
                rest[3] + (level == _VARIANT),
                rest[4] + (level == _PHONETIC),
            )
            if found is None or candidate[:3] > found[:3]:
                found = candidate
        memo[i, used] = found
        return found

    result = best(0, 0)
    if result is None:
        return None
    exact, total, spelling, variants, phonetic = result
    return _SetMatch(len(small), exact, total / 100, -spelling, variants, phonetic)


@dataclass(frozen=True, slots=True)
class _NameMatch:
    score: float
    reasons: tuple[str, ...]


_MODE_FACTOR = {"direct": 1.0, "swapped": 0.98, "pooled": 0.95}


@functools.lru_cache(maxsize=1 << 18)
def _match_names(a: _Names, b: _Names) -> _NameMatch | None:
    """The best reading under which the two names are the same name, or None.

    Readings, in order of preference: given with given and family with family; swapped (given
    with family); pooled (all parts together, for parts typed in the wrong field). In each, the
    smaller side's parts must all match, with at most one match that is not the same name.
    """
    (ga, fa), (gb, fb) = a, b
    pool_a, pool_b = ga + fa, gb + fb
    readings: list[tuple[str, tuple[tuple[tuple[_Token, ...], tuple[_Token, ...]], ...], bool]]
    readings = []
    if ga and gb and fa and fb:
        readings.append(("direct", ((ga, gb), (fa, fb)), len(ga) != len(gb) or len(fa) != len(fb)))
        readings.append(("swapped", ((ga, fb), (fa, gb)), len(ga) != len(fb) or len(fa) != len(gb)))
    if min(len(pool_a), len(pool_b)) >= 2 or len(pool_a) == len(pool_b) == 1:
        readings.append(("pooled", ((pool_a, pool_b),), len(pool_a) != len(pool_b)))
    for mode, sides, extra in readings:
        matches = []
        for xs, ys in sides:
            found = _match_sets(xs, ys)
            if found is None:
                break
            matches.append(found)
        else:
            size = sum(m.size for m in matches)
            if size - sum(m.exact for m in matches) > 1:
                continue
            reasons = []
            if mode == "swapped":
                reasons.append("swapped_names")
            elif mode == "pooled" and (fa or fb) and (ga or gb):
                reasons.append("names_moved")
            if extra:
                reasons.append("extra_given_names" if mode == "direct" else "extra_names")
            if any(m.spelling for m in matches):
                reasons.append("spelling_variant")
            if any(m.variants for m in matches):
                reasons.append("name_variant")
            if any(m.phonetic for m in matches):
                reasons.append("phonetic_match")
            value = sum(m.total for m in matches) / size * _MODE_FACTOR[mode]
            return _NameMatch(value * (0.97 if extra else 1.0), tuple(reasons))
    return None


@functools.lru_cache(maxsize=1 << 16)
def _token_similarity(x: str, y: str) -> float:
    return jaro_winkler(x, y)


def _partial_name_score(a: _Names, b: _Names) -> float:
    """Likeness of names that do not match, for ranking only (always below a match): how close
    each part comes to a part of the other name, averaged both ways."""
    pool_a = [canon for _, canon in (*a[0], *a[1])]
    pool_b = [canon for _, canon in (*b[0], *b[1])]
    if not pool_a or not pool_b:
        return 0.0
    a_to_b = sum(max(_token_similarity(x, y) for y in pool_b) for x in pool_a) / len(pool_a)
    b_to_a = sum(max(_token_similarity(x, y) for x in pool_a) for y in pool_b) / len(pool_b)
    return 0.7 * (a_to_b + b_to_a) / 2


def _compare(a: PersonName, b: PersonName) -> tuple[bool, float, list[str]]:
    doc_a = normalize_id_document(a.id_document)
    doc_b = normalize_id_document(b.id_document)
    if doc_a and doc_a == doc_b:
        return True, 1.0, ["same_id_document"]

    against: list[str] = []
    details: list[str] = []
    names_a = _name_tokens(a.given_names or "", a.family_name or "")
    names_b = _name_tokens(b.given_names or "", b.family_name or "")
    match = _match_names(names_a, names_b)
    if match is None:
        against.append("different_names")
        value = _partial_name_score(names_a, names_b)
    else:
        details.extend(match.reasons)
        value = match.score

    sex_a, sex_b = _sex(a.sex), _sex(b.sex)
    if sex_a and sex_b and sex_a != sex_b:
        against.append("different_sex")
        value *= 0.6

    year_a, year_b = a.birth_year, b.birth_year
    if year_a is None and year_b is None:
        details.append("birth_year_unknown")  # nothing tells them apart: compared on names
        value *= 0.9
    elif year_a is None or year_b is None:
        against.append("birth_year_unknown")  # the rule needs both years
        value *= 0.8
    else:
        gap = abs(year_a - year_b)
        if gap == 1:
            details.append("birth_year_off_by_one")
            value *= 0.97
        elif gap > 1:
            against.append("birth_years_apart")
            value *= max(0.1, 1.0 - 0.08 * gap)

    if doc_a and doc_b and _shape(doc_a) == _shape(doc_b):
        if _one_typo_apart(doc_a, doc_b):
            details.append("id_document_typo")
        else:
            against.append("different_id_document")
            value *= 0.7

    value = min(1.0, max(0.0, value))
    if against:
        return False, min(value, DUPLICATE_THRESHOLD - 0.01), against + details
    return True, max(value, DUPLICATE_THRESHOLD), ["same_name_sex_birth_year", *details]


def same_person(a: PersonName, b: PersonName) -> bool:
    """is_duplicate(a, b)[0], for bulk checks: the same decision, the cheap facts first (sex,
    years, documents), the names last, and neither score nor reasons."""
    doc_a = normalize_id_document(a.id_document)
    doc_b = normalize_id_document(b.id_document)
    if doc_a and doc_a == doc_b:
        return True
    sex_a, sex_b = _sex(a.sex), _sex(b.sex)
    if sex_a and sex_b and sex_a != sex_b:
        return False
    year_a, year_b = a.birth_year, b.birth_year
    if year_a is None or year_b is None:
        if year_a is not year_b:
            return False  # the rule needs both years (or neither)
    elif abs(year_a - year_b) > 1:
        return False
    if doc_a and doc_b and _shape(doc_a) == _shape(doc_b) and not _one_typo_apart(doc_a, doc_b):
        return False
    names_a = _name_tokens(a.given_names or "", a.family_name or "")
    names_b = _name_tokens(b.given_names or "", b.family_name or "")
    if names_a == names_b:  # namesakes, the usual case in a register: the same name
        return bool(names_a[0] or names_a[1])
    return _match_names(names_a, names_b) is not None


def score(a: PersonName, b: PersonName) -> float:
    """Likeness of two persons in [0, 1], symmetric; >= DUPLICATE_THRESHOLD iff a duplicate."""
    return _compare(a, b)[1]


def is_duplicate(a: PersonName, b: PersonName) -> tuple[bool, list[str]]:
    """The decision and its reason codes.

    Duplicate: "same_id_document", or "same_name_sex_birth_year" followed by what made the names
    match ("swapped_names", "names_moved", "extra_given_names", "extra_names",
    "spelling_variant", "name_variant", "phonetic_match") and "birth_year_off_by_one",
    "birth_year_unknown" (both unknown), "id_document_typo".
    Not a duplicate: "different_names", "different_sex", "birth_years_apart",
    "birth_year_unknown" (only one known), "different_id_document", then the details above.
    """
    decision, _, reasons = _compare(a, b)
    return decision, reasons
