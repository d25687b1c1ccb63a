"""Review triage: which adjudicated claims go to the medical adviser, and why (pure).

Plain values in, flags out; no Django, no database. `claims.triage` loads the facts and the
statistics set-based and writes the flags.

    flags_for(claim: ClaimFacts, stats: Stats, thresholds: Thresholds) -> list[Flag]

A flag is `(code, params, score)`: the code is translated at the edge
(`claims.triage.TRIAGE_REASONS`), the parameters say why in figures, and the score orders the
adviser's queue (a claim's score is the sum of its flags'). Codes, in the order they are checked:

- `triage.high_amount`: the mutual would pay at least `high_amount` for the claim.
- `triage.quantity_outlier`: a line's quantity is above `quantity_factor` × the 95th
  percentile of the act's quantities over the window (acts seen at least
  `quantity_min_samples` times; quantities up to `quantity_floor` are never outliers).
- `triage.provider_drift`: the provider's acts per visit or cost per case is above
  `drift_factor` × the median of its peers (the other providers of the same care level with at
  least `drift_min_claims` claims; at least `drift_min_peers` of them), and this claim is above
  the peers' figure too (the provider's ordinary claims are not flagged for its others).
- `triage.no_eligibility_check`: a provider's claim (third-party payment) for a beneficiary
  nobody checked at a point of care on the first day of care; scored higher when the
  beneficiary was never checked at all (phantom beneficiaries are never checked).
- `triage.repeated_across_providers`: the same act for the same beneficiary at another provider
  within `repeat_days` days.
- `triage.split_billing`: another claim of the same provider for the same beneficiary within
  `split_days` days (one visit billed as several claims, each under a limit).
- `triage.random_sample`: a deterministic draw of `sample_rate` of the claims, from a hash of
  the claim's uuid (reruns agree; a provider cannot predict it without the uuid).

Claims the mutual pays nothing for are not flagged (nothing to save). Reimbursements (the member
paid) are not checked for eligibility checks; cash benefits only for their amount and the sample.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from hashlib import blake2b
from typing import Any, NamedTuple

ZERO = Decimal(0)
Key = Any

HIGH_AMOUNT = "triage.high_amount"
QUANTITY_OUTLIER = "triage.quantity_outlier"
PROVIDER_DRIFT = "triage.provider_drift"
NO_ELIGIBILITY_CHECK = "triage.no_eligibility_check"
REPEATED_ACROSS_PROVIDERS = "triage.repeated_across_providers"
SPLIT_BILLING = "triage.split_billing"
RANDOM_SAMPLE = "triage.random_sample"

# Every code with its parameters (docs/reason-codes.md, claims.triage.TRIAGE_REASONS).
CODES: dict[str, tuple[str, ...]] = {
    HIGH_AMOUNT: ("amount", "threshold"),
    QUANTITY_OUTLIER: ("code", "quantity", "usual", "limit"),
    PROVIDER_DRIFT: ("measure", "provider", "peers", "claim"),
    NO_ELIGIBILITY_CHECK: ("never_checked",),
    REPEATED_ACROSS_PROVIDERS: ("code", "providers", "days"),
    SPLIT_BILLING: ("claims", "days"),
    RANDOM_SAMPLE: ("rate",),
}

# Claim kinds (claims.models.ClaimKind).
THIRD_PARTY = "third_party"
CASH_BENEFIT = "cash_benefit"

# Measures of a provider's drift.
ACTS_PER_VISIT = "acts_per_visit"
COST_PER_CASE = "cost_per_case"


@dataclass(frozen=True)
class Thresholds:
    """The triage's thresholds. The defaults suit a West African mutual paying in XOF or XAF
    (change `high_amount` for another currency); they were set so that a generated month flags
    about 3 % of clean claims (the sample included) and catches the injected abuse
    (tests/claims/test_triage_detection.py)."""

    # Amount the mutual pays for one claim above which the adviser looks (currency units).
    high_amount: Decimal = Decimal(100_000)
    # A quantity is an outlier above factor × the act's 95th percentile...
    quantity_factor: Decimal = Decimal(2)
    # ... for an act seen at least this many times in the window ...
    quantity_min_samples: int = 20
    # ... and never at or below this quantity.
    quantity_floor: int = 3
    # A provider drifts above factor × its peers' median ...
    drift_factor: Decimal = Decimal("1.5")
    # ... counting providers (itself and its peers) with at least this many claims ...
    drift_min_claims: int = 30
    # ... when it has at least this many peers at its care level.
    drift_min_peers: int = 2
    # Same act, same beneficiary, another provider within this many days.
    repeat_days: int = 7
    # Another claim of the same provider for the same beneficiary within this many days.
    split_days: int = 2
    # Share of the claims drawn at random (0.01 = 1 %).
    sample_rate: Decimal = Decimal("0.01")
    # Statistics window (days of adjudicated claims before the batch) and the smallest number
    # of claims a mutual needs to be its own reference (else its union's claims are used).
    window_days: int = 90
    min_window_claims: int = 300


@dataclass(frozen=True)
class ClaimFacts:
    """What triage knows of one adjudicated claim."""

    key: Key
    uuid: str
    provider: Key
    covered: Decimal  # what the mutual would pay
    amount: Decimal  # at the tariff (the provider's cost of the case)
    lines: tuple[tuple[str, int], ...]  # (act code, quantity) of each line
    kind: str = THIRD_PARTY
    eligibility_checked: bool = True
    never_checked: bool = False  # no eligibility check of the beneficiary at all
    # (act code, number of other providers) for acts repeated within repeat_days.
    repeated: tuple[tuple[str, int], ...] = ()
    # Other claims of the same provider for the same beneficiary within split_days.
    split_with: int = 0

    @property
    def acts(self) -> int:
        return sum(max(q, 0) for _code, q in self.lines)


@dataclass(frozen=True)
class ActStats:
    """The distribution of an act's quantities per line over the window."""

    count: int
    median: int
    p95: int


