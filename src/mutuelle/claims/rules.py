"""The adjudication engine: what the mutual pays for each line of a claim, and why (pure).

Plain frozen values in, decisions with reason codes out; no Django, no database. The package
rules are `benefits.rules.assess()` (the same function the preview screen calls); the coverage
status is the caller's `contributions.coverage.Coverage` at the date of care.

Inputs
------
- `ClaimIn` (with its `LineIn`s and an optional `LetterFacts`): what the provider or the member
  asked for.
- `Context`, one per claim, resolved by the caller from the database: the convention with the
  provider (`ConventionFacts`, or None when there is none), the tariff (act code -> negotiated
  unit price, package and place variants already resolved by the caller), the act catalogue
  (code -> `benefits.rules.ActFacts`), the beneficiary (`PersonFacts`: sex, birth and death
  dates, relationship, waiting anchor, `Coverage` at the first date of care), the package
  versions covering them (`VersionTerms`, compulsory first) and today's date.
- `Usage`: what is already consumed (the caller loads it from approved lines with
  `Usage.consume()`, the same method the engine calls when it approves a line).

Outputs
-------
`ClaimDecision` (status approved / partial / rejected, claim-level reasons, totals) with one
`LineDecision` per line: `decision` (approved / reduced / rejected) and the amounts

    asked           = quantity × unit price asked
    tariff_adjusted = quantity × min(unit price asked, tariff)
    covered         paid by the mutual
    copayment       the member's share (rate, fixed amount, deductible)
    excess          the mutual's share above a ceiling (per act, beneficiary, household, letter)
    rejected        not covered at all (refused line, units beyond a quantity limit)

with covered + copayment + excess + rejected == tariff_adjusted, every amount >= 0, and
asked − tariff_adjusted the price reduction. A line with bad input (quantity <= 0, negative
price) is rejected with every amount zero. `reasons` are `(code, params)` pairs (codes
`claim.*`, listed in `REASONS` and in docs/reason-codes.md); `trail` lists the rules applied
(`TRAIL_STEPS`) so that a screen can explain every franc.

Order of the checks
-------------------
Claim level (each reason found is listed; any of them rejects every line): dates inconsistent
(`claim.end_before_start`, `claim.future_date`, `claim.before_birth`, `claim.after_death`),
`claim.no_lines`, `claim.no_convention`, `claim.duplicate_claim`, `claim.late`,
`claim.diagnosis_missing`, `claim.not_covered`. Then each line, the first refusal wins:
`claim.bad_quantity` / `claim.negative_price`, the line's own date (`claim.future_date`,
`claim.before_birth`, `claim.after_death`, `claim.outside_dates`), `claim.unknown_act`,
`claim.not_in_tariff`, `claim.duplicate_line`; then the price is cut to the tariff
(`claim.price_above_tariff`, a reduction) and the package rules decide, in `assess()`'s order
(`claim.act_sex` / `claim.act_age`, `claim.excluded`, `claim.no_package` /
`claim.not_for_beneficiary`, `claim.waiting`, `claim.care_level`, `claim.referral_required`,
`claim.authorization_missing` / `_expired`, `claim.too_soon`, `claim.quantity_exhausted` /
`_limited`, then the rate or fixed amount after the deductible, capped by `claim.per_act_ceiling`,
`claim.person_ceiling`, `claim.household_ceiling`); last, a cited letter caps the mutual's
payment (`claim.authorization_exceeded`).

Several package versions: the first one (compulsory first) that has a line for the act and does
not refuse it pays the line; when every version refuses, the reasons are those of the first
version that has a line for the act (else of the first version). A complementary package does
not top up the co-payment of the compulsory one.

Canonical order and consumption
-------------------------------
`adjudicate(claims, context_of, usage)` decides a batch in the order (first date of care,
submission sequence, key) and returns the decisions in the input's order: the same claims give
the same decisions whatever their input order (the cyclic garbage collector is paused while it
runs: the engine makes no reference cycles). `adjudicate_one()` decides one claim (a screen,
the API). Each approved line consumes `usage` at once, so
ceilings, quantities, intervals and letters are never exceeded across a batch. Approved claims
are never re-adjudicated: a claim arriving late for an earlier date of care is decided against
everything already consumed, including care given after its own date (its annual ceilings
count the whole year already paid; a quantity limit counts every window of the period that
contains its date; a minimum interval is measured to the nearest same act before or after it).

Counters and their keys (see `Usage`): annual ceilings per (package, beneficiary or household,
calendar year of the act): a complementary package's ceiling is its own (the opening
consumption brought in at go-live, per household and year, goes to the compulsory package);
quantities per (package, beneficiary, line
target: act code or category); minimum intervals per (beneficiary, act code); deductibles per
(package, episode: the claim's key when it names no episode); letters per number (the mutual's
payments under it).

Decisions: a line is rejected when the mutual pays nothing because of a refusal, a ceiling, a
letter or a quantity limit; reduced when a part of it is cut (price above the tariff, excess,
units beyond a limit); approved otherwise (a line the deductible takes whole is approved: the
member pays it, and the episode's deductible is consumed). A claim is approved when every line
is, rejected when every line is (or a claim-level reason holds), partial otherwise.

Other rules: the kind (third party or reimbursement) is carried, not priced differently (a
member's reimbursement is paid at the convention's tariff too); the submission deadline runs
from the last day of care (`care_to`, else `care_from`); an emergency visit needs no referral;
a cited letter that is valid on the act's date gives the authorization and caps the mutual's
payments of every line of the claim at what is left of its maximum amount; a letter that is not
approved counts as missing, one outside its validity as expired.
"""

