"""Who reads which providers and conventions."""

import pytest

from mutuelle.core.roles import Role
from mutuelle.providers import actions, queries
from mutuelle.providers.actions import ConventionData
from tests.conftest import make_org, make_user

from .helpers import START, adopted_schedule, convention

pytestmark = pytest.mark.django_db


def names(qs):
    return {x.code if hasattr(x, "code") else x.reference for x in qs}


def test_provider_registry_visibility(world):
    shared = make_org("provider", "PNET", world.network, name="Hôpital national")
    owned = make_org("provider", "PMA", world.mutual_a, name="Case de santé mutualiste")
    third = make_org("provider", "PUC", world.union_b, country="CM", currency="XAF")
    assert names(queries.visible_providers(world.manager)) == {"PA", "PNET", "PMA"}
    assert names(queries.visible_providers(world.union_manager)) == {"PA", "PNET", "PMA"}
    assert names(queries.visible_providers(world.manager_b)) == {"PB", "PNET", "PUC"}
    assert names(queries.visible_providers(world.clerk)) == {"PA"}
    assert names(queries.visible_providers(world.claims)) == {"PA", "PNET", "PMA"}
    assert names(queries.visible_providers(world.cashier)) == set()  # no VIEW_PROVIDERS
    assert queries.visible_providers(world.admin).count() == 5
    # A convention names a provider of another registry: its party's staff now see it.
    actions.create_convention(None, world.mutual_b, world.provider_a, ConventionData("B-1", START))
    assert "PA" in names(queries.visible_providers(world.manager_b))
    assert "PUC" not in names(queries.visible_providers(world.manager))
    assert third.pk and shared.pk and owned.pk


def test_convention_visibility(world):
    shared = make_org("provider", "PNET", world.network, name="Hôpital national")
    mine = convention(world, reference="M-1")
    union = convention(world, party=world.union_a, reference="U-1")
    union_other = convention(world, party=world.union_a, provider=shared, reference="U-2")
    theirs = actions.create_convention(None, world.mutual_b, shared, ConventionData("B-1", START))
    schedule = adopted_schedule(world, mine)
    assert names(queries.visible_conventions(world.manager)) == {"M-1", "U-1", "U-2"}
    assert names(queries.visible_conventions(world.union_manager)) == {"M-1", "U-1", "U-2"}
    assert names(queries.visible_conventions(world.clerk)) == {"M-1", "U-1"}
    assert names(queries.visible_conventions(world.manager_b)) == {"B-1"}
    assert names(queries.visible_conventions(world.admin)) == {"M-1", "U-1", "U-2", "B-1"}
    assert list(queries.visible_schedules(world.clerk)) == [schedule]
    assert not queries.visible_schedules(world.manager_b).exists()
    assert not queries.visible_lines(world.manager_b).exists()
    assert queries.visible_lines(world.manager).count() == 1
    assert queries.visible_conventions(world.manager, "manage_conventions").count() == 3
    assert union.pk and union_other.pk and theirs.pk


def test_country_focal_point_reads_nothing_without_the_permission(world):
    convention(world)
    assert not queries.visible_conventions(world.focal_sn).exists()
    auditor_b = make_user("auditorb", Role.AUDITOR, org=world.mutual_b)
    assert not queries.visible_conventions(auditor_b).exists()


def test_profile_reader(world):
    assert queries.provider_profile(world.provider_a) is None
    actions.save_profile(None, world.provider_a, "pharmacy", "private")
    assert queries.provider_profile(world.provider_a).care_level == "pharmacy"
    assert queries.visible_profiles(world.clerk).count() == 1
    assert not queries.visible_profiles(world.manager_b).exists()