@dataclass(frozen=True)
class ProviderStats:
    claims: int
    acts_per_visit: Decimal
    cost_per_case: Decimal


@dataclass(frozen=True)
class PeerStats:
    """Medians of a provider's peers (same care level, itself excluded)."""

    providers: int
    acts_per_visit: Decimal
    cost_per_case: Decimal


@dataclass(frozen=True)
class Stats:
    acts: Mapping[str, ActStats] = field(default_factory=dict)
    providers: Mapping[Key, ProviderStats] = field(default_factory=dict)
    peers: Mapping[Key, PeerStats] = field(default_factory=dict)


class Flag(NamedTuple):
    code: str
    params: dict
    score: Decimal


# Scores: how much a flag moves a claim up the queue.
SCORES = {
    HIGH_AMOUNT: Decimal(20),
    QUANTITY_OUTLIER: Decimal(30),
    PROVIDER_DRIFT: Decimal(25),
    NO_ELIGIBILITY_CHECK: Decimal(20),
    REPEATED_ACROSS_PROVIDERS: Decimal(30),
    SPLIT_BILLING: Decimal(30),
    RANDOM_SAMPLE: Decimal(5),
}


# --- statistics ---------------------------------------------------------------------------


def percentile(counts: Mapping[int, int], share: Decimal) -> int:
    """The smallest value v such that at least `share` of the observations are <= v
    (`counts`: value -> how many times seen; 0 when there is none)."""
    total = sum(counts.values())
    if total <= 0:
        return 0
    needed = share * total
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= needed:
            return value
    return max(counts)


def act_stats(quantities: Mapping[str, Mapping[int, int]]) -> dict[str, ActStats]:
    """Per act code: its quantities' count, median and 95th percentile."""
    return {
        code: ActStats(
            count=sum(c.values()),
            median=percentile(c, Decimal("0.5")),
            p95=percentile(c, Decimal("0.95")),
        )
        for code, c in quantities.items()
        if c
    }


def median(values: Iterable[Decimal]) -> Decimal:
    ordered = sorted(values)
    if not ordered:
        return ZERO
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class ProviderTotals:
    """A provider's claims over the window: how many, their acts and their cost."""

    provider: Key
    level: str
    claims: int
    acts: int
    cost: Decimal


def provider_stats(
    totals: Iterable[ProviderTotals], thresholds: Thresholds
) -> tuple[dict[Key, ProviderStats], dict[Key, PeerStats]]:
    """Each provider's figures, and the medians of its peers (same care level, enough claims,
    itself excluded). A provider without a care level has no peers."""
    figures: dict[Key, ProviderStats] = {}
    levels: dict[str, list[Key]] = {}
    for t in totals:
        if t.claims <= 0:
            continue
        figures[t.provider] = ProviderStats(
            claims=t.claims,
            acts_per_visit=Decimal(t.acts) / t.claims,
            cost_per_case=t.cost / t.claims,
        )
        if t.level and t.claims >= thresholds.drift_min_claims:
            levels.setdefault(t.level, []).append(t.provider)
    peers: dict[Key, PeerStats] = {}
    for members in levels.values():
        for p in members:
            others = [figures[o] for o in members if o != p]
            if len(others) < thresholds.drift_min_peers:
                continue
            peers[p] = PeerStats(
                providers=len(others),
                acts_per_visit=median(o.acts_per_visit for o in others),
                cost_per_case=median(o.cost_per_case for o in others),
            )
    return figures, peers


