"""Arrears: what paying and not paying does to memberships. A household's pending members
become active when everything due so far is paid; the daily job suspends households with too
many unpaid periods (the mutual's policy); paying the arrears reinstates them. Every change is
a dated StatusEvent, so coverage at any past date is answered exactly."""

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, F, Q

from mutuelle.core.models import Organization
from mutuelle.lib import periods
from mutuelle.members import actions as members
from mutuelle.members import rules as member_rules
from mutuelle.members.models import Household, Membership

from .. import rules
from ..models import ArrearsSettings, Due


def policy_of(organization_id: int) -> rules.ArrearsPolicy:
    row = ArrearsSettings.unscoped.filter(organization_id=organization_id).first()
    if row is None:
        return rules.ArrearsPolicy()
    return rules.ArrearsPolicy(
        grace_days=row.grace_days,
        suspend_after=row.suspend_after,
        new_waiting_on_reinstatement=row.new_waiting_on_reinstatement,
    )


def due_states(household_ids) -> dict[int, list[rules.DueState]]:
    states: dict[int, list[rules.DueState]] = defaultdict(list)
    for pk, household_id, period, due_on, amount, paid, paid_on in Due.unscoped.filter(
        household_id__in=list(household_ids)
    ).values_list("pk", "household_id", "period", "due_on", "amount", "paid", "paid_on"):
        states[household_id].append(
            rules.DueState(pk, periods.parse(period), due_on, amount - paid, paid_on)
        )
    return states


def _memberships(household: Household, statuses) -> list[int]:
    return list(
        Membership.unscoped.filter(
            organization=household.organization,
            person__household=household,
            status__in=statuses,
        ).values_list("pk", flat=True)
    )


def after_payment(actor, household: Household, on: date) -> None:
    """Called by record_payment in its transaction (the household is locked)."""
    organization = household.organization
    owing = Due.unscoped.filter(household=household, due_on__lte=on, paid__lt=F("amount"))
    if not owing.exists():
        pending = _memberships(household, [member_rules.PENDING])
        members.move_statuses(
            organization,
            pending,
            [member_rules.PENDING],
            member_rules.ACTIVE,
            on,
            "paid",
            actor=actor,
        )
    suspended = _memberships(household, [member_rules.SUSPENDED])
    if not suspended:
        return
    policy = policy_of(organization.pk)
    if rules.suspension_date(policy, due_states([household.pk])[household.pk], on) is not None:
        return
    moved = members.move_statuses(
        organization,
        suspended,
        [member_rules.SUSPENDED],
        member_rules.ACTIVE,
        on,
        "paid",
        actor=actor,
    )
    if policy.new_waiting_on_reinstatement:
        Membership.unscoped.filter(pk__in=moved).update(waiting_from=on)


@transaction.atomic
def suspend_for_arrears(on: date) -> int:
    """The daily job: households whose unpaid periods reached their mutual's threshold have
    their active memberships suspended from the day the threshold was reached."""
    suspended = 0
    mutuals = Due.unscoped.values_list("organization_id", flat=True).distinct()
    for organization in Organization.unscoped.filter(pk__in=list(mutuals)):
        policy = policy_of(organization.pk)
        if policy.suspend_after <= 0:
            continue
        late = on - timedelta(days=policy.grace_days)
        candidates = (
            Due.unscoped.filter(organization=organization)
            .values("household_id")
            .annotate(n=Count("pk", filter=Q(paid__lt=F("amount"), due_on__lt=late)))
            .filter(n__gte=policy.suspend_after)
            .values_list("household_id", flat=True)
        )
        households = list(candidates)
        if not households:
            continue
        states = due_states(households)
        active = defaultdict(list)
        for pk, household_id in Membership.unscoped.filter(
            organization=organization,
            person__household_id__in=households,
            status=member_rules.ACTIVE,
        ).values_list("pk", "person__household_id"):
            active[household_id].append(pk)
        by_day: dict[date, list[int]] = defaultdict(list)
        for household_id, ids in active.items():
            since = rules.suspension_date(policy, states[household_id], on)
            if since is not None:
                by_day[since].extend(ids)
        for since, ids in by_day.items():
            suspended += len(
                members.move_statuses(
                    organization,
                    ids,
                    [member_rules.ACTIVE],
                    member_rules.SUSPENDED,
                    since,
                    "arrears",
                )
            )
    return suspended
