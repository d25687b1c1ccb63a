"""What a settlement pays (pure): the statement's totals, flat rates, capitation and the
recovery of advances and overpayments. No Django, no database.

A settlement (bordereau) pays one payee — a provider, or a member for reimbursements and cash
benefits — for the approved claims of a period, plus its other lines:

    claims_amount = Σ covered of its claims (what the engine and the adviser approved)
    gross         = claims_amount + Σ flat-rate and capitation lines
    recovered     = Σ recoveries (≤ what is open, ≤ gross; oldest advance first)
    net           = gross − recovered = claims_amount + other_amount   (never below zero)

where `other_amount` is the sum of every other line (flat rates, capitation, recoveries as
negative amounts). Every amount is rounded to the currency's minor unit (`lib.money`), each
line on its own, and the totals are the sums of the rounded lines, so the statement adds up
to the unit.

Payment modes (the convention's `payment_mode`):

- fee for service: the claims' covered amounts, nothing else.
- flat rate per episode: each EPISODE of care is paid the convention's rate for its type
  instead of the covered amounts of its claims. An episode is the claims sharing an `Episode`
  row (a claim without one is an episode on its own). Its type is the most intensive one among
  its claims — delivery (a line for an act of the delivery category), then inpatient,
  emergency, referral, outpatient. One line per type: `episodes × rate`. The claims of the
  episodes so paid are listed on the statement with their covered amounts, and one negative
  line ("claims paid by the flat rate") takes those amounts back out, so that the net is the
  flat rates. An episode already paid by an earlier settlement (a second claim for the same
  stay) is not paid again: its new claims are taken out and it is not counted. An episode of
  a type the convention has no rate for is paid fee-for-service (its claims stay as they are).
- capitation: the convention pays `capitation_amount` per beneficiary attached in each month
  whose FIRST DAY lies in the period (one line per month: `attached × amount`); the period's
  claims are listed and all taken back out by one negative line (capitation pays the care).

Recovery: money the provider owes back (advances paid to a hospital, overpayments found
later) is deducted from the gross, the oldest first, each at most what is still open on it,
and in total at most the gross: a settlement never pays a negative amount; what is left is
recovered from the next settlements."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from mutuelle.lib.money import quantize

ZERO = Decimal(0)

FEE_FOR_SERVICE = "fee_for_service"
FLAT_RATE = "flat_rate"
CAPITATION = "capitation"

# Episode types from the most to the least intensive (providers.rules.EPISODE_TYPES).
EPISODE_ORDER = ("delivery", "inpatient", "emergency", "referral", "outpatient")

# Line kinds (models.SettlementLineKind) and the label codes the edge translates.
LINE_FLAT_RATE = "flat_rate"
LINE_CAPITATION = "capitation"
LINE_ADVANCE = "advance_recovery"
LINE_OVERPAYMENT = "overpayment_recovery"
LABEL_REPLACED_BY_FLAT_RATE = "flat_rate.replaced"
LABEL_REPLACED_BY_CAPITATION = "capitation.replaced"


@dataclass(frozen=True)
class ClaimItem:
    """An approved claim as the settlement sees it."""

    key: int
    covered: Decimal
    episode: int | None = None  # its Episode row; None: the claim is an episode on its own
    episode_type: str = "outpatient"


@dataclass(frozen=True)
class OpenDebt:
    """An advance or overpayment not yet fully recovered."""

    key: int
    kind: str  # "advance" or "overpayment"
    open: Decimal  # amount − recovered so far
    on: date


@dataclass(frozen=True)
class Line:
    """A settlement line other than a claim. `label` is a code with `params` (translated at the
    edge): "flat_rate.<type>", "flat_rate.replaced", "capitation.<YYYY-MM>",
    "capitation.replaced", "advance_recovery", "overpayment_recovery"."""

    kind: str
    label: str
    quantity: int
    unit_amount: Decimal
    amount: Decimal
    debt: int | None = None


@dataclass(frozen=True)
class Statement:
    claims_count: int
    claims_amount: Decimal
    lines: tuple[Line, ...]
    gross: Decimal
    recovered: Decimal
    net: Decimal

    @property
    def other_amount(self) -> Decimal:
        return sum((x.amount for x in self.lines), ZERO)


@dataclass(frozen=True)
class Terms:
    """What the settlement's convention says (fee for service when there is none)."""

    payment_mode: str = FEE_FOR_SERVICE
    flat_rates: dict[str, Decimal] = field(default_factory=dict)
    capitation_amount: Decimal | None = None


def episode_type(visit_type: str, categories: Iterable[str]) -> str:
    """A claim's episode type: delivery when one of its acts is a delivery, else its visit type."""
    return "delivery" if "delivery" in set(categories) else visit_type