def build_stats(
    quantities: Mapping[str, Mapping[int, int]],
    totals: Iterable[ProviderTotals],
    thresholds: Thresholds,
) -> Stats:
    figures, peers = provider_stats(totals, thresholds)
    return Stats(acts=act_stats(quantities), providers=figures, peers=peers)


def quantity_counts(rows: Iterable[tuple[str, int]]) -> dict[str, Counter]:
    """(act code, quantity) rows -> per code, how many lines had each quantity."""
    out: dict[str, Counter] = {}
    for code, quantity in rows:
        if quantity > 0:
            out.setdefault(code, Counter())[quantity] += 1
    return out


# --- flags --------------------------------------------------------------------------------


def sampled(uuid: str, rate: Decimal) -> bool:
    """Whether the claim is in the random sample: a hash of its uuid, so reruns agree."""
    if rate <= 0:
        return False
    draw = int.from_bytes(blake2b(str(uuid).encode(), digest_size=8).digest(), "big")
    return Decimal(draw) / Decimal(2**64) < rate


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def flags_for(claim: ClaimFacts, stats: Stats, thresholds: Thresholds) -> list[Flag]:
    """The reasons to review `claim`, in the order of CODES (empty: the claim is clean)."""
    if claim.covered <= 0:
        return []
    flags: list[Flag] = []

    def add(flag: str, score: Decimal | None = None, **params) -> None:
        flags.append(Flag(flag, params, SCORES[flag] if score is None else score))

    if claim.covered >= thresholds.high_amount:
        # The further above, the higher (up to four times the base score).
        ratio = min(claim.covered / thresholds.high_amount, Decimal(4))
        add(
            HIGH_AMOUNT,
            _round(SCORES[HIGH_AMOUNT] * ratio),
            amount=claim.covered,
            threshold=thresholds.high_amount,
        )
    cash = claim.kind == CASH_BENEFIT
    if not cash:
        for code, quantity in claim.lines:
            act = stats.acts.get(code)
            if act is None or act.count < thresholds.quantity_min_samples:
                continue
            limit = max(Decimal(thresholds.quantity_floor), thresholds.quantity_factor * act.p95)
            if quantity > limit:
                add(QUANTITY_OUTLIER, code=code, quantity=quantity, usual=act.p95, limit=limit)
                break
        mine = stats.providers.get(claim.provider)
        peers = stats.peers.get(claim.provider)
        if mine is not None and peers is not None and mine.claims >= thresholds.drift_min_claims:
            factor = thresholds.drift_factor
            if (
                peers.acts_per_visit > 0
                and mine.acts_per_visit > factor * peers.acts_per_visit
                and claim.acts > peers.acts_per_visit
            ):
                add(
                    PROVIDER_DRIFT,
                    measure=ACTS_PER_VISIT,
                    provider=_round(mine.acts_per_visit),
                    peers=_round(peers.acts_per_visit),
                    claim=claim.acts,
                )
            elif (
                peers.cost_per_case > 0
                and mine.cost_per_case > factor * peers.cost_per_case
                and claim.amount > peers.cost_per_case
            ):
                add(
                    PROVIDER_DRIFT,
                    measure=COST_PER_CASE,
                    provider=_round(mine.cost_per_case),
                    peers=_round(peers.cost_per_case),
                    claim=claim.amount,
                )
    if claim.kind == THIRD_PARTY and not claim.eligibility_checked:
        add(
            NO_ELIGIBILITY_CHECK,
            SCORES[NO_ELIGIBILITY_CHECK] * (2 if claim.never_checked else 1),
            never_checked=claim.never_checked,
        )
    if not cash and claim.repeated:
        code, providers = max(claim.repeated, key=lambda x: (x[1], x[0]))
        add(REPEATED_ACROSS_PROVIDERS, code=code, providers=providers, days=thresholds.repeat_days)
    if not cash and claim.split_with > 0:
        add(SPLIT_BILLING, claims=claim.split_with + 1, days=thresholds.split_days)
    if sampled(claim.uuid, thresholds.sample_rate):
        add(RANDOM_SAMPLE, rate=thresholds.sample_rate)
    return flags


def score(flags: Iterable[Flag]) -> Decimal:
    return sum((f.score for f in flags), ZERO)
