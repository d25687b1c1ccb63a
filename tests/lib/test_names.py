"""Names: normalization, spelling folds, phonetic and blocking keys, and the duplicate rule,
measured on a committed corpus of true pairs and near misses (tests/fixtures/duplicate_pairs.csv).
Pure: no database."""

import csv
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.lib.names import (
    DUPLICATE_THRESHOLD,
    PersonName,
    blocking_keys,
    canonical,
    is_duplicate,
    jaro_winkler,
    normalize,
    normalize_id_document,
    phonetic_key,
    phonetic_keys,
    same_person,
    score,
    search_key_for_query,
    search_keys,
)

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "duplicate_pairs.csv"

# --------------------------------------------------------------------------------------------
# normalize
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("N'Diaye", "ndiaye"),
        ("N’Diaye", "ndiaye"),
        ("Ndiaye", "ndiaye"),
        ("N-Diaye", "ndiaye"),
        ("N Diaye", "ndiaye"),
        ("N. Diaye", "ndiaye"),
        ("NDIAYE", "ndiaye"),
        ("M'Baye", "mbaye"),
        ("M Baye", "mbaye"),
        ("N'Dour", "ndour"),
        ("  Aïssatou   N’DIAYE ", "aissatou ndiaye"),
        ("Ndèye Fatou", "ndeye fatou"),
        ("Keïta", "keita"),
        ("Ouédraogo", "ouedraogo"),
        ("Traoré", "traore"),
        ("Jean-Pierre", "jean pierre"),
        ("Marie-Claire Ngo-Bassa", "marie claire ngo bassa"),
        ("Eto'o", "etoo"),
        ("Ɓah", "bah"),
        ("Ŋom", "ngom"),
        ("Kɔnɛ", "kone"),
        ("Cœur", "coeur"),
        ("Fatou2 Diop", "fatou diop"),
        ("El-Hadji", "el hadji"),
        ("M. Ba", "m ba"),  # an initial, not the M' prefix: Ba is too short to be sure
        ("", ""),
        (None, ""),
        ("١٢٣", ""),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


# --------------------------------------------------------------------------------------------
# canonical: the same name written differently
# --------------------------------------------------------------------------------------------

SAME_NAME = [
    "Mouhamadou Mohamadou Muhammadu",
    "Mohamed Mouhamed Muhammad Mohammed Mohamad",
    "Aïssatou Aissatou Aïsatou Aysatou Aissatu",
    "Ndèye Ndeye Ndey",
    "Khady Khadi Kadi Xadi",
    "Ousmane Usman Ousman Osmane",
    "Ibrahima Ibrahim Brahima",
    "Seydou Seidou",
    "Cheikh Cheick Sheikh",
    "Abdoulaye Abdulaye",
    "Moustapha Mustafa Mustapha",
    "Oumar Omar Umar",
    "Hawa Awa",
    "Ahmadou Amadou",
    "Tidiane Tijani Tidjani",
    "Djibril Jibril Gibril",
    "Diallo Jallow Djalo Jalloh Dialo",
    "Traoré Traore Trawaré Tarawele",
    "Keïta Keita",
    "Coulibaly Kulibali Koulibaly",
    "Ouédraogo Ouedraogo Wedraogo",
    "Diop Jobe",
    "Ndiaye N'Diaye Njie",
    "Sy Si",
    "Ba Bah Bâ",
    "Sow Sao",
    "Fall Fal",
    "Mbaye M'Baye",
    "Gueye Guèye",
    "Ndour N'Dour",
    "Sarr Sar",
    "Faye Fay",
    "Camara Kamara",
    "Cissé Sissé Cisse",
    "Thiam Tiam",
    "Seck Sek",
    "Sawadogo Savadogo",
    "Ouattara Wattara",
]

DIFFERENT_NAMES = [
    ("Mamadou", "Mohamed"),  # similar (one name group), not equal
    ("Mamadou", "Mouhamadou"),
    ("Gueye", "Gaye"),  # similar, not equal
    ("Fatou", "Fatoumata"),
    ("Amadou", "Mamadou"),
    ("Diop", "Diouf"),
    ("Ndiaye", "Niang"),
    ("Ndiaye", "Ndoye"),
    ("Sow", "Sy"),
    ("Fall", "Faye"),
    ("Sarr", "Sall"),
    ("Thiam", "Thiaw"),
    ("Fatou", "Fanta"),
    ("Awa", "Adama"),
    ("Assane", "Ousseynou"),
    ("Traoré", "Touré"),
    ("Kane", "Koné"),
]


