"""Pure rules of benefit packages: what the mutual pays for an act, and why.

Plain values in, an `Assessment` with reason codes out; no Django, no database. The preview
screen calls `assess()` today; the claims engine will call it for each claim line.

Facts about the beneficiary are clinical (sex and age decide only whether the act is
possible at all, e.g. a delivery for a man) or statutory (relationship, waiting period,
referral). Nothing here prices a person's risk: no input changes what someone pays into
the mutual."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from mutuelle.lib.money import quantize

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# Categories of acts (the fixed list; names are translated by the app).
CATEGORIES = (
    "consultation",
    "hospitalization",
    "surgery",
    "delivery",
    "antenatal",
    "laboratory",
    "imaging",
    "medicines",
    "dental",
    "optical",
    "evacuation",
    "other",
)
# Care levels, from the village up; "pharmacy" stands apart.
CARE_LEVELS = ("post", "centre", "district", "regional", "national", "pharmacy")
# Whom a line applies to (a clinical scope, never risk selection).
APPLIES_TO = ("all", "head", "dependants", "children")
# Cash benefits.
CASH_BENEFITS = ("funeral", "maternity", "daily_allowance")
ANY = "any"

Reason = tuple[str, dict]


@dataclass(frozen=True)
class ActFacts:
    """An act of the catalogue as the rules see it."""

    code: str
    category: str
    sex: str = ANY  # "any", "F" or "M": who the act is possible for
    min_age: int | None = None
    max_age: int | None = None


@dataclass(frozen=True)
class Line:
    """A coverage line of a version: a care line targets a category OR an act; pays a rate
    (the mutual's %) OR a fixed amount per unit. A cash line is a cash benefit."""

    key: str = ""
    kind: str = "care"  # "care" or "cash"
    category: str = ""
    act_code: str = ""
    rate: Decimal | None = None
    amount: Decimal | None = None
    per_act_ceiling: Decimal | None = None
    quantity_limit: int | None = None
    period_days: int | None = None
    min_interval_days: int | None = None
    waiting_days: int | None = None  # None: the version's default
    care_levels: frozenset[str] = frozenset()  # empty: every level
    referral_required: bool = False
    authorization_required: bool = False
    applies_to: str = "all"
    children_under: int | None = None
    cash_benefit: str = ""
    max_days: int | None = None  # daily allowance

    @property
    def specificity(self) -> int:
        """Act lines beat category lines; a narrower audience beats a wider one."""
        target = 10 if self.act_code else 0
        audience = {"all": 0, "head": 1, "dependants": 1, "children": 2}.get(self.applies_to, 0)
        return target + audience


@dataclass(frozen=True)
class Terms:
    """A package version's terms: its lines and the version-wide rules."""

    lines: tuple[Line, ...] = ()
    waiting_days: int = 0
    ceiling_person: Decimal | None = None  # per beneficiary and year
    ceiling_household: Decimal | None = None  # per household and year
    deductible: Decimal = ZERO  # per episode, paid by the member first
    exclusions: frozenset[str] = frozenset()  # act codes or categories


@dataclass(frozen=True)
class Beneficiary:
    """The beneficiary's facts at the date of care."""

    sex: str = ""  # only for the act's clinical possibility
    age: int | None = None  # years; only for the act's clinical possibility and "children"
    relationship: str = "head"  # head, spouse, child, parent, other
    days_since_anchor: int = 10_000  # days since the membership's waiting anchor date
    care_level: str = ""
    referral: bool = False
    authorization: bool = False

    @property
    def is_child(self) -> bool:
        return self.relationship == "child"


@dataclass(frozen=True)
class Consumed:
    """What was already used before this act (the caller reads it for the chosen line:
    `choose_line()` says which)."""

    quantity_in_window: int = 0  # units of the line in its last `period_days`
    days_since_last: int | None = None  # since the last same act, None: never
    person_year: Decimal = ZERO  # paid by the mutual for the beneficiary this year
    household_year: Decimal = ZERO  # paid by the mutual for the household this year
    episode_deductible: Decimal = ZERO  # deductible already paid in this episode
    days_paid: int = 0  # daily allowance days already paid for this incapacity


@dataclass
class Assessment:
    mutual_pays: Decimal
    member_pays: Decimal
    reasons: list[Reason] = field(default_factory=list)
    line: Line | None = None
    covered_quantity: int = 0
    # The mutual's share before ceilings (rounded), None when the act is refused: the claims
    # engine splits the member's part into co-payment (share) and excess (ceilings) with it.
    share: Decimal | None = None
    deductible: Decimal = ZERO  # the part of the episode's deductible paid with this act

    @property
    def refused(self) -> bool:
        return self.mutual_pays == ZERO


def line_errors(line: Line) -> list[str]:
    """Why a line cannot be saved (empty when it can)."""
    errors = []
    if line.kind == "cash":
        if line.cash_benefit not in CASH_BENEFITS:
            errors.append("line.cash_benefit_required")
        if line.category or line.act_code:
            errors.append("line.cash_has_no_target")
        if line.amount is None or line.amount <= ZERO:
            errors.append("line.cash_amount_required")
        return errors
    if bool(line.category) == bool(line.act_code):
        errors.append("line.one_target")
    if line.category and line.category not in CATEGORIES:
        errors.append("line.unknown_category")
    if (line.rate is None) == (line.amount is None):
        errors.append("line.rate_or_amount")
    if line.rate is not None and not ZERO < line.rate <= HUNDRED:
        errors.append("line.rate_range")
    if line.amount is not None and line.amount <= ZERO:
        errors.append("line.amount_positive")
    if (line.quantity_limit is None) != (line.period_days is None):
        errors.append("line.quantity_needs_period")
    if line.applies_to == "children" and not line.children_under:
        errors.append("line.children_need_age")
    if line.care_levels - set(CARE_LEVELS):
        errors.append("line.unknown_care_level")
    return errors


def applies_to(line: Line, who: Beneficiary) -> bool:
    if line.applies_to == "head":
        return who.relationship == "head"
    if line.applies_to == "dependants":
        return who.relationship != "head"
    if line.applies_to == "children":
        return (
            who.is_child
            and who.age is not None
            and line.children_under is not None
            and who.age < line.children_under
        )
    return True


def choose_line(terms: Terms, act: ActFacts, who: Beneficiary) -> tuple[Line | None, bool]:
    """The most specific care line for this act and beneficiary, and whether any line
    targets the act at all (for the reason when none applies to this beneficiary)."""
    targeting = [
        x
        for x in terms.lines
        if x.kind == "care"
        and (x.act_code == act.code if x.act_code else x.category == act.category)
    ]
    fitting = [x for x in targeting if applies_to(x, who)]
    if not fitting:
        return None, bool(targeting)
    return max(fitting, key=lambda x: x.specificity), True


def clinical_reasons(act: ActFacts, who: Beneficiary) -> list[Reason]:
    """An act impossible for the beneficiary's sex or age (e.g. a delivery for a man)."""
    reasons: list[Reason] = []
    if act.sex in ("F", "M") and who.sex and who.sex != act.sex:
        reasons.append(("benefit.act_sex", {"sex": act.sex}))
    if who.age is not None and (
        (act.min_age is not None and who.age < act.min_age)
        or (act.max_age is not None and who.age > act.max_age)
    ):
        reasons.append(
            ("benefit.act_age", {"age": who.age, "min": act.min_age, "max": act.max_age})
        )
    return reasons


def _cap(value: Decimal, limit: Decimal | None) -> Decimal:
    return value if limit is None else min(value, max(limit, ZERO))


def assess(
    terms: Terms,
    act: ActFacts,
    tariff: Decimal,
    quantity: int,
    who: Beneficiary,
    consumed: Consumed | None = None,
    currency: str = "XOF",
    chosen: tuple[Line | None, bool] | None = None,
) -> Assessment:
    """What the mutual and the member pay for `quantity` units of `act` at `tariff`.

    Always: mutual_pays + member_pays == tariff × quantity, both >= 0, and the mutual's
    share never exceeds a ceiling. Reasons say why, in order. `chosen` is what
    `choose_line(terms, act, who)` answered, when the caller already asked (the claims engine
    asks first to read what was consumed for that line)."""
    consumed = consumed or Consumed()
    total = tariff * quantity
    if tariff < ZERO or quantity < 0:
        raise ValueError("tariff and quantity are never negative")

    def refuse(reason: str, line: Line | None = None, **params) -> Assessment:
        return Assessment(ZERO, total, [(reason, params)], line)

    if impossible := clinical_reasons(act, who):
        return Assessment(ZERO, total, impossible, None)
    if act.code in terms.exclusions or act.category in terms.exclusions:
        return refuse("benefit.excluded", code=act.code, category=act.category)
    line, targeted = chosen if chosen is not None else choose_line(terms, act, who)
    if line is None:
        return refuse("benefit.not_for_beneficiary" if targeted else "benefit.not_covered")
    waiting = line.waiting_days if line.waiting_days is not None else terms.waiting_days
    if who.days_since_anchor < waiting:
        return refuse(
            "benefit.waiting", line, days=waiting, remaining=waiting - who.days_since_anchor
        )
    if line.care_levels and who.care_level not in line.care_levels:
        return refuse("benefit.care_level", line, levels=sorted(line.care_levels))
    if line.referral_required and not who.referral:
        return refuse("benefit.referral_missing", line)
    if line.authorization_required and not who.authorization:
        return refuse("benefit.authorization_missing", line)
    if (
        line.min_interval_days
        and consumed.days_since_last is not None
        and consumed.days_since_last < line.min_interval_days
    ):
        return refuse("benefit.too_soon", line, days=line.min_interval_days)

    reasons: list[Reason] = []
    covered = quantity
    if line.quantity_limit is not None:
        allowed = max(line.quantity_limit - consumed.quantity_in_window, 0)
        if allowed == 0:
            return refuse(
                "benefit.quantity_exhausted",
                line,
                limit=line.quantity_limit,
                period=line.period_days,
            )
        if allowed < quantity:
            covered = allowed
            reasons.append(
                (
                    "benefit.quantity_limited",
                    {"covered": covered, "limit": line.quantity_limit, "period": line.period_days},
                )
            )
    base = tariff * covered
    deductible = min(max(terms.deductible - consumed.episode_deductible, ZERO), base)
    if deductible > ZERO:
        reasons.append(("benefit.deductible", {"amount": deductible}))
    eligible = base - deductible
    if line.rate is not None:
        share = eligible * line.rate / HUNDRED
        reasons.append(("benefit.rate", {"rate": line.rate}))
    else:
        share = min((line.amount or ZERO) * covered, eligible)
        reasons.append(("benefit.fixed_amount", {"amount": line.amount}))
    limits = [total]
    if line.per_act_ceiling is not None:
        cap = line.per_act_ceiling * covered
        limits.append(cap)
        if share > cap:
            reasons.append(("benefit.per_act_ceiling", {"amount": line.per_act_ceiling}))
    for code, ceiling, used in (
        ("benefit.person_ceiling", terms.ceiling_person, consumed.person_year),
        ("benefit.household_ceiling", terms.ceiling_household, consumed.household_year),
    ):
        if ceiling is not None:
            left = max(ceiling - used, ZERO)
            limits.append(left)
            if share > left:
                reasons.append((code, {"ceiling": ceiling, "left": left}))
    share = quantize(share, currency)
    before_caps = share
    for limit in limits:
        share = _cap(share, limit)
    share = max(share, ZERO)
    return Assessment(share, total - share, reasons, line, covered, before_caps, deductible)


@dataclass
class CashAssessment:
    amount: Decimal
    reasons: list[Reason] = field(default_factory=list)
    line: Line | None = None


def assess_cash(
    terms: Terms,
    benefit: str,
    who: Beneficiary,
    units: int = 1,
    consumed: Consumed | None = None,
    currency: str = "XOF",
) -> CashAssessment:
    """A cash benefit: a funeral grant, a maternity allowance per birth (`units` births), or
    a daily allowance for `units` days of work incapacity (at most `max_days`)."""
    consumed = consumed or Consumed()
    lines = [x for x in terms.lines if x.kind == "cash" and x.cash_benefit == benefit]
    fitting = [x for x in lines if applies_to(x, who)]
    if not fitting:
        code = "benefit.not_for_beneficiary" if lines else "benefit.not_covered"
        return CashAssessment(ZERO, [(code, {})])
    line = max(fitting, key=lambda x: x.specificity)
    waiting = line.waiting_days if line.waiting_days is not None else terms.waiting_days
    if who.days_since_anchor < waiting:
        return CashAssessment(
            ZERO,
            [("benefit.waiting", {"days": waiting, "remaining": waiting - who.days_since_anchor})],
            line,
        )
    reasons: list[Reason] = []
    if benefit == "daily_allowance" and line.max_days is not None:
        left = max(line.max_days - consumed.days_paid, 0)
        if left < units:
            reasons.append(("benefit.days_limited", {"days": left, "max": line.max_days}))
        units = min(units, left)
    amount = quantize((line.amount or ZERO) * max(units, 0), currency)
    reasons.append(("benefit.cash_amount", {"amount": line.amount, "units": units}))
    return CashAssessment(amount, reasons, line)


def parse_codes(text: str) -> frozenset[str]:
    """Exclusions as typed: codes or categories separated by commas, semicolons or lines."""
    for sep in ";\n\r\t":
        text = text.replace(sep, ",")
    return frozenset(x.strip() for x in text.split(",") if x.strip())


def pack_levels(levels: Iterable[str]) -> str:
    """Care levels stored compactly: "centre,district" in the fixed order; "" for all."""
    chosen = set(levels)
    return ",".join(x for x in CARE_LEVELS if x in chosen)


def unpack_levels(text: str) -> frozenset[str]:
    return frozenset(x for x in text.split(",") if x)
