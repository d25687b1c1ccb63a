"""Pure rules of providers and conventions: the default care level of a provider type,
convention and tariff schedule checks as reason codes, and the tariff of an act.

No Django, no database. `TariffTable` is built once per adopted schedule and then answers
`price(act, package, places)` by dictionary lookups, so bulk adjudication can resolve
millions of lines without allocating anything per line beyond the answer.

The place of a tariff line is the BENEFICIARY's home place (the household's place), not the
provider's: a health centre's "in catchment area / out of area" (hors aire) tariff is a line
for the catchment area's place and a dearer line with no place (decision 0009)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from mutuelle.benefits.rules import CARE_LEVELS

ZERO = Decimal(0)

PROVIDER_TYPES = (
    "health_post",
    "health_centre",
    "district_hospital",
    "regional_hospital",
    "national_hospital",
    "pharmacy",
    "laboratory",
    "imaging",
)
OWNERSHIPS = ("public", "private", "faith_based", "community", "mutual_owned")
PAYMENT_MODES = ("fee_for_service", "flat_rate", "capitation")
EPISODE_TYPES = ("outpatient", "inpatient", "emergency", "referral", "delivery")

# Laboratories and imaging centres are technical services reached on prescription: they sit
# with the district hospital (first referral level) unless the profile says otherwise.
DEFAULT_CARE_LEVEL = {
    "health_post": "post",
    "health_centre": "centre",
    "district_hospital": "district",
    "regional_hospital": "regional",
    "national_hospital": "national",
    "pharmacy": "pharmacy",
    "laboratory": "district",
    "imaging": "district",
}
assert set(DEFAULT_CARE_LEVEL.values()) <= set(CARE_LEVELS)


def default_care_level(provider_type: str) -> str:
    """The care level a provider of this type usually has ("" for an unknown type)."""
    return DEFAULT_CARE_LEVEL.get(provider_type, "")


def profile_errors(provider_type: str, ownership: str, care_level: str) -> list[str]:
    errors = []
    if provider_type not in PROVIDER_TYPES:
        errors.append("profile.unknown_type")
    if ownership not in OWNERSHIPS:
        errors.append("profile.unknown_ownership")
    if care_level not in CARE_LEVELS:
        errors.append("profile.unknown_care_level")
    return errors


# --- Conventions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConventionTerms:
    start: date
    end: date | None = None
    payment_mode: str = "fee_for_service"
    submission_days: int = 30
    payment_days: int = 30
    capitation_amount: Decimal | None = None
    flat_rates: Mapping[str, Decimal] = field(default_factory=dict)


def convention_errors(terms: ConventionTerms) -> list[str]:
    """Reason codes of what is wrong with a convention's terms (empty: fine)."""
    errors = []
    if terms.end is not None and terms.end < terms.start:
        errors.append("convention.end_before_start")
    if terms.payment_mode not in PAYMENT_MODES:
        errors.append("convention.unknown_payment_mode")
    if terms.submission_days < 1:
        errors.append("convention.submission_days")
    if terms.payment_days < 1:
        errors.append("convention.payment_days")
    if any(kind not in EPISODE_TYPES for kind in terms.flat_rates):
        errors.append("convention.unknown_episode_type")
    if any(amount is None or amount <= 0 for amount in terms.flat_rates.values()):
        errors.append("convention.flat_rate_positive")
    if terms.payment_mode == "flat_rate" and not terms.flat_rates:
        errors.append("convention.flat_rates_required")
    if terms.capitation_amount is not None and terms.capitation_amount <= 0:
        errors.append("convention.capitation_positive")
    if terms.payment_mode == "capitation" and terms.capitation_amount is None:
        errors.append("convention.capitation_required")
    return errors


def in_force(start: date, end: date | None, on: date) -> bool:
    return start <= on and (end is None or on <= end)


def submission_deadline(care_date: date, submission_days: int) -> date:
    """The last day a claim for care given on `care_date` may be submitted."""
    return care_date + timedelta(days=submission_days)


def submitted_late(care_date: date, submitted_on: date, submission_days: int) -> bool:
    return submitted_on > submission_deadline(care_date, submission_days)


def payment_due(received_on: date, payment_days: int) -> date:
    return received_on + timedelta(days=payment_days)


def capitation_due(attached: int, amount: Decimal) -> Decimal:
    """What a month of capitation costs for `attached` beneficiaries."""
    return amount * attached


# --- Tariff schedules ------------------------------------------------------------------------