@pytest.mark.parametrize("spellings", SAME_NAME)
def test_spellings_of_one_name_share_a_canonical_form(spellings):
    forms = {canonical(s) for s in spellings.split()}
    assert len(forms) == 1, forms


@pytest.mark.parametrize("x,y", DIFFERENT_NAMES)
def test_different_names_keep_different_canonical_forms(x, y):
    assert canonical(x) != canonical(y)


def test_canonical_works_word_by_word():
    assert canonical("Aïssatou N'Diaye") == f"{canonical('Aissatou')} {canonical('Ndiaye')}"


# --------------------------------------------------------------------------------------------
# phonetic keys
# --------------------------------------------------------------------------------------------

SAME_KEY = [
    "Mamadou Mouhamadou Mohamed Muhammad Modou",  # one name group: one blocking key
    "Fatou Fatoumata Fatim",
    "Khady Khadija Khadidiatou Kadiatou",
    "Gueye Gaye",
    "Aminata Ami",
    "Abdoulaye Abdallah Ablaye",
    "Diouf Diof",
    "Mariama Mairama Mariam",  # transposed vowels keep the consonant skeleton
    "Aminata Aminatta Amineta",
]

DIFFERENT_KEYS = [
    ("Diop", "Diouf"),
    ("Ndiaye", "Niang"),
    ("Fatou", "Fanta"),
    ("Awa", "Adama"),
    ("Moussa", "Mamadou"),
    ("Amadou", "Mamadou"),
    ("Sarr", "Sall"),
]


@pytest.mark.parametrize("spellings", SAME_KEY)
def test_variants_share_a_phonetic_key(spellings):
    keys = {phonetic_key(s) for s in spellings.split()}
    assert len(keys) == 1, keys


@pytest.mark.parametrize("x,y", DIFFERENT_KEYS)
def test_different_names_have_different_phonetic_keys(x, y):
    assert phonetic_key(x) != phonetic_key(y)


def test_a_full_name_has_the_keys_of_its_tokens():
    assert (
        phonetic_key("Aïssatou N'Diaye") == f"{phonetic_key('Aissatou')} {phonetic_key('Ndiaye')}"
    )
    assert phonetic_keys("Fatou Diop Fatoumata") == {phonetic_key("Fatou"), phonetic_key("Diop")}
    assert phonetic_key("") == "" and phonetic_keys("") == frozenset()


# --------------------------------------------------------------------------------------------
# identity documents and blocking keys
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1 751 1985 01234", "1751198501234"),
        ("sn-1751.1985/01234", "SN1751198501234"),
        ("B 1123 4567", "B11234567"),
        ("0000000", ""),
        ("NEANT", ""),
        ("12", ""),
        (None, ""),
    ],
)
def test_normalize_id_document(text, expected):
    assert normalize_id_document(text) == expected


def test_blocking_keys_cover_years_one_apart_and_no_further():
    def keys(year):
        return blocking_keys("Fatou", "Diop", "F", year)

    assert keys(1990) & keys(1991)
    assert keys(1990) & keys(1989)
    assert not keys(1990) & keys(1992)
    assert not keys(1990) & blocking_keys("Fatou", "Diop", "M", 1990)
    assert not keys(1990) & keys(None)
    assert keys(None) == blocking_keys("Fatou", "Diop", "F", None)


def test_blocking_keys_meet_for_swaps_extra_names_variants_and_documents():
    base = blocking_keys("Mame Diarra Bousso", "Sarr", "F", 1992)
    assert base & blocking_keys("Diarra", "Sarr", "F", 1992)
    assert base & blocking_keys("Sarr", "Mame Diarra", "F", 1993)
    assert blocking_keys("Mouhamadou", "Diop", "M", 1975) & blocking_keys(
        "Modou", "Diop", "M", 1975
    )
    assert blocking_keys("Awa", "Ba", "F", 1990, "1 751 1990 01234") & blocking_keys(
        "Aoua", "Bah", "M", 1950, "1751199001234"
    )
    assert blocking_keys("Awa", "Ba", None, 1990) & blocking_keys("Awa", "Ba", "M", 1990)
    assert blocking_keys("", "", "F", 1990) == set()


# --------------------------------------------------------------------------------------------
# the duplicate rule and its reason codes
# --------------------------------------------------------------------------------------------

P = PersonName