def _rank(kind: str) -> int:
    return EPISODE_ORDER.index(kind) if kind in EPISODE_ORDER else len(EPISODE_ORDER)


def flat_rate_lines(
    claims: Sequence[ClaimItem],
    rates: dict[str, Decimal],
    currency: str,
    already_paid: frozenset[int] = frozenset(),
) -> list[Line]:
    """The flat-rate lines (one per episode type, most intensive first) and the negative line
    taking out the covered amounts of the claims they pay. `already_paid`: Episode ids an
    earlier settlement paid."""
    episodes: dict[tuple[str, int], list[ClaimItem]] = {}
    for c in claims:
        key = ("e", c.episode) if c.episode is not None else ("c", c.key)
        episodes.setdefault(key, []).append(c)
    counts: dict[str, int] = {}
    replaced = ZERO
    for (tag, ident), items in episodes.items():
        kind = min((c.episode_type for c in items), key=_rank)
        if kind not in rates:
            continue  # paid fee-for-service
        replaced += sum((c.covered for c in items), ZERO)
        if tag == "e" and ident in already_paid:
            continue
        counts[kind] = counts.get(kind, 0) + 1
    lines = [
        Line(
            LINE_FLAT_RATE,
            f"flat_rate.{kind}",
            counts[kind],
            quantize(rates[kind], currency),
            quantize(rates[kind], currency) * counts[kind],
        )
        for kind in sorted(counts, key=_rank)
    ]
    if replaced:
        lines.append(
            Line(
                LINE_FLAT_RATE,
                LABEL_REPLACED_BY_FLAT_RATE,
                0,
                ZERO,
                -quantize(replaced, currency),
            )
        )
    return lines


def months_in(start: date, end: date) -> list[tuple[int, int]]:
    """(year, month) of the months whose first day lies from `start` to `end`."""
    out = []
    year, month = start.year, start.month
    if start.day != 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    while date(year, month, 1) <= end:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def capitation_lines(
    attached: Sequence[tuple[int, int, int]],
    amount: Decimal,
    currency: str,
    claims_covered: Decimal = ZERO,
) -> list[Line]:
    """One line per month (year, month, beneficiaries attached): attached × amount; then the
    negative line taking out the claims' covered amounts (capitation pays the care)."""
    unit = quantize(amount, currency)
    lines = [
        Line(LINE_CAPITATION, f"capitation.{year:04d}-{month:02d}", count, unit, unit * count)
        for year, month, count in attached
    ]
    if claims_covered:
        lines.append(
            Line(
                LINE_CAPITATION,
                LABEL_REPLACED_BY_CAPITATION,
                0,
                ZERO,
                -quantize(claims_covered, currency),
            )
        )
    return lines


def recover(gross: Decimal, debts: Sequence[OpenDebt], currency: str) -> list[Line]:
    """Recovery lines (negative), the oldest debt first: each at most what is open on it, in
    total at most the gross (never a negative net)."""
    left = max(quantize(gross, currency), ZERO)
    lines = []
    for debt in sorted(debts, key=lambda d: (d.on, d.key)):
        if left <= 0:
            break
        take = min(quantize(debt.open, currency), left)
        if take <= 0:
            continue
        kind = LINE_ADVANCE if debt.kind == "advance" else LINE_OVERPAYMENT
        lines.append(Line(kind, kind, 1, -take, -take, debt=debt.key))
        left -= take
    return lines


def statement(
    claims: Sequence[ClaimItem],
    terms: Terms,
    currency: str,
    *,
    attached: Sequence[tuple[int, int, int]] = (),
    debts: Sequence[OpenDebt] = (),
    already_paid: frozenset[int] = frozenset(),
) -> Statement:
    """The whole statement of one payee and period."""
    claims_amount = quantize(sum((c.covered for c in claims), ZERO), currency)
    lines: list[Line] = []
    if terms.payment_mode == FLAT_RATE and terms.flat_rates:
        lines += flat_rate_lines(claims, terms.flat_rates, currency, already_paid)
    elif terms.payment_mode == CAPITATION and terms.capitation_amount:
        lines += capitation_lines(attached, terms.capitation_amount, currency, claims_amount)
    gross = claims_amount + sum((x.amount for x in lines), ZERO)
    recoveries = recover(gross, debts, currency)
    recovered = -sum((x.amount for x in recoveries), ZERO)
    lines += recoveries
    return Statement(
        claims_count=len(claims),
        claims_amount=claims_amount,
        lines=tuple(lines),
        gross=gross,
        recovered=recovered,
        net=gross - recovered,
    )


def charge_adjustment(lines: Iterable[Line]) -> Decimal:
    """What the flat-rate and capitation lines add to (or, negative, take from) the benefit
    expense already booked when the claims were approved."""
    return sum((x.amount for x in lines if x.kind in (LINE_FLAT_RATE, LINE_CAPITATION)), ZERO)