def adoption_errors(
    effective_from: date,
    effective_to: date | None,
    convention_start: date,
    convention_end: date | None,
    line_count: int,
    latest_adopted_start: date | None,
) -> list[tuple[str, dict]]:
    """Reasons a draft schedule may not be adopted with these dates."""
    errors: list[tuple[str, dict]] = []
    if line_count == 0:
        errors.append(("schedule.empty", {}))
    if effective_to is not None and effective_to < effective_from:
        errors.append(("schedule.end_before_start", {}))
    if effective_from < convention_start or (
        convention_end is not None and effective_from > convention_end
    ):
        errors.append(
            ("schedule.outside_convention", {"start": convention_start, "end": convention_end})
        )
    if latest_adopted_start is not None and effective_from <= latest_adopted_start:
        errors.append(("schedule.starts_too_early", {"start": latest_adopted_start}))
    return errors


def line_errors(price: Decimal | None) -> list[str]:
    if price is None:
        return ["tariff.price_required"]
    if price < 0:
        return ["tariff.price_negative"]
    return []


@dataclass(frozen=True, slots=True)
class Tariff:
    """One tariff line as the rules see it: `package` a package code or None (any package),
    `place` a place id or None (anywhere)."""

    act: str
    price: Decimal
    package: str | None = None
    place: int | None = None

    @property
    def specificity(self) -> int:
        """3: package and place, 2: package, 1: place, 0: the act alone."""
        return (2 if self.package is not None else 0) + (1 if self.place is not None else 0)


@dataclass(frozen=True, slots=True)
class _ActTariffs:
    base: Tariff | None
    by_package: Mapping[str, Tariff]
    by_place: Mapping[int, Tariff]
    by_package_place: Mapping[tuple[str, int], Tariff]


def place_chain(path: str | None) -> tuple[int, ...]:
    """A place's materialized path ("/1/4/9/") as its ids, the place itself first, then its
    parent, up to the root: the order in which `TariffTable.resolve` tries them. Computed once
    per beneficiary, not per line."""
    if not path:
        return ()
    return tuple(int(p) for p in reversed(path.strip("/").split("/")) if p)


@dataclass(frozen=True)
class TariffTable:
    """The lines of one schedule, indexed for resolution. Build with `TariffTable.of(lines)`."""

    acts: Mapping[str, _ActTariffs]

    @classmethod
    def of(cls, lines: Iterable[Tariff]) -> "TariffTable":
        base: dict[str, Tariff] = {}
        by_package: dict[str, dict[str, Tariff]] = {}
        by_place: dict[str, dict[int, Tariff]] = {}
        by_both: dict[str, dict[tuple[str, int], Tariff]] = {}
        codes: set[str] = set()
        for t in lines:
            codes.add(t.act)
            if t.package is None and t.place is None:
                base[t.act] = t
            elif t.place is None:
                by_package.setdefault(t.act, {})[t.package] = t  # type: ignore[index]
            elif t.package is None:
                by_place.setdefault(t.act, {})[t.place] = t
            else:
                by_both.setdefault(t.act, {})[(t.package, t.place)] = t
        return cls(
            {
                code: _ActTariffs(
                    base.get(code),
                    by_package.get(code, {}),
                    by_place.get(code, {}),
                    by_both.get(code, {}),
                )
                for code in codes
            }
        )

    def __len__(self) -> int:
        return len(self.acts)

    def __contains__(self, act: str) -> bool:
        return act in self.acts

    def resolve(
        self, act: str, package: str | None = None, places: Sequence[int] = ()
    ) -> Tariff | None:
        """The most specific line for the act: package and the deepest matching place, then
        package alone, then the deepest matching place, then the act alone. `places` is the
        beneficiary's `place_chain()` (deepest first). None: the act is not in the schedule
        (or only for other packages or places)."""
        entry = self.acts.get(act)
        if entry is None:
            return None
        if package is not None:
            if entry.by_package_place:
                both = entry.by_package_place
                for place in places:
                    hit = both.get((package, place))
                    if hit is not None:
                        return hit
            if entry.by_package:
                hit = entry.by_package.get(package)
                if hit is not None:
                    return hit
        if entry.by_place:
            by_place = entry.by_place
            for place in places:
                hit = by_place.get(place)
                if hit is not None:
                    return hit
        return entry.base

    def price(
        self, act: str, package: str | None = None, places: Sequence[int] = ()
    ) -> Decimal | None:
        hit = self.resolve(act, package, places)
        return None if hit is None else hit.price


EMPTY_TABLE = TariffTable({})