@pytest.mark.parametrize(
    "a,b,duplicate,reasons",
    [
        (
            P("Fatou", "Sow", "F", 1980, "1751198000123"),
            P("Ndeye", "Sarr", "M", 1960, "1 751 1980 00123"),
            True,
            ["same_id_document"],
        ),
        (
            P("Aïssatou", "N'Diaye", "F", 1988),
            P("Aissatou", "Ndiaye", "F", 1988),
            True,
            ["same_name_sex_birth_year"],  # the same once normalized
        ),
        (
            P("Ousmane", "Diallo", "M", 1990),
            P("Usman", "Jallow", "M", 1990),
            True,
            ["same_name_sex_birth_year", "spelling_variant"],
        ),
        (
            P("Awa", "Fall", "F", 1985),
            P("Fall", "Awa", "F", 1986),
            True,
            ["same_name_sex_birth_year", "swapped_names", "birth_year_off_by_one"],
        ),
        (
            P("Mame Diarra Bousso", "Sarr", "F", 1992),
            P("Diarra", "Sarr", "F", 1992),
            True,
            ["same_name_sex_birth_year", "extra_given_names"],
        ),
        (
            P("Mouhamadou", "Diop", "M", 1975),
            P("Mamadou", "Diop", "M", 1975),
            True,
            ["same_name_sex_birth_year", "name_variant"],
        ),
        (
            P("Waly", "Diof", "M", 1960),
            P("Waly", "Diouf", "M", 1960),
            True,
            ["same_name_sex_birth_year", "phonetic_match"],
        ),
        (
            P("Moussa Traore", "", "M", 1975),
            P("Moussa", "Traoré", "M", 1975),
            True,
            ["same_name_sex_birth_year", "names_moved"],
        ),
        (
            P("Aminata", "Diop", "F", 1990, "2751199000345"),
            P("Aminata", "Diop", "F", 1990, "2751199000354"),
            True,
            ["same_name_sex_birth_year", "id_document_typo"],
        ),
        (
            P("Ndeye", "Diop", "F", None),
            P("Ndeye", "Diop", "F", None),
            True,
            ["same_name_sex_birth_year", "birth_year_unknown"],
        ),
        (
            P("Adama", "Diallo", "M", 1990),
            P("Adama", "Diallo", "F", 1990),
            False,
            ["different_sex"],
        ),
        (
            P("Mamadou", "Diop", "M", 1980),
            P("Mamadou", "Diop", "M", 1990),
            False,
            ["birth_years_apart"],
        ),
        (P("Fatou", "Diop", "F", 1985), P("Fatou", "Diouf", "F", 1985), False, ["different_names"]),
        (
            P("Mamadou", "Diop", "M", 1980, "1751198000234"),
            P("Mamadou", "Diop", "M", 1980, "1751198001987"),
            False,
            ["different_id_document"],
        ),
        (
            P("Ndeye", "Diop", "F", 1990),
            P("Ndeye", "Diop", "F", None),
            False,
            ["birth_year_unknown"],
        ),
        (
            # two non-exact parts (similar given name and a phonetic family name) is too many
            P("Mohamed", "Diof", "M", 1990),
            P("Mamadou", "Diouf", "M", 1990),
            False,
            ["different_names"],
        ),
    ],
)
def test_is_duplicate_reasons(a, b, duplicate, reasons):
    assert is_duplicate(a, b) == (duplicate, reasons)
    assert is_duplicate(b, a) == (duplicate, reasons)
    assert (score(a, b) >= DUPLICATE_THRESHOLD) is duplicate


def test_jaro_winkler():
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.961, abs=1e-3)
    assert jaro_winkler("dixon", "dicksonx") == pytest.approx(0.813, abs=1e-3)
    assert jaro_winkler("", "") == 1.0 and jaro_winkler("abc", "") == 0.0


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------

# Name-like text: letters, accents, the region's special letters, apostrophes, hyphens, N'/M'.
NAME_TEXT = st.lists(
    st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        + list("éèëïîôöüçñÉÈÏÔ")
        + ["'", "’", "-", ".", " ", "  ", "\t", "ɓ", "ŋ", "ɔ", "œ", "ß", "İ", "2", "N'", "M "]
    ),
    max_size=30,
).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=40), NAME_TEXT)

