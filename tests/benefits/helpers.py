"""A union catalogue and a mutual's package with an adopted version, for the benefits tests."""

from datetime import date
from decimal import Decimal

from mutuelle.benefits import actions
from mutuelle.benefits.models import Act, Package, PackageVersion

START = date(2026, 1, 1)


def union_catalogue(world) -> int:
    return actions.install_starter_catalogue(world.union_manager, world.union_a)


def adopted_package(world, code="BASE", cash=False) -> tuple[Package, PackageVersion]:
    """A compulsory package of mutual A: consultations 80 %, delivery 15,000 after 270 days,
    hospital days 70 % (10 a year); version 1 adopted from 1 January 2026. `cash`: with cash
    benefits too (a funeral grant of 50,000, 20,000 per birth, 1,000 a day of incapacity for
    the head, 10 days at most)."""
    if not Act.unscoped.filter(organization=world.union_a).exists():
        union_catalogue(world)
    package = actions.create_package(
        world.manager,
        world.mutual_a,
        code,
        "Paquet de base",
        "Basic package",
        "compulsory",
        actions.VersionTerms(waiting_days=90, ceiling_person=Decimal(200000)),
    )
    version = package.versions.get()
    add = actions.add_line
    add(world.manager, version, actions.LineSpec(category="consultation", rate=Decimal(80)))
    add(
        world.manager,
        version,
        actions.LineSpec(category="delivery", amount=Decimal(15000), waiting_days=270),
    )
    add(
        world.manager,
        version,
        actions.LineSpec(
            category="hospitalization", rate=Decimal(70), quantity_limit=10, period_days=365
        ),
    )
    if cash:
        for spec in (
            actions.LineSpec(kind="cash", cash_benefit="funeral", amount=Decimal(50000)),
            actions.LineSpec(kind="cash", cash_benefit="maternity", amount=Decimal(20000)),
            actions.LineSpec(
                kind="cash",
                cash_benefit="daily_allowance",
                amount=Decimal(1000),
                max_days=10,
                applies_to="head",
            ),
        ):
            add(world.manager, version, spec)
    actions.adopt(world.manager, version, START)
    version.refresh_from_db()
    return package, version