import gc
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from hashlib import blake2b
from typing import Any

from mutuelle.benefits import rules as benefits
from mutuelle.benefits.rules import ActFacts, Beneficiary, Consumed, Line, Terms
from mutuelle.contributions.coverage import Coverage

ZERO = Decimal(0)

Reason = tuple[str, dict]
Key = Any  # int or str: whatever the caller uses; keys of one kind must be comparable

# Claim kinds and visit types.
THIRD_PARTY = "third_party"
REIMBURSEMENT = "reimbursement"
CASH_BENEFIT = "cash_benefit"  # one line: the benefit (act_code) and its units (quantity)
KINDS = (THIRD_PARTY, REIMBURSEMENT, CASH_BENEFIT)
OUTPATIENT = "outpatient"
INPATIENT = "inpatient"
EMERGENCY = "emergency"
REFERRAL = "referral"
VISIT_TYPES = (OUTPATIENT, INPATIENT, EMERGENCY, REFERRAL)

# Decisions.
APPROVED = "approved"
REDUCED = "reduced"
PARTIAL = "partial"
REJECTED = "rejected"

# Letter statuses (a letter is usable only when approved).
LETTER_APPROVED = "approved"

# Every reason code the engine returns, with its parameters.
REASONS: dict[str, tuple[str, ...]] = {
    # Claim level
    "claim.end_before_start": ("care_from", "care_to"),
    "claim.future_date": ("on", "today"),
    "claim.before_birth": ("on", "birth"),
    "claim.after_death": ("on", "death"),
    "claim.no_lines": (),
    "claim.no_convention": (),
    "claim.duplicate_claim": (),
    "claim.late": ("days", "deadline", "submitted"),
    "claim.diagnosis_missing": (),
    "claim.not_covered": ("reason", "since", "until"),  # the coverage reason and its date
    # Line level
    "claim.bad_quantity": ("quantity",),
    "claim.negative_price": ("price",),
    "claim.outside_dates": ("on", "care_from", "care_to"),
    "claim.unknown_act": ("code",),
    "claim.not_in_tariff": ("code",),
    "claim.duplicate_line": ("code", "on"),
    "claim.price_above_tariff": ("asked", "tariff"),
    "claim.act_sex": ("sex",),
    "claim.act_age": ("age", "min", "max"),
    "claim.excluded": ("code",),
    "claim.no_package": ("code",),
    "claim.not_for_beneficiary": ("code",),
    "claim.waiting": ("days", "remaining"),
    "claim.care_level": ("level", "levels"),
    "claim.referral_required": (),
    "claim.authorization_missing": ("number", "status"),
    "claim.authorization_expired": ("number", "valid_from", "valid_to", "on"),
    "claim.authorization_exceeded": ("number", "max", "left"),
    "claim.too_soon": ("days",),
    "claim.quantity_exhausted": ("limit", "period"),
    "claim.quantity_limited": ("covered", "limit", "period"),
    "claim.per_act_ceiling": ("amount",),
    "claim.person_ceiling": ("ceiling", "left"),
    "claim.household_ceiling": ("ceiling", "left"),
    # Cash benefits
    "claim.days_limited": ("days", "max"),
    "claim.already_paid": (),
}
# The rules applied to a line, in the trail (the reasons say what limited it).
TRAIL_STEPS: dict[str, tuple[str, ...]] = {
    "asked": ("quantity", "unit_price", "amount"),
    "tariff": ("tariff", "amount"),
    "package": ("package", "version", "line"),
    "rate": ("rate",),
    "fixed_amount": ("amount",),
    "deductible": ("amount",),
    "letter": ("number", "left"),
    "covered": ("amount",),
}