# Other spellings and forms of a name, from the tables above.
ALTERNATIVES = {word: line.split() for line in SAME_NAME + SAME_KEY for word in line.split()}
GIVEN = [
    "Mamadou",
    "Mouhamadou",
    "Modou",
    "Mohamed",
    "Moussa",
    "Ousmane",
    "Amadou",
    "Ibrahima",
    "Cheikh",
    "Abdoulaye",
    "Awa",
    "Hawa",
    "Fatou",
    "Fatoumata",
    "Fanta",
    "Aminata",
    "Ami",
    "Aïssatou",
    "Khady",
    "Khadidiatou",
    "Ndèye",
    "Coumba",
    "Mame",
    "Diarra",
    "Adama",
    "Assane",
    "Ousseynou",
    "Seydou",
    "Oumar",
    "Omar",
    "Aliou",
    "Alioune",
    "Abdou",
    "Karim",
    "Jean",
    "Pierre",
    "Marie",
    "Claire",
]
FAMILY = [
    "Diop",
    "Diouf",
    "Diof",
    "Ndiaye",
    "N'Diaye",
    "Niang",
    "Fall",
    "Faye",
    "Sow",
    "Sy",
    "Ba",
    "Bah",
    "Diallo",
    "Jallow",
    "Gueye",
    "Gaye",
    "Mbaye",
    "Sarr",
    "Sall",
    "Traoré",
    "Touré",
    "Keïta",
    "Coulibaly",
    "Ouédraogo",
    "Camara",
    "Kamara",
    "Thiam",
    "Thiaw",
    "Ngo",
    "Bassa",
    "Mbarga",
]
SEX = st.sampled_from(["F", "M", None])
YEAR = st.one_of(st.integers(1930, 2024), st.none())
DOCUMENT = st.one_of(st.none(), st.sampled_from(["1751198000123", "1 751 1980 00123", "B1234567"]))


@st.composite
def persons(draw, text=False):
    names = ANY_TEXT if text else st.sampled_from(GIVEN)
    surnames = ANY_TEXT if text else st.sampled_from(FAMILY)
    given_names = " ".join(draw(st.lists(names, min_size=1, max_size=3)))
    family_name = " ".join(draw(st.lists(surnames, min_size=0 if text else 1, max_size=2)))
    return PersonName(given_names, family_name, draw(SEX), draw(YEAR), draw(DOCUMENT))


def _respell(draw, words):
    return [draw(st.sampled_from(ALTERNATIVES.get(w, [w]))) for w in words]


@st.composite
def near_pairs(draw):
    """A person and a variant of them: the pairs where the rule is tested hardest."""
    a = draw(persons())
    given, family = a.given_names.split(), a.family_name.split()
    mutations = draw(
        st.sets(st.sampled_from(["swap", "drop", "add", "move", "respell", "year", "sex"]))
    )
    if "respell" in mutations:
        given, family = _respell(draw, given), _respell(draw, family)
    if "drop" in mutations and len(given) > 1:
        given = given[1:]
    if "add" in mutations:
        given = [*given, draw(st.sampled_from(GIVEN))]
    if "move" in mutations:
        family, given = [*given[-1:], *family], given[:-1]
    if "swap" in mutations:
        given, family = family, given
    year = a.birth_year
    if "year" in mutations and year is not None:
        year += draw(st.integers(-2, 2))
    sex = draw(SEX) if "sex" in mutations else a.sex
    document = draw(st.sampled_from([a.id_document, None, "1751198000132"]))
    return a, PersonName(" ".join(given), " ".join(family), sex, year, document)


@given(ANY_TEXT)
def test_normalize_is_idempotent_and_plain(text):
    once = normalize(text)
    assert normalize(once) == once
    assert re.fullmatch(r"([a-z]+( [a-z]+)*)?", once)


@given(ANY_TEXT)
def test_phonetic_key_reads_through_normalize(text):
    assert phonetic_key(normalize(text)) == phonetic_key(text)
    for word in normalize(text).split():
        assert canonical(canonical(word)) == canonical(word)


@given(st.one_of(persons(), persons(text=True)), st.one_of(persons(), persons(text=True)))
def test_score_is_symmetric_and_bounded(a, b):
    value = score(a, b)
    assert 0.0 <= value <= 1.0
    assert value == score(b, a)
    assert is_duplicate(a, b) == is_duplicate(b, a)
    assert (value >= DUPLICATE_THRESHOLD) is is_duplicate(a, b)[0]


@given(st.one_of(near_pairs(), st.tuples(persons(text=True), persons(text=True))))
def test_same_person_decides_as_is_duplicate(pair):
    a, b = pair
    assert same_person(a, b) is is_duplicate(a, b)[0]
    assert same_person(b, a) is is_duplicate(b, a)[0]


