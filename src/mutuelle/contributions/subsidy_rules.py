"""Pure rules of subsidies: how a household's due is split between the household and the
third-party payers of the programmes it is eligible for. Plain values in, shares and reason
codes out; no Django.

- The input is the due as billed (`rules.DueLine`s) and the household's grants: each grant is a
  programme and whom it covers in the household (the whole household, or the members enrolled
  in the programme's list — programme membership, never a health attribute).
- Programmes are applied one after the other, in the order given (the caller orders them by
  priority), each on what the previous ones left: a programme never pays what another already
  pays, and the household's share never goes below zero.
- Each programme's amount is spread over the lines it covers in proportion to them, exactly in
  the currency's minor unit: for every line, household part + payers' parts = the line as
  billed, so the shares always sum to the due.
- A programme covers contribution lines; fees (entry, card, assembly) only when it says so.
- Budgets: the caller passes what is left of each programme's budget (`budgets`, missing =
  unlimited); `split()` never grants more than that and says so with the reason
  "subsidy.budget_exhausted". `split_many()` consumes budgets household after household, in the
  order given (the billing chunk's order), so a budget runs out on the last households billed.
- Matching programmes pay nothing at billing: `match()` says what the payer adds when the
  household pays (ratio × what it paid, within what is still owed, the cap and the budget).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from mutuelle.lib.money import exponent, quantize

from .rules import ASSEMBLY_FEE, CARD_FEE, ENTRY_FEE, DueLine

ALL, PERCENT, PER_PERSON, PER_HOUSEHOLD, MATCH = (
    "all",
    "percent",
    "per_person",
    "per_household",
    "match",
)
MODES = (ALL, PERCENT, PER_PERSON, PER_HOUSEHOLD, MATCH)
FEES = frozenset({ENTRY_FEE, CARD_FEE, ASSEMBLY_FEE})
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

BUDGET_EXHAUSTED = "subsidy.budget_exhausted"


@dataclass(frozen=True)
class Programme:
    """What a programme pays, per household and period."""

    key: int | str
    mode: str
    rate: Decimal = HUNDRED  # PERCENT: percent of the lines it covers
    amount: Decimal = ZERO  # PER_PERSON / PER_HOUSEHOLD: per period
    ratio: Decimal = ONE  # MATCH: what the payer adds per unit the household pays
    cap: Decimal | None = None  # at most this per household and period (any mode)
    covers_fees: bool = False


@dataclass(frozen=True)
class Grant:
    """A household's eligibility for a programme at a period: the whole household (`members`
    None: eligible by ability-to-pay category or enrolled as a household) or the members enrolled
    in the programme's list (their keys, as on the due's lines)."""

    programme: Programme
    members: frozenset | None = None


@dataclass(frozen=True)
class Share:
    programme_key: int | str
    lines: tuple[DueLine, ...]

    @property
    def amount(self) -> Decimal:
        return sum((x.amount for x in self.lines), ZERO)


@dataclass(frozen=True)
class Split:
    household: tuple[DueLine, ...]  # what the household still owes, line by line
    shares: tuple[Share, ...]  # one per programme that pays something
    reasons: tuple[tuple[str, dict], ...] = ()

    @property
    def household_total(self) -> Decimal:
        return sum((x.amount for x in self.household), ZERO)

    @property
    def payers_total(self) -> Decimal:
        return sum((s.amount for s in self.shares), ZERO)


def mode_errors(programme: Programme, currency: str) -> list[tuple[str, dict]]:
    """What is wrong with a programme's terms (empty = usable)."""
    errors: list[tuple[str, dict]] = []
    places = exponent(currency)

    def money(field: str, value: Decimal | None) -> None:
        if value is None:
            return
        if value < 0:
            errors.append(("subsidy.negative_amount", {"field": field}))
        elif value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR):
            errors.append(("subsidy.too_many_decimals", {"field": field, "places": places}))

    if programme.mode not in MODES:
        errors.append(("subsidy.unknown_mode", {"mode": programme.mode}))
    if programme.mode == PERCENT and not ZERO < programme.rate <= HUNDRED:
        errors.append(("subsidy.bad_rate", {}))
    if programme.mode in (PER_PERSON, PER_HOUSEHOLD):
        if programme.amount <= 0:
            errors.append(("subsidy.amount_required", {}))
        money("amount", programme.amount)
    if programme.mode == MATCH and programme.ratio <= 0:
        errors.append(("subsidy.bad_ratio", {}))
    money("cap", programme.cap)
    return errors


def _unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def _floor(value: Decimal, currency: str) -> Decimal:
    return value.quantize(_unit(currency), rounding=ROUND_FLOOR)


