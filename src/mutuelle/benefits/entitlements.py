"""What a beneficiary is entitled to under a package version, at a glance: the eligibility
screen's table. Pure (plain values in, plain values out); the same `rules.choose_line()`
logic as the claims engine, so what a clerk is told is what adjudication will apply.

For each category of care (and each act with a line of its own): the mutual's share (a rate
or a fixed amount per unit), the member's co-payment, the per-act ceiling, the quantity limit,
the waiting period still running, whether a guarantee letter or a referral is needed, and
whether the provider's care level is allowed. Then the annual ceilings and what is left."""

from dataclasses import dataclass
from decimal import Decimal

from . import rules

ZERO = Decimal(0)


@dataclass(frozen=True)
class Entitlement:
    category: str
    act_code: str  # "" for a whole category
    rate: Decimal | None  # the mutual's %, or None when it pays a fixed amount
    amount: Decimal | None  # the mutual's fixed amount per unit
    copayment_rate: Decimal | None  # the member's %, when the mutual pays a rate
    per_act_ceiling: Decimal | None
    quantity_limit: int | None
    period_days: int | None
    waiting_left: int  # days of waiting still to run (0: none)
    letter_needed: bool
    referral_needed: bool
    level_allowed: bool | None  # None when the provider's level is not known


@dataclass(frozen=True)
class Ceiling:
    kind: str  # "person" or "household"
    amount: Decimal
    used: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.amount - self.used, ZERO)


@dataclass(frozen=True)
class Summary:
    entitlements: tuple[Entitlement, ...]
    ceilings: tuple[Ceiling, ...]
    exclusions: tuple[str, ...]
    deductible: Decimal

    @property
    def letter_categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.category for e in self.entitlements if e.letter_needed))


def _entitlement(line: rules.Line, terms: rules.Terms, who: rules.Beneficiary, category: str):
    waiting = line.waiting_days if line.waiting_days is not None else terms.waiting_days
    level_allowed = None
    if who.care_level:
        level_allowed = not line.care_levels or who.care_level in line.care_levels
    return Entitlement(
        category=category,
        act_code=line.act_code,
        rate=line.rate,
        amount=line.amount,
        copayment_rate=rules.HUNDRED - line.rate if line.rate is not None else None,
        per_act_ceiling=line.per_act_ceiling,
        quantity_limit=line.quantity_limit,
        period_days=line.period_days,
        waiting_left=max(waiting - who.days_since_anchor, 0),
        letter_needed=line.authorization_required,
        referral_needed=line.referral_required,
        level_allowed=level_allowed,
    )


def summarize(
    terms: rules.Terms,
    who: rules.Beneficiary,
    act_categories: dict[str, str],
    used_person: Decimal = ZERO,
    used_household: Decimal = ZERO,
) -> Summary:
    """The beneficiary's entitlements under one version. `act_categories` maps the act codes
    of act lines to their category (for grouping); `used_*` are what the mutual already paid
    this year for the beneficiary and the household."""
    rows: list[Entitlement] = []
    for category in rules.CATEGORIES:
        if category in terms.exclusions:
            continue
        # The line a claim for "some act of this category" would use.
        probe = rules.ActFacts(code="", category=category)
        line, _targeted = rules.choose_line(terms, probe, who)
        if line is not None:
            rows.append(_entitlement(line, terms, who, category))
    for line in terms.lines:
        if line.kind != "care" or not line.act_code or line.act_code in terms.exclusions:
            continue
        if not rules.applies_to(line, who):
            continue
        act = rules.ActFacts(code=line.act_code, category=act_categories.get(line.act_code, ""))
        if rules.choose_line(terms, act, who)[0] is line:
            rows.append(_entitlement(line, terms, who, act.category))
    ceilings = []
    if terms.ceiling_person is not None:
        ceilings.append(Ceiling("person", terms.ceiling_person, used_person))
    if terms.ceiling_household is not None:
        ceilings.append(Ceiling("household", terms.ceiling_household, used_household))
    return Summary(
        entitlements=tuple(rows),
        ceilings=tuple(ceilings),
        exclusions=tuple(sorted(terms.exclusions)),
        deductible=terms.deductible,
    )
