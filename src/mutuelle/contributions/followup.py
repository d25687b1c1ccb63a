"""Follow-up reads: households in arrears by village and by collector, and the renewal of
yearly schemes (who renewed, the renewal rate by village and by enrolment agent)."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Sum

from mutuelle.core.models import Organization
from mutuelle.lib import periods
from mutuelle.members.models import Household

from . import rules
from .actions.arrears import policy_of
from .actions.billing import rule_in_force
from .models import CollectorSheet, Due


def late_dues(organization: Organization, on: date):
    """Dues still unpaid after the mutual's grace period."""
    grace = policy_of(organization.pk).grace_days
    return Due.unscoped.filter(
        organization=organization,
        paid__lt=F("amount"),
        due_on__lt=on - timedelta(days=grace),
    )


def arrears_by_village(organization: Organization, on: date) -> list[dict]:
    """Households in arrears and what they owe, per village, with the village's collector (the
    one of its latest round)."""
    rows = (
        late_dues(organization, on)
        .values("household__place_id", "household__place__name")
        .annotate(
            households=Count("household_id", distinct=True),
            owed=Sum(F("amount") - F("paid")),
        )
        .order_by("household__place__name")
    )
    collectors: dict[int, str] = {}
    for place_id, username, full_name in (
        CollectorSheet.unscoped.filter(organization=organization)
        .order_by("place_id", "-created_at")
        .values_list("place_id", "collector__username", "collector__full_name")
    ):
        collectors.setdefault(place_id, full_name or username)
    return [
        {
            "place_id": r["household__place_id"],
            "village": r["household__place__name"] or "—",
            "collector": collectors.get(r["household__place_id"], ""),
            "households": r["households"],
            "owed": r["owed"] or Decimal(0),
        }
        for r in rows
    ]


def households_in_arrears(organization: Organization, on: date, place_id=None) -> list[dict]:
    dues = late_dues(organization, on)
    if place_id:
        dues = dues.filter(household__place_id=place_id)
    owed = dict(
        dues.values("household_id")
        .annotate(owed=Sum(F("amount") - F("paid")))
        .values_list("household_id", "owed")
    )
    periods_late = dict(
        dues.values("household_id").annotate(n=Count("pk")).values_list("household_id", "n")
    )
    households = Household.unscoped.filter(pk__in=list(owed)).select_related("head", "place")
    return sorted(
        (
            {
                "household": h,
                "owed": owed[h.pk],
                "periods": periods_late[h.pk],
            }
            for h in households
        ),
        key=lambda r: (-r["periods"], -r["owed"]),
    )


def renewal(organization: Organization, on: date) -> dict | None:
    """For a yearly scheme: of the households billed for the previous year, who has paid this
    year's contribution (renewed), by village and by enrolment agent."""
    version = rule_in_force(organization, on)
    if version is None:
        return None
    rule = rules.rule_from_config(version.config)
    if rule.periodicity.kind != periods.YEAR:
        return None
    current = periods.period_of(rule.periodicity, on)
    previous = periods.previous_period(rule.periodicity, current)
    last_year = Due.unscoped.filter(organization=organization, period=previous.code)
    renewed = set(
        Due.unscoped.filter(
            organization=organization, period=current.code, paid__gte=F("amount")
        ).values_list("household_id", flat=True)
    )
    by_village: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_agent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    pending = []
    for household_id, village, agent, agent_name, number in last_year.values_list(
        "household_id",
        "household__place__name",
        "household__agent__username",
        "household__agent__full_name",
        "household__number",
    ):
        done = household_id in renewed
        for table, key in ((by_village, village or "—"), (by_agent, agent_name or agent or "—")):
            table[key][0] += 1
            table[key][1] += int(done)
        if not done:
            pending.append(number)

    def rates(table):
        return [
            {
                "name": k,
                "due": v[0],
                "renewed": v[1],
                "rate": round(100 * v[1] / v[0]) if v[0] else 0,
            }
            for k, v in sorted(table.items())
        ]

    total = sum(v[0] for v in by_village.values())
    renewed_count = sum(v[1] for v in by_village.values())
    return {
        "current": current,
        "previous": previous,
        "due": total,
        "renewed": renewed_count,
        "rate": round(100 * renewed_count / total) if total else 0,
        "by_village": rates(by_village),
        "by_agent": rates(by_agent),
        "pending": sorted(pending),
    }
