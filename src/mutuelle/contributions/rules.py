"""Pure rules of contributions: rule configurations, billing with proration, allocation of
payments, typed amounts, arrears. Plain values in, decisions and reason codes out; no Django.

Non-selection is structural (mission: "Solidarity, non-selection"). A contribution may depend on
household size, the member/dependant role, children (a reduced "solidarity" rate under an age),
the ability-to-pay category and salary — never on sex, health or adults' age. `MemberFacts` has
no field for any of them; `member_facts_from()` reads a birth date only for a child, and never
reads sex; `rule_errors()` refuses any configuration key that would select risks
(`FORBIDDEN_INPUTS`).
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from mutuelle.lib.money import CURRENCY_EXPONENTS, exponent, quantize
from mutuelle.lib.periods import KINDS, Period, Periodicity, anchor_valid, months_of

PERSON, HOUSEHOLD, SIZE_BANDS, ABILITY, SALARY = (
    "person",
    "household",
    "size_bands",
    "ability",
    "salary",
)
BASES = (PERSON, HOUSEHOLD, SIZE_BANDS, ABILITY, SALARY)

# Line codes of a due.
PERSON_LINE = "contribution.person"
DEPENDANT_LINE = "contribution.dependant"
CHILD_LINE = "contribution.child"
HOUSEHOLD_LINE = "contribution.household"
BAND_LINE = "contribution.band"
ABILITY_LINE = "contribution.ability"
SALARY_LINE = "contribution.salary"
ENTRY_FEE = "fee.entry"
CARD_FEE = "fee.card"
ASSEMBLY_FEE = "fee.assembly"

ZERO = Decimal(0)
HUNDRED = Decimal(100)


# --- Facts ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberFacts:
    key: int | str  # the person/membership id, echoed in results
    is_head: bool
    is_child: bool  # relationship child AND under the rule's child age; adults' age never enters
    covered_from: date  # membership active from (enrolment or later)
    covered_to: date | None  # last covered day; None = open
    salary: Decimal | None = None  # occupational mutuals only: salary per period of the rule


@dataclass(frozen=True)
class HouseholdFacts:
    key: int | str
    members: tuple[MemberFacts, ...]
    ability: str | None = None  # the household's ability-to-pay category code


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _child_age_on(person_like: Any, on: date) -> int | None:
    born = _get(person_like, "birth_date")
    if born:
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    year = _get(person_like, "birth_year")
    return on.year - year if year else None


_UNSET: Any = object()


def member_facts_from(
    person_like: Any,
    rule_child_age: int | None,
    on: date,
    *,
    key: int | str | None = None,
    covered_from: date | None = None,
    covered_to: date | None = _UNSET,
    salary: Decimal | None = _UNSET,
) -> MemberFacts:
    """The billing facts of a person (an object or a mapping with `relationship`, `birth_date`
    and/or `birth_year`; and, unless given as keywords, `key` (or `pk`), `covered_from`,
    `covered_to`, `salary`).

    `is_child` = relationship "child" and younger than `rule_child_age` on `on` (pass the
    period's first day). A child whose age is unknown is not a child for the reduced rate.
    The birth date is read for children only and sex is never read: an adult's age or sex cannot
    reach a contribution.
    """
    relationship = _get(person_like, "relationship")
    is_child = False
    if relationship == "child" and rule_child_age is not None:
        age = _child_age_on(person_like, on)
        is_child = age is not None and 0 <= age < rule_child_age
    if key is None:
        key = _get(person_like, "key")
        if key is None:
            key = _get(person_like, "pk")
    if covered_from is None:
        covered_from = _get(person_like, "covered_from")
    if covered_to is _UNSET:
        covered_to = _get(person_like, "covered_to")
    if salary is _UNSET:
        salary = _get(person_like, "salary")
    if key is None or covered_from is None:
        raise ValueError("member_facts_from needs a key and covered_from")
    return MemberFacts(
        key=key,
        is_head=relationship == "head",
        is_child=is_child,
        covered_from=covered_from,
        covered_to=covered_to,
        salary=salary,
    )


# --- Rules ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Band:
    min_size: int
    max_size: int | None  # None = and more (only the last band)
    amount: Decimal


@dataclass(frozen=True)
class ContributionRule:
    """One version of a mutual's contribution rule. Amounts are per period of `periodicity`."""

    basis: str
    periodicity: Periodicity
    currency: str
    amount: Decimal = ZERO  # per person (PERSON) or per household (HOUSEHOLD), per period
    dependant_amount: Decimal | None = None  # PERSON: reduced rate for dependants
    child_amount: Decimal | None = None  # PERSON: reduced "solidarity" rate for children
    bands: tuple[Band, ...] = ()  # SIZE_BANDS: amount per household per period by size
    ability_amounts: tuple[tuple[str, Decimal], ...] = ()  # ABILITY: per category code
    ability_per_person: bool = True  # ABILITY: per person (True) or per household
    salary_rate: Decimal = ZERO  # SALARY: percent of each salaried member's salary per period
    salary_floor: Decimal | None = None  # SALARY: bounds of the salary the rate applies to
    salary_ceiling: Decimal | None = None
    entry_fee: Decimal = ZERO  # once per new member
    card_fee: Decimal = ZERO  # per card issued
    assembly_fee: Decimal = ZERO  # per household per year
    child_age: int | None = None  # children under this age pay child_amount
    default_ability: str | None = None  # ABILITY: category of a household without a known one

    def band_for(self, size: int) -> Band | None:
        for band in self.bands:
            if band.min_size <= size and (band.max_size is None or size <= band.max_size):
                return band
        return None

    def ability_amount(self, category: str | None) -> Decimal | None:
        table = dict(self.ability_amounts)
        if category in table:
            return table[category]
        if self.default_ability is not None:
            return table.get(self.default_ability)
        return None


# Keys that would select risks. A configuration key is refused ("rule.selection_forbidden")
# when, lower-cased, without accents and cut at anything not a letter or digit, it equals one of
# these or contains one of them as a word (or two words). Known rule fields (RULE_KEYS) are never
# refused: "child_age" is the solidarity rate's age limit for children, not an age band for adults.
FORBIDDEN_INPUTS: frozenset[str] = frozenset(
    {
        # sex
        "sex", "sexe", "gender", "genre", "male", "female", "homme", "femme", "masculin",
        "feminin", "woman", "women",
        # health
        "health", "sante", "illness", "ill", "maladie", "malade", "disease", "sickness", "sick",
        "diagnosis", "diagnostic", "medical", "medicale", "medical_history", "antecedents",
        "pathology", "pathologie", "chronic", "chronique",
        "pregnancy", "pregnant", "grossesse", "enceinte", "maternity_status",
        "disability", "disabled", "handicap", "handicape", "invalidite",
        "hiv", "vih", "aids", "sida", "tuberculosis", "diabetes", "diabete", "hypertension",
        "bmi", "imc", "smoker", "fumeur", "risk", "risque", "questionnaire", "preexisting",
        # adults' age
        "age", "ages", "age_band", "age_bands", "age_group", "tranche_age", "elderly", "senior",
        "seniors", "adult_age", "birth", "birth_date", "birthdate", "birth_year", "born",
        "date_of_birth", "dob", "naissance", "date_naissance", "annee_naissance", "year_of_birth",
    }
)  # fmt: skip

PERIODICITY_KEYS = ("periodicity_kind", "anchor_month", "anchor_day", "periodicity")
RULE_KEYS: frozenset[str] = frozenset(f.name for f in fields(ContributionRule)) | frozenset(
    PERIODICITY_KEYS
)
MONEY_FIELDS = (
    "amount",
    "dependant_amount",
    "child_amount",
    "salary_floor",
    "salary_ceiling",
    "entry_fee",
    "card_fee",
    "assembly_fee",
)
RATE_PLACES = 4  # salary_rate: percent with at most 4 decimals
MAX_CHILD_AGE = 25


def _normalize_key(key: str) -> str:
    text = unicodedata.normalize("NFKD", str(key)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def selection_forbidden(key: str) -> bool:
    """Would a configuration key with this name select risks (sex, health, adults' age)?"""
    normalized = _normalize_key(key)
    if normalized in RULE_KEYS:
        return False
    if normalized in FORBIDDEN_INPUTS:
        return True
    words = [w for w in normalized.split("_") if w]
    if any(w in FORBIDDEN_INPUTS for w in words):
        return True
    pairs = ("_".join(words[i : i + 2]) for i in range(len(words) - 1))
    return any(p in FORBIDDEN_INPUTS for p in pairs)


def _decimal(value: Any) -> Decimal | None:
    """A Decimal from a Decimal, an int or a string; None when it is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):  # a spreadsheet cell: its shortest repr is what was typed
        value = repr(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = _decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def _bands_of(raw: Any) -> list[tuple[Any, Any, Any]] | None:
    """Bands as (min, max, amount) triples, from Band objects, mappings or sequences."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
        return None
    triples: list[tuple[Any, Any, Any]] = []
    for item in raw:
        if isinstance(item, Band):
            triples.append((item.min_size, item.max_size, item.amount))
        elif isinstance(item, Mapping):
            triples.append((item.get("min_size"), item.get("max_size"), item.get("amount")))
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 3:
            triples.append((item[0], item[1], item[2]))
        else:
            return None
    return triples


def _abilities_of(raw: Any) -> list[tuple[Any, Any]] | None:
    if raw is None or raw == "":
        return []
    if isinstance(raw, Mapping):
        return list(raw.items())
    if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
        return None
    pairs = []
    for item in raw:
        if isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            pairs.append((item[0], item[1]))
        else:
            return None
    return pairs


def _periodicity_parts(config: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    given = config.get("periodicity")
    if isinstance(given, Periodicity):
        return given.kind, given.anchor_month, given.anchor_day
    kind = config.get("periodicity_kind", given)
    month, day = config.get("anchor_month"), config.get("anchor_day")
    return kind, 1 if _blank(month) else month, 1 if _blank(day) else day


def rule_errors(config: Mapping[str, Any], *, strict: bool = False) -> list[tuple[str, dict]]:
    """Errors of a rule configuration as entered on a screen or imported: (code, params) pairs;
    empty = valid, and `rule_from_config()` may build the rule.

    Keys are ContributionRule's field names, plus "periodicity_kind", "anchor_month",
    "anchor_day" (or "periodicity" as a Periodicity or a kind). "bands" is a sequence of Band,
    of mappings {min_size, max_size, amount} or of triples; "ability_amounts" a mapping
    {category: amount} or a sequence of pairs. Amounts are Decimals, ints or strings.
    Any key that would select risks is refused ("rule.selection_forbidden", {"field": key});
    other unknown keys are ignored, or refused ("rule.unknown_field") when `strict`.
    """
    errors: list[tuple[str, dict]] = []
    for key in config:
        if selection_forbidden(key):
            errors.append(("rule.selection_forbidden", {"field": key}))
        elif strict and key not in RULE_KEYS:
            errors.append(("rule.unknown_field", {"field": key}))
    raw_bands = config.get("bands")
    if not isinstance(raw_bands, Iterable) or isinstance(raw_bands, str | bytes | Mapping):
        raw_bands = ()
    for item in raw_bands:
        if isinstance(item, Mapping):
            for key in item:
                if selection_forbidden(key):
                    errors.append(("rule.selection_forbidden", {"field": f"bands.{key}"}))

    basis = config.get("basis")
    if basis not in BASES:
        errors.append(("rule.unknown_basis", {"basis": basis}))

    currency = config.get("currency")
    places: int | None = None
    if currency not in CURRENCY_EXPONENTS:
        errors.append(("rule.unknown_currency", {"currency": currency}))
    else:
        places = exponent(str(currency))

    kind, anchor_month, anchor_day = _periodicity_parts(config)
    if kind not in KINDS:
        errors.append(("rule.unknown_periodicity", {"kind": kind}))
    else:
        month, day = _int(anchor_month), _int(anchor_day)
        if month is None or day is None or not anchor_valid(str(kind), month, day):
            errors.append(("rule.bad_anchor", {"month": anchor_month, "day": anchor_day}))

    def money(field: str, value: Any) -> Decimal | None:
        """Check one amount; append its errors; the value when it is usable."""
        if _blank(value):
            return None
        number = _decimal(value)
        if number is None:
            errors.append(("rule.not_a_number", {"field": field}))
            return None
        if number < 0:
            errors.append(("rule.negative_amount", {"field": field}))
            return None
        if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
            errors.append(("rule.too_many_decimals", {"field": field, "places": places}))
            return None
        return number

    values = {name: money(name, config.get(name)) for name in MONEY_FIELDS}

    rate = None
    if not _blank(config.get("salary_rate")):
        rate = _decimal(config.get("salary_rate"))
        if rate is None:
            errors.append(("rule.not_a_number", {"field": "salary_rate"}))
        elif rate < 0:
            errors.append(("rule.negative_amount", {"field": "salary_rate"}))
            rate = None
        elif rate > HUNDRED:
            errors.append(("rule.rate_above_100", {"field": "salary_rate"}))
        elif rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
            errors.append(
                ("rule.too_many_decimals", {"field": "salary_rate", "places": RATE_PLACES})
            )

    if not _blank(config.get("child_age")):
        child_age = _int(config.get("child_age"))
        if child_age is None or not 1 <= child_age <= MAX_CHILD_AGE:
            errors.append(("rule.bad_child_age", {"max": MAX_CHILD_AGE}))

    for reduced in ("dependant_amount", "child_amount"):
        if not _blank(config.get(reduced)) and basis in BASES and basis != PERSON:
            errors.append(("rule.field_not_for_basis", {"field": reduced, "basis": basis}))

    raw_amount = config.get("amount")
    if basis in (PERSON, HOUSEHOLD) and (_blank(raw_amount) or _decimal(raw_amount) == 0):
        errors.append(("rule.amount_required", {"field": "amount"}))
    full = values["amount"]
    if basis == PERSON and full is not None:
        for reduced in ("dependant_amount", "child_amount"):
            value = values[reduced]
            if value is not None and value > full:
                errors.append(("rule.reduced_above_full", {"field": reduced}))
    if basis == PERSON and values["child_amount"] is not None and _blank(config.get("child_age")):
        errors.append(("rule.child_age_required", {"field": "child_age"}))

    if basis == SIZE_BANDS:
        errors.extend(_band_errors(config.get("bands"), money))
    if basis == ABILITY:
        errors.extend(_ability_errors(config, money))
    if basis == SALARY:
        raw_rate = config.get("salary_rate")
        if _blank(raw_rate) or _decimal(raw_rate) == 0:
            errors.append(("rule.amount_required", {"field": "salary_rate"}))
        floor, ceiling = values["salary_floor"], values["salary_ceiling"]
        if floor is not None and ceiling is not None and floor > ceiling:
            errors.append(("rule.salary_floor_above_ceiling", {}))
    return errors


def _band_errors(raw: Any, money: Any) -> list[tuple[str, dict]]:
    triples = _bands_of(raw)
    if triples is None:
        return [("rule.bands_malformed", {})]
    if not triples:
        return [("rule.bands_required", {})]
    errors: list[tuple[str, dict]] = []
    bands = []
    for i, (low, high, amount) in enumerate(triples):
        lo = _int(low)
        hi = None if _blank(high) else _int(high)
        value = money(f"bands.{i}.amount", amount)
        if _blank(amount):
            errors.append(("rule.amount_required", {"field": f"bands.{i}.amount"}))
        if lo is None or lo < 1 or (not _blank(high) and (hi is None or hi < lo)):
            errors.append(("rule.band_bounds", {"min_size": low, "max_size": high}))
            continue
        bands.append((lo, hi, value))
    if errors:
        return errors
    bands.sort(key=lambda b: b[0])
    if bands[0][0] != 1:
        errors.append(("rule.bands_not_from_one", {"min_size": bands[0][0]}))
    for (_lo1, hi1, _a1), (lo2, _hi2, _a2) in zip(bands, bands[1:], strict=False):
        if hi1 is None or lo2 <= hi1:
            errors.append(("rule.bands_overlap", {"size": lo2}))
        elif lo2 > hi1 + 1:
            errors.append(("rule.bands_gap", {"from": hi1 + 1, "to": lo2 - 1}))
    if bands[-1][1] is not None:
        errors.append(("rule.bands_not_open_ended", {"max_size": bands[-1][1]}))
    return errors


def _ability_errors(config: Mapping[str, Any], money: Any) -> list[tuple[str, dict]]:
    pairs = _abilities_of(config.get("ability_amounts"))
    if pairs is None:
        return [("rule.ability_amounts_malformed", {})]
    if not pairs:
        return [("rule.ability_amounts_required", {})]
    errors: list[tuple[str, dict]] = []
    seen = set()
    for category, amount in pairs:
        name = str(category).strip()
        if not name:
            errors.append(("rule.ability_category_required", {}))
        elif name in seen:
            errors.append(("rule.ability_duplicate", {"category": name}))
        seen.add(name)
        if _blank(amount):
            errors.append(("rule.amount_required", {"field": f"ability_amounts.{name}"}))
        else:
            money(f"ability_amounts.{name}", amount)
    default = config.get("default_ability")
    if not _blank(default) and str(default).strip() not in seen:
        errors.append(("rule.unknown_default_ability", {"category": default}))
    return errors


def rule_from_config(config: Mapping[str, Any]) -> ContributionRule:
    """The rule of a configuration that `rule_errors()` accepted."""
    problems = rule_errors(config)
    if problems:
        raise ValueError(f"invalid contribution rule: {problems}")
    kind, anchor_month, anchor_day = _periodicity_parts(config)
    month, day = _int(anchor_month), _int(anchor_day)
    assert month is not None and day is not None  # checked by rule_errors
    periodicity = Periodicity(str(kind), month, day)

    def money(name: str, default: Decimal | None) -> Decimal | None:
        value = config.get(name)
        return default if _blank(value) else _decimal(value)

    def money0(name: str) -> Decimal:
        return money(name, ZERO) or ZERO

    bands = tuple(
        sorted(
            (
                Band(int(_int(lo) or 0), None if _blank(hi) else _int(hi), _decimal(a) or ZERO)
                for lo, hi, a in (_bands_of(config.get("bands")) or [])
            ),
            key=lambda b: b.min_size,
        )
    )
    abilities = tuple(
        (str(c).strip(), _decimal(a) or ZERO)
        for c, a in (_abilities_of(config.get("ability_amounts")) or [])
    )
    per_person = config.get("ability_per_person", True)
    if isinstance(per_person, str):
        per_person = per_person.strip().lower() not in ("", "0", "false", "no", "non", "off")
    default_ability = config.get("default_ability")
    return ContributionRule(
        basis=str(config["basis"]),
        periodicity=periodicity,
        currency=str(config["currency"]),
        amount=money0("amount"),
        dependant_amount=money("dependant_amount", None),
        child_amount=money("child_amount", None),
        bands=bands,
        ability_amounts=abilities,
        ability_per_person=bool(per_person),
        salary_rate=money0("salary_rate"),
        salary_floor=money("salary_floor", None),
        salary_ceiling=money("salary_ceiling", None),
        entry_fee=money0("entry_fee"),
        card_fee=money0("card_fee"),
        assembly_fee=money0("assembly_fee"),
        child_age=None if _blank(config.get("child_age")) else _int(config.get("child_age")),
        default_ability=None if _blank(default_ability) else str(default_ability).strip(),
    )


# --- Billing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DueLine:
    code: str  # one of the *_LINE / *_FEE codes above
    member_key: int | str | None  # None for household-level lines (and grouped lines)
    quantity: int
    unit: Decimal  # the full-period rate (or fee) per unit
    amount: Decimal  # what is owed: prorated for contributions, quantity × unit for fees


@dataclass(frozen=True)
class Due:
    household_key: int | str
    period: Period
    lines: tuple[DueLine, ...]
    warnings: tuple[str, ...] = ()  # e.g. "due.ability_unknown": nothing billed for the basis

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def prorate(
    amount: Decimal, period: Period, start: date, end: date | None, currency: str
) -> Decimal:
    """The part of a period's `amount` owed for [start, end] (inclusive; end None = open),
    clipped to the period, rounded cumulatively:

        round(amount × days up to end ÷ period days) − round(amount × days before start ÷ …)

    so consecutive slices of one period always sum exactly to the (rounded) amount."""
    first = start if start > period.start else period.start
    last = period.end if end is None or end > period.end else end
    if last < first:
        return quantize(ZERO, currency)
    total = period.days
    up_to_end = (last - period.start).days + 1
    before_start = (first - period.start).days
    if before_start == 0 and up_to_end == total:
        return quantize(amount, currency)
    return quantize(amount * up_to_end / total, currency) - quantize(
        amount * before_start / total, currency
    )


def spread(amount: Decimal, period: Period, currency: str) -> list[tuple[Period, Decimal]]:
    """`amount` spread over the calendar months of `period` (revenue recognised over the period
    it covers), by days, with the cumulative rounding of `prorate()`: the parts sum exactly."""
    return [(m, prorate(amount, period, m.start, m.end, currency)) for m in months_of(period)]


def _intervals_in(period: Period, members: Iterable[MemberFacts]) -> list[tuple[date, date]]:
    """The union of the members' covered days within the period, as disjoint sorted intervals."""
    spans = []
    for m in members:
        first = max(m.covered_from, period.start)
        last = period.end if m.covered_to is None else min(m.covered_to, period.end)
        if first <= last:
            spans.append((first, last))
    spans.sort()
    merged: list[tuple[date, date]] = []
    for first, last in spans:
        if merged and first <= merged[-1][1] + timedelta(days=1):
            if last > merged[-1][1]:
                merged[-1] = (merged[-1][0], last)
        else:
            merged.append((first, last))
    return merged


def bill(
    rule: ContributionRule,
    household: HouseholdFacts,
    period: Period,
    *,
    new_members: frozenset = frozenset(),
    cards: int = 0,
    assembly_due: bool = False,
    group: bool = False,
) -> Due:
    """A household's dues for one period.

    - Per-person lines (PERSON, per-person ABILITY, SALARY) are prorated by the days the person
      is covered within the period: a join or a withdrawal mid-period pays for its days.
    - Household-level bases (HOUSEHOLD, SIZE_BANDS, per-household ABILITY) are prorated by the
      days on which at least one member is covered.
    - The size for SIZE_BANDS counts the members covered at any time in the period: a household
      of four whose newborn arrives mid-period is billed as five for that period (the newborn is
      covered in it), and a member who left during the period still counts for that period.
      This is simple to explain to members and never depends on the day of the run.
    - Rates: the head pays `amount`; a dependant pays `dependant_amount` (if set, else `amount`);
      a child (MemberFacts.is_child) pays `child_amount` if set, else the dependant rate.
    - Fees: `entry_fee` for each covered member whose key is in `new_members`, `card_fee` ×
      `cards`, `assembly_fee` once if `assembly_due`. Fees are not prorated.
    - A household with nobody covered in the period owes nothing (no lines, fees included).
    - Lines whose amount is zero are left out. With `group`, the members billed the full period
      at the same rate share one line (member_key None, quantity = their number); partial ones
      keep a line each.
    - ABILITY: a household without a category uses `rule.default_ability`; when there is none,
      nothing is billed for the basis and the due carries the warning "due.ability_unknown".
    """
    currency = rule.currency
    covered = [m for m in household.members if period.overlap_days(m.covered_from, m.covered_to)]
    if not covered:
        return Due(household.key, period, ())
    lines: list[DueLine] = []
    warnings: list[str] = []

    def per_member(code: str, member: MemberFacts, unit: Decimal) -> None:
        amount = prorate(unit, period, member.covered_from, member.covered_to, currency)
        if amount:
            lines.append(DueLine(code, member.key, 1, unit, amount))

    def per_household(code: str, unit: Decimal) -> None:
        intervals = _intervals_in(period, covered)
        amount = sum((prorate(unit, period, a, b, currency) for a, b in intervals), ZERO)
        if amount:
            lines.append(DueLine(code, None, 1, unit, amount))

    basis = rule.basis
    if basis == PERSON:
        for m in covered:
            if m.is_head:
                per_member(PERSON_LINE, m, rule.amount)
            elif m.is_child and rule.child_amount is not None:
                per_member(CHILD_LINE, m, rule.child_amount)
            elif rule.dependant_amount is not None:
                per_member(DEPENDANT_LINE, m, rule.dependant_amount)
            else:
                per_member(PERSON_LINE, m, rule.amount)
    elif basis == HOUSEHOLD:
        per_household(HOUSEHOLD_LINE, rule.amount)
    elif basis == SIZE_BANDS:
        band = rule.band_for(len(covered))
        if band is None:
            warnings.append("due.no_band")
        else:
            per_household(BAND_LINE, band.amount)
    elif basis == ABILITY:
        unit = rule.ability_amount(household.ability)
        if unit is None:
            warnings.append("due.ability_unknown")
        elif rule.ability_per_person:
            for m in covered:
                per_member(ABILITY_LINE, m, unit)
        else:
            per_household(ABILITY_LINE, unit)
    elif basis == SALARY:
        for m in covered:
            if m.salary is None:
                continue
            base = m.salary
            if rule.salary_floor is not None and base < rule.salary_floor:
                base = rule.salary_floor
            if rule.salary_ceiling is not None and base > rule.salary_ceiling:
                base = rule.salary_ceiling
            per_member(SALARY_LINE, m, quantize(base * rule.salary_rate / HUNDRED, currency))
    else:
        raise ValueError(f"unknown basis {basis!r}")

    if group:
        lines = _grouped(lines)
    if rule.entry_fee and new_members:
        for m in covered:
            if m.key in new_members:
                lines.append(DueLine(ENTRY_FEE, m.key, 1, rule.entry_fee, rule.entry_fee))
    if rule.card_fee and cards > 0:
        lines.append(DueLine(CARD_FEE, None, cards, rule.card_fee, rule.card_fee * cards))
    if rule.assembly_fee and assembly_due:
        lines.append(DueLine(ASSEMBLY_FEE, None, 1, rule.assembly_fee, rule.assembly_fee))
    return Due(household.key, period, tuple(lines), tuple(warnings))


def _grouped(lines: list[DueLine]) -> list[DueLine]:
    full: dict[tuple[str, Decimal], int] = {}
    out: list[DueLine] = []
    for line in lines:
        if line.member_key is not None and line.quantity == 1 and line.amount == line.unit:
            full[(line.code, line.unit)] = full.get((line.code, line.unit), 0) + 1
        else:
            out.append(line)
    grouped = [DueLine(code, None, n, unit, unit * n) for (code, unit), n in full.items()]
    return grouped + out


# --- Payments ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenDue:
    key: int | str
    period_start: date
    outstanding: Decimal


def _key_order(key: int | str) -> tuple[int, int | str]:
    return (0, key) if isinstance(key, int) else (1, str(key))


def allocate(
    amount: Decimal, dues: Sequence[OpenDue]
) -> tuple[list[tuple[int | str, Decimal]], Decimal]:
    """Allocate a payment to open dues, oldest period first (ties by key), never more than a
    due's outstanding amount. Returns (allocations [(key, amount > 0)], credit left)."""
    if amount <= 0:
        raise ValueError("a payment is positive")
    left = amount
    allocations: list[tuple[int | str, Decimal]] = []
    for due in sorted(dues, key=lambda d: (d.period_start, _key_order(d.key))):
        if left <= 0:
            break
        if due.outstanding <= 0:
            continue
        part = due.outstanding if due.outstanding < left else left
        allocations.append((due.key, part))
        left -= part
    return allocations, left


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007']+")
_SUFFIXES = ("FCFA", "F CFA", "CFA", "XOF", "XAF", "EUR", "€", "F")
_DIGITS = re.compile(r"^\d+$")


def amount_errors(text: str | Decimal | int, currency: str) -> tuple[Decimal | None, str | None]:
    """Parse a typed amount: (value, None), or (None, reason code).

    Spaces (also non-breaking, thin) and apostrophes group thousands: "1 500". The currency's
    name may follow ("1 500 F", "1500 FCFA"). The decimal separator is "," or ".": "1 500,50",
    "1500.5". Both separators: the last is the decimal one ("1.500,50", "1,500.50"). One
    separator repeated groups thousands ("1.500.000"). A single "." or "," followed by exactly
    three digits ("1.500", "1,500") could be either: refused as "amount.ambiguous" (unless the
    currency has three decimals). Decimals beyond the currency's are refused unless they are
    zeros ("1500,00" is 1500 francs). Codes: amount.required, amount.not_a_number,
    amount.ambiguous, amount.negative, amount.zero, amount.too_many_decimals.

    A Decimal or an int (a form's DecimalField, an API's number) is checked as it is, unparsed:
    pass the value itself rather than its str() (str(Decimal("1E+3")) is not typed text).
    """
    places = exponent(currency)
    if isinstance(text, bool):
        return None, "amount.not_a_number"
    if isinstance(text, Decimal | int):
        return _number_errors(Decimal(text), places, currency)
    raw = (text or "").strip()
    if not raw:
        return None, "amount.required"
    upper = raw.upper()
    for suffix in (currency.upper(), *_SUFFIXES):
        if upper.endswith(suffix) and len(upper) > len(suffix):
            upper = upper[: -len(suffix)].rstrip()
            break
    body = _SPACES.sub("", upper)
    negative = False
    if body and body[0] in "+-":
        negative = body[0] == "-"
        body = body[1:]
    if body.endswith("-"):  # "1500-" as some ledgers print it
        negative, body = True, body[:-1]
    if not body or not all(c in "0123456789.," for c in body) or body[0] in ".,":
        return None, "amount.not_a_number"
    dots, commas = body.count("."), body.count(",")
    integer, fraction = body, ""
    if dots and commas:
        decimal_sep = "." if body.rfind(".") > body.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        if body.count(decimal_sep) > 1:
            return None, "amount.not_a_number"
        integer, fraction = body.split(decimal_sep)
        if not _grouped_ok(integer, group_sep):
            return None, "amount.not_a_number"
        integer = integer.replace(group_sep, "")
    elif dots + commas == 1:
        sep = "." if dots else ","
        integer, fraction = body.split(sep)
        if len(fraction) == 3 and places < 3:
            return None, "amount.ambiguous"
    elif dots + commas > 1:
        sep = "." if dots else ","
        if not _grouped_ok(body, sep):
            return None, "amount.not_a_number"
        integer = body.replace(sep, "")
    if not _DIGITS.match(integer) or (fraction and not _DIGITS.match(fraction)):
        return None, "amount.not_a_number"
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    if negative and value:
        return None, "amount.negative"
    if not value:
        return None, "amount.zero"
    if len(fraction.rstrip("0")) > places:
        return None, "amount.too_many_decimals"
    return quantize(value, currency), None


def _number_errors(value: Decimal, places: int, currency: str) -> tuple[Decimal | None, str | None]:
    if not value.is_finite():
        return None, "amount.not_a_number"
    if value < 0:
        return None, "amount.negative"
    if not value:
        return None, "amount.zero"
    if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):
        return None, "amount.too_many_decimals"
    return quantize(value, currency), None


def _grouped_ok(text: str, sep: str) -> bool:
    groups = text.split(sep)
    return (
        bool(groups[0])
        and len(groups[0]) <= 3
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    )


# --- Arrears ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArrearsPolicy:
    grace_days: int = 30  # days after a period's due date before it counts as unpaid
    suspend_after: int = 2  # unpaid periods that suspend the household (0 = never)
    new_waiting_on_reinstatement: bool = False


def policy_errors(policy: ArrearsPolicy) -> list[tuple[str, dict]]:
    errors: list[tuple[str, dict]] = []
    if policy.grace_days < 0:
        errors.append(("arrears.negative_grace", {}))
    if policy.suspend_after < 0:
        errors.append(("arrears.bad_suspend_after", {}))
    return errors


@dataclass(frozen=True)
class DueState:
    key: int | str
    period: Period
    due_on: date
    outstanding: Decimal  # today
    paid_on: date | None  # the date it became fully paid; None = not (yet) fully paid


def unpaid_from(policy: ArrearsPolicy, due: DueState) -> date:
    """The first day a due counts as unpaid if it is not fully paid by then."""
    return due.due_on + timedelta(days=policy.grace_days)


def unpaid_at(policy: ArrearsPolicy, due: DueState, on: date) -> bool:
    """Did the due count as unpaid on date `on`? A due paid after `on` was unpaid at `on`."""
    if on < unpaid_from(policy, due):
        return False
    if due.paid_on is not None:
        return due.paid_on > on
    return due.outstanding > 0


def suspension_date(policy: ArrearsPolicy, dues: Sequence[DueState], on: date) -> date | None:
    """The date since which the household is suspended as of `on` — the day the
    `suspend_after`-th unpaid period became unpaid (its due_on + grace_days), counting only
    dues that stayed unpaid since — or None if not suspended at `on`. Exact for past dates: a
    due paid later than `on` counts as unpaid at `on`. A payment that brings the unpaid count
    below `suspend_after` ends the suspension; a later one starts a new one."""
    threshold = policy.suspend_after
    if threshold <= 0:
        return None
    events: list[tuple[date, int]] = []
    for due in dues:
        begins = unpaid_from(policy, due)
        if begins > on:
            continue
        if due.paid_on is not None:
            if due.paid_on <= begins:
                continue
            events.append((begins, 1))
            if due.paid_on <= on:
                events.append((due.paid_on, -1))
        elif due.outstanding > 0:
            events.append((begins, 1))
    if len(events) < threshold:
        return None
    events.sort()
    count = 0
    since: date | None = None
    i = 0
    while i < len(events):
        day = events[i][0]
        while i < len(events) and events[i][0] == day:
            count += events[i][1]
            i += 1
        if count >= threshold:
            if since is None:
                since = day
        else:
            since = None
    return since


def reinstatement(
    policy: ArrearsPolicy, suspended_since: date, paid_on: date
) -> tuple[date, date | None]:
    """(reinstated on, new waiting-period anchor or None) for a suspended household whose
    arrears were paid on `paid_on`: reinstated that same day; the waiting periods restart from
    that day only when the mutual's policy says so."""
    if paid_on < suspended_since:
        raise ValueError("the payment precedes the suspension")
    return paid_on, (paid_on if policy.new_waiting_on_reinstatement else None)