# benefits.rules codes -> claims codes (the refusals and limits); the rate, fixed amount and
# deductible are in the trail.
_FROM_BENEFIT = {
    "benefit.act_sex": "claim.act_sex",
    "benefit.act_age": "claim.act_age",
    "benefit.excluded": "claim.excluded",
    "benefit.not_covered": "claim.no_package",
    "benefit.not_for_beneficiary": "claim.not_for_beneficiary",
    "benefit.waiting": "claim.waiting",
    "benefit.care_level": "claim.care_level",
    "benefit.referral_missing": "claim.referral_required",
    "benefit.authorization_missing": "claim.authorization_missing",
    "benefit.too_soon": "claim.too_soon",
    "benefit.quantity_exhausted": "claim.quantity_exhausted",
    "benefit.quantity_limited": "claim.quantity_limited",
    "benefit.per_act_ceiling": "claim.per_act_ceiling",
    "benefit.person_ceiling": "claim.person_ceiling",
    "benefit.household_ceiling": "claim.household_ceiling",
    "benefit.days_limited": "claim.days_limited",
}


def _claim_reasons(reasons: list[Reason], code: str) -> list[Reason]:
    """A cash assessment's refusals and limits as claims codes (the amount itself is in the
    trail)."""
    out: list[Reason] = []
    for bcode, params in reasons:
        ccode = _FROM_BENEFIT.get(bcode)
        if ccode is None:
            continue
        if ccode in ("claim.no_package", "claim.not_for_beneficiary"):
            params = {"code": code}
        out.append((ccode, params))
    return out


# --- Inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterFacts:
    """A guarantee letter (prior authorization) cited by a claim."""

    number: str
    valid_from: date
    valid_to: date
    max_amount: Decimal
    status: str = LETTER_APPROVED


@dataclass(frozen=True)
class LineIn:
    key: Key
    act_code: str
    quantity: int
    unit_price: Decimal
    on: date | None = None  # date of the act; None: the claim's care_from


@dataclass(frozen=True)
class ClaimIn:
    key: Key
    household: Key
    person: Key
    provider: Key
    care_from: date
    submitted_on: date
    lines: tuple[LineIn, ...]
    care_to: date | None = None
    sequence: int = 0  # submission order (e.g. the row id or a timestamp's integer)
    kind: str = THIRD_PARTY
    visit_type: str = OUTPATIENT
    has_diagnosis: bool = False
    referral: bool = False
    letter: LetterFacts | None = None
    external_key: str = ""  # the provider's own invoice number, when given
    episode: Key | None = None  # groups the claims of one illness or stay (deductibles)


@dataclass(frozen=True)
class ConventionFacts:
    in_force: bool = True
    care_level: str = ""  # the provider's care level (benefits.rules.CARE_LEVELS)
    submission_days: int | None = None  # None: no deadline
    diagnosis_required: bool = False


@dataclass(frozen=True)
class PersonFacts:
    """The beneficiary. Sex and age decide only whether an act is clinically possible."""

    coverage: Coverage  # at the claim's first date of care
    sex: str = ""
    birth_date: date | None = None
    death_date: date | None = None
    relationship: str = "head"
    waiting_anchor: date | None = None  # start of the package lines' waiting periods


@dataclass(frozen=True)
class VersionTerms:
    """A package version covering the beneficiary. Ceilings, quantities and deductibles are
    counted per package (a new version of the same package, adopted mid-year, continues them).
    `version` is shown in the trail: a key or a label."""

    version: Key
    package: Key
    terms: Terms


@dataclass(frozen=True)
class Context:
    person: PersonFacts
    today: date
    convention: ConventionFacts | None = None  # None: no convention with this provider
    tariff: Mapping[str, Decimal | None] = field(default_factory=dict)
    acts: Mapping[str, ActFacts] = field(default_factory=dict)
    # The versions that cover the beneficiary at the date of care (`coverage.versions`: their
    # waiting periods are over), compulsory first.
    versions: tuple[VersionTerms, ...] = ()
    currency: str = "XOF"


# --- Usage -----------------------------------------------------------------------------------