@given(st.one_of(persons(), persons(text=True)))
def test_keys_are_plain_text(person):
    # members.duplicates.write_keys sends them as raw COPY text: no tab, newline, backslash.
    keys = person.blocking_keys() | search_keys(person.given_names, person.family_name)
    assert all(re.fullmatch(r"[A-Za-z0-9.:?]+", key) for key in keys), keys


@given(st.one_of(persons(), persons(text=True)))
def test_a_person_is_a_duplicate_of_themselves(person):
    # (a name that folds to nothing, like a lone "H", carries no name to compare)
    if canonical(person.given_names + " " + person.family_name) or normalize_id_document(
        person.id_document
    ):
        assert is_duplicate(person, person)[0]
        assert person.blocking_keys()


@given(st.one_of(near_pairs(), st.tuples(persons(text=True), persons(text=True))))
def test_every_duplicate_shares_a_blocking_key(pair):
    a, b = pair
    if is_duplicate(a, b)[0]:
        assert a.blocking_keys() & b.blocking_keys()


# --------------------------------------------------------------------------------------------
# the corpus
# --------------------------------------------------------------------------------------------


def _side(row, side):
    year = row[f"{side}_birth_year"]
    return PersonName(
        given_names=row[f"{side}_given_names"],
        family_name=row[f"{side}_family_name"],
        sex=row[f"{side}_sex"] or None,
        birth_year=int(year) if year else None,
        id_document=row[f"{side}_id_document"] or None,
    )


def _corpus():
    with CORPUS.open(encoding="utf-8", newline="") as f:
        return [
            (row["label"] == "1", _side(row, "a"), _side(row, "b"), row)
            for row in csv.DictReader(f)
        ]


def test_the_corpus_is_large_enough():
    pairs = _corpus()
    true = sum(label for label, *_ in pairs)
    assert true >= 60
    assert len(pairs) - true >= true


def test_precision_and_recall_on_the_corpus():
    tp = fp = fn = 0
    errors = []
    for label, a, b, row in _corpus():
        decision, reasons = is_duplicate(a, b)
        tp += decision and label
        fp += decision and not label
        fn += label and not decision
        if decision != label:
            errors.append(f"{'FP' if decision else 'FN'} {row['note']}: {reasons}")
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    print(f"\nduplicates corpus: precision {precision:.3f}, recall {recall:.3f}", *errors, sep="\n")
    assert precision >= 0.9, (precision, errors)
    assert recall >= 0.9, (recall, errors)


def test_same_person_decides_the_corpus_as_is_duplicate():
    for _label, a, b, row in _corpus():
        assert same_person(a, b) is is_duplicate(a, b)[0], row["note"]


def test_every_true_pair_shares_a_blocking_key():
    missed = [
        row["note"]
        for label, a, b, row in _corpus()
        if label and not a.blocking_keys() & b.blocking_keys()
    ]
    assert missed == []


# Same persons the rule does not find: consonant typos and spellings from outside the tables.
# Documented here rather than in the corpus; if one starts being found, move it to the corpus.
KNOWN_LIMITS = [
    (P("Mamadou", "Diallo", "M", 1980), P("Mamadou", "Fiallo", "M", 1980)),  # D/F adjacent keys
    (P("Malang", "Sagna", "M", 1980), P("Malang", "Sanha", "M", 1980)),  # Portuguese nh = gn
    (P("Aminata", "Sow", "F", 1990), P("Aminata", "Sow", "F", 1993)),  # estimated years too far
]


@pytest.mark.parametrize("a,b", KNOWN_LIMITS)
def test_known_limits(a, b):
    assert not is_duplicate(a, b)[0]


@given(
    st.permutations(["Mamadou", "Lamine", "Diop"]),
    st.sampled_from(["Mouhamadou", "Mamadu", "MAMADOU", "Mamadou"]),
)
def test_a_name_typed_in_any_order_or_spelling_finds_its_search_key(order, spelling):
    typed = " ".join(spelling if part == "Mamadou" else part for part in order[:2])
    assert search_key_for_query(typed) in search_keys("Mamadou Lamine", "Diop")


def test_search_keys_of_names_that_sound_apart_differ():
    assert search_key_for_query("Fatou Diop") not in search_keys("Fatou", "Diouf")
    assert search_key_for_query("") is None