def distribute(target: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """`target` spread over `weights` in proportion, in whole minor units: the parts sum to
    `target` exactly and no part exceeds its weight (needs 0 <= target <= sum(weights))."""
    total = sum(weights, ZERO)
    if target < 0 or target > total or target != _floor(target, currency):
        raise ValueError("the target is whole minor units within the weights")
    if target == 0:
        return [ZERO for _w in weights]
    if target == total:
        return list(weights)
    parts = [_floor(target * w / total, currency) for w in weights]
    left = target - sum(parts, ZERO)
    unit = _unit(currency)
    while left > 0:  # fewer than len(weights) units; each line with room takes one
        for i, w in enumerate(weights):
            if left <= 0:
                break
            if w - parts[i] >= unit:
                parts[i] += unit
                left -= unit
    return parts


def _covered(lines: Sequence[DueLine], grant: Grant, persons: int, currency: str) -> list[Decimal]:
    """The part of each (remaining) line the grant may pay."""
    programme, members = grant.programme, grant.members
    out = []
    for line in lines:
        if line.amount <= 0 or (line.code in FEES and not programme.covers_fees):
            out.append(ZERO)
        elif members is None:
            out.append(line.amount)
        elif line.member_key is not None:
            out.append(line.amount if line.member_key in members else ZERO)
        elif persons > 0 and members:
            # A household-level line (per household, by size, or a grouped line): the enrolled
            # members' part of it.
            share = min(len(members), persons)
            out.append(_floor(line.amount * share / persons, currency))
        else:
            out.append(ZERO)
    return out


def _target(grant: Grant, base: Decimal, persons: int, currency: str) -> Decimal:
    programme = grant.programme
    if programme.mode == ALL:
        wanted = base
    elif programme.mode == PERCENT:
        wanted = quantize(base * programme.rate / HUNDRED, currency)
    elif programme.mode == PER_PERSON:
        count = persons if grant.members is None else len(grant.members)
        wanted = programme.amount * count
    elif programme.mode == PER_HOUSEHOLD:
        wanted = programme.amount
    else:  # MATCH: at payment time
        wanted = ZERO
    if programme.cap is not None:
        wanted = min(wanted, programme.cap)
    return max(min(_floor(wanted, currency), base), ZERO)


def _take(
    lines: Sequence[DueLine], parts: Sequence[Decimal]
) -> tuple[tuple[DueLine, ...], tuple[DueLine, ...]]:
    """(what is left of each line, the lines taken), for parts taken from each line."""
    left = tuple(
        DueLine(x.code, x.member_key, x.quantity, x.unit, x.amount - p)
        for x, p in zip(lines, parts, strict=True)
    )
    taken = tuple(
        DueLine(x.code, x.member_key, x.quantity, x.unit, p)
        for x, p in zip(lines, parts, strict=True)
        if p > 0
    )
    return left, taken


def split(
    lines: Sequence[DueLine],
    grants: Sequence[Grant],
    *,
    persons: int,
    currency: str,
    budgets: Mapping[int | str, Decimal] | None = None,
) -> Split:
    """Split a household's due between the household and its programmes' payers.
    `persons` is the number of the household's members billed in the period (for amounts per
    person and for household-level lines of programmes that cover some members only)."""
    budgets = budgets or {}
    remaining = tuple(lines)
    shares: list[Share] = []
    reasons: list[tuple[str, dict]] = []
    for grant in grants:
        key = grant.programme.key
        covered = _covered(remaining, grant, persons, currency)
        base = sum(covered, ZERO)
        target = _target(grant, base, persons, currency)
        left_in_budget = budgets.get(key)
        if left_in_budget is not None and target > left_in_budget:
            target = max(_floor(left_in_budget, currency), ZERO)
            reasons.append((BUDGET_EXHAUSTED, {"programme": key}))
        if target <= 0:
            continue
        remaining, taken = _take(remaining, distribute(target, covered, currency))
        shares.append(Share(key, taken))
    household = tuple(x for x in remaining if x.amount > 0)
    return Split(household, tuple(shares), tuple(reasons))


@dataclass(frozen=True)
class HouseholdDue:
    key: int | str
    lines: tuple[DueLine, ...]
    grants: tuple[Grant, ...]
    persons: int


def split_many(
    dues: Sequence[HouseholdDue],
    currency: str,
    budgets: Mapping[int | str, Decimal] | None = None,
) -> tuple[dict[int | str, Split], dict[int | str, Decimal]]:
    """Split many households' dues in order, consuming the budgets: (splits, budgets left)."""
    left = dict(budgets or {})
    out: dict[int | str, Split] = {}
    for due in dues:
        result = split(due.lines, due.grants, persons=due.persons, currency=currency, budgets=left)
        for share in result.shares:
            if share.programme_key in left:
                left[share.programme_key] -= share.amount
        out[due.key] = result
    return out, left


def match(
    paid: Decimal,
    outstanding: Decimal,
    programme: Programme,
    *,
    currency: str,
    matched_before: Decimal = ZERO,
    budget: Decimal | None = None,
) -> Decimal:
    """What a matching programme adds when the household pays `paid` towards a due that still
    has `outstanding` to pay after that payment: ratio × paid, never more than what is still
    owed, than the cap per household and period (less what was matched before for the same
    period), nor than the budget left. Never negative."""
    if programme.mode != MATCH or paid <= 0 or outstanding <= 0:
        return quantize(ZERO, currency)
    wanted = _floor(paid * programme.ratio, currency)
    wanted = min(wanted, outstanding)
    if programme.cap is not None:
        wanted = min(wanted, _floor(programme.cap - matched_before, currency))
    if budget is not None:
        wanted = min(wanted, _floor(budget, currency))
    return max(quantize(wanted, currency), quantize(ZERO, currency))


def take_from_lines(
    lines: Sequence[DueLine], grant: Grant, amount: Decimal, *, persons: int, currency: str
) -> tuple[tuple[DueLine, ...], tuple[DueLine, ...], Decimal]:
    """Take `amount` (a matching subsidy) from the lines the grant covers, in proportion:
    (the household's lines left, the payer's lines, the amount actually taken — less than
    `amount` when the covered lines hold less)."""
    covered = _covered(lines, grant, persons, currency)
    amount = min(amount, sum(covered, ZERO))
    if amount <= 0:
        return tuple(lines), (), ZERO
    left, taken = _take(lines, distribute(amount, covered, currency))
    return left, taken, amount