@dataclass
class Usage:
    """What is already consumed; the engine updates it as it approves lines.

    The caller loads it from the approved lines with `consume()`, the opening consumption with
    `household_year[package, household, year] += amount` (the compulsory package), and the
    fingerprints with `claims.update(claim_fingerprints(c))` / `lines.add(line_fingerprint(...))`.
    Dates are kept as ordinals (`date.toordinal()`)."""

    person_year: dict[tuple, Decimal] = field(default_factory=dict)  # (package, person, year)
    household_year: dict[tuple, Decimal] = field(default_factory=dict)  # (package, hh, year)
    units: dict[tuple, list[tuple[int, int]]] = field(default_factory=dict)  # (pkg, person,
    # target) -> [(ordinal, units)]
    acts: dict[tuple, list[int]] = field(default_factory=dict)  # (person, act) -> [ordinal]
    deductibles: dict[tuple, Decimal] = field(default_factory=dict)  # (package, episode)
    letters: dict[str, Decimal] = field(default_factory=dict)  # number -> paid under it
    lines: set[tuple] = field(default_factory=set)  # line_fingerprint()
    claims: set[tuple] = field(default_factory=set)  # claim_fingerprint()
    allowance_days: dict[tuple, int] = field(default_factory=dict)  # (package, episode)

    def consume(
        self,
        package: Key,
        person: Key,
        household: Key,
        on: date,
        act_code: str,
        target: str,
        units: int,
        paid: Decimal,
        episode: Key | None = None,
        deductible: Decimal = ZERO,
        letter: str = "",
    ) -> None:
        """One approved line: `units` covered units of the act (target: `line_target()` of the
        coverage line that paid), `paid` by the mutual, `deductible` paid by the member."""
        year = on.year
        ordinal = on.toordinal()
        if target.startswith(CASH):
            # Cash benefits have their own limits (once, per birth, days per incapacity): they
            # do not count against the care ceilings, nor take a letter's amount.
            if units > 0:
                self.units.setdefault((package, person, target), []).append((ordinal, units))
                if target == CASH + "daily_allowance" and episode is not None:
                    d = (package, episode)
                    self.allowance_days[d] = self.allowance_days.get(d, 0) + units
            return
        if paid:
            k = (package, person, year)
            self.person_year[k] = self.person_year.get(k, ZERO) + paid
            k = (package, household, year)
            self.household_year[k] = self.household_year.get(k, ZERO) + paid
            if letter:
                self.letters[letter] = self.letters.get(letter, ZERO) + paid
        if units > 0:
            self.units.setdefault((package, person, target), []).append((ordinal, units))
            self.acts.setdefault((person, act_code), []).append(ordinal)
        if deductible and episode is not None:
            d = (package, episode)
            self.deductibles[d] = self.deductibles.get(d, ZERO) + deductible


CASH = "cash:"  # the target of a cash benefit's line: "cash:funeral"...


def line_target(line: Line) -> str:
    """What a coverage line's quantity limit counts: its act, or its category."""
    return line.act_code if line.act_code else "category:" + line.category


def line_fingerprint(person: Key, act_code: str, on: date, provider: Key) -> tuple:
    return (person, act_code, on.toordinal(), provider)


def claim_fingerprints(claim: ClaimIn) -> tuple[tuple, ...]:
    """The keys under which a claim is a duplicate: the provider's invoice number when given,
    and its content (beneficiary, provider, dates, lines; prices compared by value), kept as a
    short digest so that a year of claims fits in memory."""
    content = repr(
        (
            claim.person,
            claim.provider,
            claim.care_from.toordinal(),
            (claim.care_to or claim.care_from).toordinal(),
            sorted(
                (
                    x.act_code,
                    x.quantity,
                    str(x.unit_price.normalize()),
                    (x.on or claim.care_from).toordinal(),
                )
                for x in claim.lines
            ),
        )
    )
    digest = ("content", blake2b(content.encode(), digest_size=16).digest())
    if claim.external_key:
        return (("external", claim.provider, claim.external_key), digest)
    return (digest,)


# --- Outputs ---------------------------------------------------------------------------------


@dataclass(slots=True)
class LineDecision:
    key: Key
    decision: str
    asked: Decimal
    tariff_adjusted: Decimal
    covered: Decimal
    copayment: Decimal
    excess: Decimal
    rejected: Decimal
    reasons: list[Reason]
    # What was asked and the tariff found (None: the line stopped before the tariff).
    quantity: int = 0
    unit_price: Decimal = ZERO
    tariff: Decimal | None = None
    # What the caller stores to reload `Usage` later (None/0 when nothing was consumed).
    on: date | None = None
    version: Key | None = None
    package: Key | None = None
    line: Key | None = None  # the coverage line's key
    target: str = ""
    covered_quantity: int = 0
    deductible: Decimal = ZERO
    rate: Decimal | None = None
    fixed_amount: Decimal | None = None
    letter: str = ""  # the guarantee letter that capped the line
    letter_left: Decimal = ZERO  # what was left of it before this line

    @property
    def price_reduction(self) -> Decimal:
        return self.asked - self.tariff_adjusted

    @property
    def trail(self) -> list[Reason]:
        """The rules applied, in order (`TRAIL_STEPS`), built when asked for (a batch of
        millions of lines keeps only the figures)."""
        if self.quantity <= 0 or self.unit_price < ZERO:
            return []
        steps: list[Reason] = [
            (
                "asked",
                {"quantity": self.quantity, "unit_price": self.unit_price, "amount": self.asked},
            )
        ]
        if self.tariff is not None:
            steps.append(("tariff", {"tariff": self.tariff, "amount": self.tariff_adjusted}))
        if self.version is None:
            return steps
        steps.append(
            ("package", {"package": self.package, "version": self.version, "line": self.line})
        )
        if self.rate is not None:
            steps.append(("rate", {"rate": self.rate}))
        else:
            steps.append(("fixed_amount", {"amount": self.fixed_amount}))
        if self.deductible:
            steps.append(("deductible", {"amount": self.deductible}))
        if self.letter:
            steps.append(("letter", {"number": self.letter, "left": self.letter_left}))
        steps.append(("covered", {"amount": self.covered}))
        return steps


