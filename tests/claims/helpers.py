"""Shared set-up of the claims tests: mutual A's adopted package, an active household, and a
convention between mutual A and provider A (the clerk's provider)."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from mutuelle.members.actions import move_statuses
from mutuelle.members.models import Membership
from mutuelle.providers import actions as providers

from ..benefits.helpers import adopted_package
from ..contributions.helpers import household

ENROLLED = date(2026, 1, 10)
ACTIVE_FROM = date(2026, 1, 15)


def active_household(world, family="Diop", mutual=None):
    home = household(world, family=family, on=ENROLLED, mutual=mutual)
    ids = list(Membership.unscoped.filter(person__household=home).values_list("pk", flat=True))
    with transaction.atomic():  # the jobs that call it run inside their chunk's transaction
        move_statuses(home.organization, ids, ["pending"], "active", ACTIVE_FROM, "test")
    return home


def convention(world, provider=None, party=None, start=date(2026, 1, 1)):
    provider = provider or world.provider_a
    providers.save_profile(None, provider, "health_centre", "public")
    data = providers.ConventionData(reference="CONV-1", start=start)
    return providers.create_convention(None, party or world.mutual_a, provider, data)


def covered_world(world):
    """Mutual A's package, an active household and the convention with provider A."""
    package, version = adopted_package(world)
    home = active_household(world)
    convention(world)
    return home, version


TARIFFS = {"CONS-MG": 2000, "CONS-INF": 1000, "HOSP-J": 5000, "ACC-NORM": 15000, "NFS": 3000}


def tariff_schedule(world, convention_row, prices=None, start=date(2026, 1, 1)):
    """An adopted tariff schedule for the convention: the acts of TARIFFS at their prices."""
    from mutuelle.benefits.models import Act

    schedule = providers.new_schedule(None, convention_row)
    acts = {a.code: a for a in Act.unscoped.filter(code__in=list(prices or TARIFFS))}
    for code, price in (prices or TARIFFS).items():
        providers.add_line(None, schedule, acts[code], Decimal(price))
    return providers.adopt_schedule(None, schedule, start)


def claims_world(world):
    """covered_world plus the convention's adopted tariffs."""
    package, version = adopted_package(world)
    home = active_household(world)
    row = convention(world)
    tariff_schedule(world, row)
    return home, version
