"""Shared set-up of the claims tests: mutual A's adopted package, an active household, and a
convention between mutual A and provider A (the clerk's provider)."""

from datetime import date

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