@dataclass(slots=True)
class ClaimDecision:
    key: Key
    status: str
    reasons: list[Reason]
    lines: list[LineDecision]
    asked: Decimal = ZERO
    tariff_adjusted: Decimal = ZERO
    covered: Decimal = ZERO
    copayment: Decimal = ZERO
    excess: Decimal = ZERO
    rejected: Decimal = ZERO


# --- The engine ------------------------------------------------------------------------------


def age_on(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def canonical_key(claim: ClaimIn) -> tuple:
    first = claim.care_from
    for x in claim.lines:
        if x.on is not None and x.on < first:
            first = x.on
    return (first, claim.sequence, claim.key)


def adjudicate(
    claims: Iterable[ClaimIn],
    context_of: Callable[[ClaimIn], Context] | Mapping[Key, Context],
    usage: Usage,
) -> list[ClaimDecision]:
    """Decide the claims in the canonical order, consuming `usage`; the decisions come back in
    the input's order. `context_of` is a function of the claim or a mapping claim key ->
    Context."""
    claims = list(claims)
    get: Callable[[ClaimIn], Context]
    if isinstance(context_of, Mapping):
        mapping = context_of
        get = lambda c: mapping[c.key]  # noqa: E731
    else:
        get = context_of
    engine = _Engine(usage)
    order = sorted(range(len(claims)), key=lambda i: canonical_key(claims[i]))
    out: list[ClaimDecision | None] = [None] * len(claims)
    # The engine makes no reference cycles: the cyclic collector would only rescan the batch's
    # objects again and again (a third of the time on large batches).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for i in order:
            claim = claims[i]
            out[i] = engine.decide(claim, get(claim))
    finally:
        if collecting:
            gc.enable()
    return out  # type: ignore[return-value]


def adjudicate_one(claim: ClaimIn, context: Context, usage: Usage) -> ClaimDecision:
    """One claim (the screen's and the API's path), against what `usage` holds."""
    return _Engine(usage).decide(claim, context)


class _Engine:
    """Holds the per-batch caches (the choice of a package line per act and audience)."""

    __slots__ = ("usage", "_choices")

    def __init__(self, usage: Usage) -> None:
        self.usage = usage
        # id(VersionTerms) -> (the object, kept alive so its id stays its own; {key: choice})
        self._choices: dict[int, tuple[VersionTerms, dict]] = {}

    def _choose(self, vt: VersionTerms, act: ActFacts, who: Beneficiary) -> tuple:
        entry = self._choices.get(id(vt))
        if entry is None or entry[0] is not vt:
            entry = self._choices[id(vt)] = (vt, {})
        cache = entry[1]
        k = (act.code, act.category, who.relationship, who.age if who.is_child else None)
        choice = cache.get(k)
        if choice is None:
            choice = cache[k] = benefits.choose_line(vt.terms, act, who)
        return choice

    # -- claim level --

    def decide(self, claim: ClaimIn, ctx: Context) -> ClaimDecision:
        usage = self.usage
        person = ctx.person
        today = ctx.today
        care_from = claim.care_from
        care_to = claim.care_to or care_from
        reasons: list[Reason] = []
        if care_to < care_from:
            reasons.append(("claim.end_before_start", {"care_from": care_from, "care_to": care_to}))
        last = care_to if care_to > care_from else care_from
        if last > today:
            reasons.append(("claim.future_date", {"on": last, "today": today}))
        if person.birth_date is not None and care_from < person.birth_date:
            reasons.append(("claim.before_birth", {"on": care_from, "birth": person.birth_date}))
        if person.death_date is not None and care_from > person.death_date:
            reasons.append(("claim.after_death", {"on": care_from, "death": person.death_date}))
        if not claim.lines:
            reasons.append(("claim.no_lines", {}))
        cash = claim.kind == CASH_BENEFIT
        # A cash benefit is paid by the mutual to the member: no provider, no convention.
        convention = None if cash else ctx.convention
        if not cash and (convention is None or not convention.in_force):
            reasons.append(("claim.no_convention", {}))
        fingerprints = claim_fingerprints(claim)
        if any(f in usage.claims for f in fingerprints):
            reasons.append(("claim.duplicate_claim", {}))
        if convention is not None and convention.submission_days is not None:
            deadline = date.fromordinal(care_to.toordinal() + convention.submission_days)
            if claim.submitted_on > deadline:
                reasons.append(
                    (
                        "claim.late",
                        {
                            "days": convention.submission_days,
                            "deadline": deadline,
                            "submitted": claim.submitted_on,
                        },
                    )
                )
        if convention is not None and convention.diagnosis_required and not claim.has_diagnosis:
            reasons.append(("claim.diagnosis_missing", {}))
        coverage = person.coverage
        if not coverage.covered:
            reasons.append(("claim.not_covered", {"reason": coverage.reason, **coverage.params}))

        if reasons:
            lines = [self._refused_line(x, list(reasons)) for x in claim.lines]
        elif cash:
            lines = [self._decide_cash(claim, ctx, x) for x in claim.lines]
        else:
            lines = self._decide_lines(claim, ctx, care_from, care_to)

        asked = adjusted = covered = copayment = excess = rejected = ZERO
        approved = rejections = 0
        for x in lines:
            asked += x.asked
            adjusted += x.tariff_adjusted
            covered += x.covered
            copayment += x.copayment
            excess += x.excess
            rejected += x.rejected
            if x.decision == APPROVED:
                approved += 1
            elif x.decision == REJECTED:
                rejections += 1
        if rejections == len(lines):  # no line at all, too
            status = REJECTED
        elif approved == len(lines):
            status = APPROVED
        else:
            status = PARTIAL
        if status != REJECTED:
            usage.claims.update(fingerprints)
        return ClaimDecision(
            claim.key, status, reasons, lines, asked, adjusted, covered, copayment, excess, rejected
        )

    @staticmethod
    def _refused_line(line: LineIn, reasons: list[Reason], tariff: Decimal | None = None):
        """A line rejected whole: `reasons` say why. Bad input has every amount zero."""
        qty = line.quantity
        price = line.unit_price
        if qty <= 0 or price < ZERO:
            return LineDecision(
                line.key, REJECTED, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, reasons, qty, price
            )
        asked = price * qty
        adjusted = asked if tariff is None or tariff >= price else tariff * qty
        return LineDecision(
            line.key, REJECTED, asked, adjusted, ZERO, ZERO, ZERO, adjusted, reasons, qty, price,
            tariff,
        )  # fmt: skip

    # -- cash benefits --

    def _decide_cash(self, claim: ClaimIn, ctx: Context, line: LineIn) -> LineDecision:
        """A cash benefit's line: `act_code` the benefit (benefits.rules.CASH_BENEFITS),
        `quantity` its units (births, days of incapacity; 1 for a funeral). The amount is the
        package line's, per unit; a funeral grant is paid once per beneficiary."""
        usage = self.usage
        person = ctx.person
        benefit = line.act_code.lower()
        units = line.quantity
        if units <= 0:
            return self._refused_line(line, [("claim.bad_quantity", {"quantity": units})])
        if benefit not in benefits.CASH_BENEFITS:
            return self._refused_line(line, [("claim.unknown_act", {"code": line.act_code})])
        on = claim.care_from
        anchor = person.waiting_anchor
        who = Beneficiary(
            sex=person.sex,
            age=age_on(person.birth_date, on),
            relationship=person.relationship,
            days_since_anchor=(on - anchor).days if anchor is not None else 10_000,
        )
        episode = claim.episode if claim.episode is not None else claim.key
        target = CASH + benefit
        refusal: list[Reason] = [("claim.no_package", {"code": line.act_code})]
        for vt in ctx.versions:
            if benefit == "funeral" and usage.units.get((vt.package, claim.person, target)):
                return self._refused_line(line, [("claim.already_paid", {})])
            days = usage.allowance_days.get((vt.package, episode), 0)
            assessed = benefits.assess_cash(
                vt.terms, benefit, who, units, Consumed(days_paid=days), ctx.currency
            )
            if assessed.line is None or assessed.amount <= ZERO:
                if refusal[0][0] == "claim.no_package":
                    refusal = _claim_reasons(assessed.reasons, line.act_code) or refusal
                continue
            unit = assessed.line.amount or ZERO
            asked = unit * units
            paid_units = int(assessed.amount / unit) if unit else 0
            reasons = _claim_reasons(assessed.reasons, line.act_code)
            usage.consume(
                package=vt.package,
                person=claim.person,
                household=claim.household,
                on=on,
                act_code=benefit,
                target=target,
                units=paid_units,
                paid=assessed.amount,
                episode=episode,
            )
            return LineDecision(
                line.key,
                APPROVED if assessed.amount == asked else REDUCED,
                asked,
                asked,
                assessed.amount,
                ZERO,
                ZERO,
                asked - assessed.amount,
                reasons,
                units,
                unit,
                None,
                on=on,
                version=vt.version,
                package=vt.package,
                line=assessed.line.key,
                target=target,
                covered_quantity=paid_units,
                fixed_amount=unit,
            )
        return self._refused_line(line, refusal)

    # -- line level --

    def _decide_lines(
        self, claim: ClaimIn, ctx: Context, care_from: date, care_to: date
    ) -> list[LineDecision]:
        usage = self.usage
        person = ctx.person
        convention = ctx.convention
        assert convention is not None
        today = ctx.today
        birth = person.birth_date
        death = person.death_date
        tariffs = ctx.tariff
        catalogue = ctx.acts
        versions = ctx.versions
        letter = claim.letter
        letter_ok = letter is not None and letter.status == LETTER_APPROVED
        number = letter.number if letter is not None else ""
        status = letter.status if letter is not None else ""
        letter_from = letter.valid_from if letter is not None else date.max
        letter_to = letter.valid_to if letter is not None else date.min
        letter_max = letter.max_amount if letter is not None else ZERO
        referral = claim.referral or claim.visit_type in (REFERRAL, EMERGENCY)
        anchor = person.waiting_anchor
        episode = claim.episode if claim.episode is not None else claim.key
        who_by_day: dict[date, Beneficiary] = {}
        out: list[LineDecision] = []
        refuse = self._refused_line
        consume = usage.consume

        for line in claim.lines:
            qty = line.quantity
            price = line.unit_price
            if qty <= 0:
                out.append(refuse(line, [("claim.bad_quantity", {"quantity": qty})]))
                continue
            if price < ZERO:
                out.append(refuse(line, [("claim.negative_price", {"price": price})]))
                continue
            on = line.on or care_from
            if on > today:
                out.append(refuse(line, [("claim.future_date", {"on": on, "today": today})]))
                continue
            if birth is not None and on < birth:
                out.append(refuse(line, [("claim.before_birth", {"on": on, "birth": birth})]))
                continue
            if death is not None and on > death:
                out.append(refuse(line, [("claim.after_death", {"on": on, "death": death})]))
                continue
            if on < care_from or on > care_to:
                out.append(
                    refuse(
                        line,
                        [
                            (
                                "claim.outside_dates",
                                {"on": on, "care_from": care_from, "care_to": care_to},
                            )
                        ],
                    )
                )
                continue
            code = line.act_code
            act = catalogue.get(code)
            if act is None:
                out.append(refuse(line, [("claim.unknown_act", {"code": code})]))
                continue
            tariff = tariffs.get(code)
            if tariff is None:
                out.append(refuse(line, [("claim.not_in_tariff", {"code": code})]))
                continue
            fingerprint = (claim.person, code, on.toordinal(), claim.provider)
            if fingerprint in usage.lines:
                out.append(
                    refuse(line, [("claim.duplicate_line", {"code": code, "on": on})], tariff)
                )
                continue

            asked = price * qty
            reasons: list[Reason] = []
            if price > tariff:
                unit = tariff
                adjusted = tariff * qty
                reasons.append(("claim.price_above_tariff", {"asked": price, "tariff": tariff}))
            else:
                unit = price
                adjusted = asked

            letter_valid = letter_ok and letter_from <= on <= letter_to
            who = who_by_day.get(on)
            if who is None:
                who = who_by_day[on] = Beneficiary(
                    sex=person.sex,
                    age=age_on(birth, on),
                    relationship=person.relationship,
                    days_since_anchor=(on - anchor).days if anchor is not None else 10_000,
                    care_level=convention.care_level,
                    referral=referral,
                    authorization=letter_valid,  # the letter's validity depends on the day only
                )

            decision = self._assess(claim, ctx, versions, act, unit, qty, who, on, episode)
            if decision is None:
                # No version at all: the act is possible or not, and in no package.
                found = benefits.clinical_reasons(act, who) or [("benefit.not_covered", {})]
                assessment = None
                vt = None
                benefit_reasons = found
            else:
                vt, assessment = decision
                benefit_reasons = assessment.reasons

            for bcode, bparams in benefit_reasons:
                ccode = _FROM_BENEFIT.get(bcode)
                if ccode is None:  # the rate or fixed amount: in the trail
                    continue
                if ccode == "claim.authorization_missing":
                    if letter_ok:
                        ccode = "claim.authorization_expired"
                        bparams = {
                            "number": number,
                            "valid_from": letter_from,
                            "valid_to": letter_to,
                            "on": on,
                        }
                    else:
                        bparams = {"number": number, "status": status}
                elif ccode in ("claim.excluded", "claim.no_package", "claim.not_for_beneficiary"):
                    bparams = {"code": code}
                elif ccode == "claim.care_level":
                    bparams = {**bparams, "level": convention.care_level}
                reasons.append((ccode, bparams))

            if assessment is None or assessment.share is None or vt is None:
                # Refused by the package rules: nothing paid, the whole line rejected.
                out.append(
                    LineDecision(
                        line.key, REJECTED, asked, adjusted, ZERO, ZERO, ZERO, adjusted, reasons,
                        qty, price, tariff, on,
                    )
                )  # fmt: skip
                continue

            chosen = assessment.line
            assert chosen is not None
            covered_qty = assessment.covered_quantity
            base = unit * covered_qty
            share = assessment.share
            if share > base:
                share = base
            covered = assessment.mutual_pays
            if covered > share:
                covered = share
            left = ZERO
            if letter_valid:
                left = letter_max - usage.letters.get(number, ZERO)
                if left < ZERO:
                    left = ZERO
                if covered > left:
                    reasons.append(
                        (
                            "claim.authorization_exceeded",
                            {"number": number, "max": letter_max, "left": left},
                        )
                    )
                    covered = left
            copayment = base - share
            excess = share - covered
            rejected = adjusted - base
            if covered == ZERO and (excess or rejected):
                verdict = REJECTED  # nothing paid: a ceiling, a letter or a quantity took it all
            elif excess or rejected or adjusted != asked:
                verdict = REDUCED
            else:
                verdict = APPROVED
            target = line_target(chosen)
            if verdict != REJECTED:
                usage.lines.add(fingerprint)
                consume(
                    vt.package, claim.person, claim.household, on, code, target, covered_qty,
                    covered, episode, assessment.deductible, number if letter_valid else "",
                )  # fmt: skip
            out.append(
                LineDecision(
                    line.key, verdict, asked, adjusted, covered, copayment, excess, rejected,
                    reasons, qty, price, tariff, on, vt.version, vt.package, chosen.key, target,
                    covered_qty, assessment.deductible, chosen.rate, chosen.amount,
                    number if letter_valid else "", left,
                )
            )  # fmt: skip
        return out

    def _assess(
        self,
        claim: ClaimIn,
        ctx: Context,
        versions: tuple[VersionTerms, ...],
        act: ActFacts,
        unit: Decimal,
        qty: int,
        who: Beneficiary,
        on: date,
        episode: Key,
    ) -> tuple[VersionTerms, benefits.Assessment] | None:
        """The first version that has a line for the act and pays; else the first refusal of a
        version with a line for the act; else the first version's answer. None: no version."""
        usage = self.usage
        fallback: tuple[VersionTerms, benefits.Assessment] | None = None
        first: tuple[VersionTerms, benefits.Assessment] | None = None
        for vt in versions:
            terms = vt.terms
            chosen = self._choose(vt, act, who)
            line = chosen[0]
            if line is None:
                if first is None:
                    first = (vt, benefits.assess(terms, act, unit, qty, who, None, ctx.currency))
                continue
            consumed = _consumed(usage, vt, terms, line, claim, act.code, on, episode)
            a = benefits.assess(terms, act, unit, qty, who, consumed, ctx.currency, chosen)
            if a.share is not None:
                return vt, a
            if fallback is None:
                fallback = (vt, a)
        return fallback or first


def _consumed(
    usage: Usage,
    vt: VersionTerms,
    terms: Terms,
    line: Line,
    claim: ClaimIn,
    act_code: str,
    on: date,
    episode: Key,
) -> Consumed | None:
    """What was used before, for the counters this line and version actually have."""
    package = vt.package
    in_window = 0
    since_last: int | None = None
    person_year = household_year = deductible = ZERO
    ordinal = on.toordinal()
    if line.quantity_limit is not None and line.period_days:
        events = usage.units.get((package, claim.person, line_target(line)))
        if events:
            in_window = _max_window(events, ordinal, line.period_days)
    if line.min_interval_days:
        days = usage.acts.get((claim.person, act_code))
        if days:
            since_last = min([abs(ordinal - d) for d in days])
    year = on.year
    if terms.ceiling_person is not None:
        person_year = usage.person_year.get((package, claim.person, year), ZERO)
    if terms.ceiling_household is not None:
        household_year = usage.household_year.get((package, claim.household, year), ZERO)
    if terms.deductible:
        deductible = usage.deductibles.get((package, episode), ZERO)
    if not (in_window or since_last is not None or person_year or household_year or deductible):
        return None
    return Consumed(in_window, since_last, person_year, household_year, deductible)


def _max_window(events: list[tuple[int, int]], on: int, period: int) -> int:
    """The most units in any window of `period` days that contains day `on` (so that adding
    units on `on` never lets any window of the period exceed the limit)."""
    lo = on - period + 1
    hi = on + period - 1
    near = [(d, u) for d, u in events if lo <= d <= hi]
    if not near:
        return 0
    if all(d <= on for d, _ in near):  # the usual case: nothing after this date
        return sum(u for _, u in near)
    # A window's total grows only when its end reaches a later event: try those windows.
    starts = {lo} | {d - period + 1 for d, _ in near if d > on}
    best = 0
    for s in starts:
        end = s + period - 1
        total = sum(u for d, u in near if s <= d <= end)
        if total > best:
            best = total
    return best
