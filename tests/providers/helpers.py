"""Conventions, schedules and places for the providers tests."""

from datetime import date
from decimal import Decimal

from mutuelle.benefits.models import Act
from mutuelle.core.actions import create_place
from mutuelle.providers import actions
from mutuelle.providers.actions import ConventionData
from tests.benefits.helpers import adopted_package, union_catalogue

START = date(2026, 1, 1)
D = Decimal


def places(country="SN"):
    """country > region > district (the catchment area) > village; another district."""
    root = create_place(country=country, code=f"{country}", name=f"Pays {country}")
    region = create_place(country=country, code=f"{country}-TH", name="Thiès", parent=root)
    area = create_place(
        country=country, code=f"{country}-THIÈS-1", name="Aire de santé de Thiès", parent=region
    )
    village = create_place(country=country, code=f"{country}-TH-1-V", name="Village", parent=area)
    elsewhere = create_place(
        country=country, code=f"{country}-TH-2", name="Ailleurs", parent=region
    )
    return root, region, area, village, elsewhere


def act(code):
    return Act.unscoped.get(code=code)


def convention(world, party=None, provider=None, reference="CONV-1", **values):
    if not Act.unscoped.filter(organization=world.union_a).exists():
        union_catalogue(world)
    party = party or world.mutual_a
    actor = world.union_manager if party == world.union_a else world.manager
    return actions.create_convention(
        actor,
        party,
        provider or world.provider_a,
        ConventionData(reference=reference, start=values.pop("start", START), **values),
    )


def adopted_schedule(world, conv, prices=None, on=START):
    """A schedule with one price per act code, adopted from `on`."""
    actor = world.union_manager if conv.party == world.union_a else world.manager
    schedule = actions.new_schedule(actor, conv)
    for code, price in (prices or {"CONS-INF": D(1500)}).items():
        actions.add_line(actor, schedule, act(code), D(price))
    return actions.adopt_schedule(actor, schedule, on)


__all__ = ["START", "adopted_package", "places", "convention", "adopted_schedule", "act"]
