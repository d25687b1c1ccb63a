"""Writes to the catalogue and the packages: versions in force never change, new versions copy,
adoption closes the previous version, a mutual extends but never redefines its union's codes."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mutuelle.benefits import actions, queries
from mutuelle.benefits.catalogue import STARTER_ACTS
from mutuelle.benefits.models import Act, CoverageLine, PackageVersion
from mutuelle.core.models import AuditEvent

from .helpers import START, adopted_package, union_catalogue

pytestmark = pytest.mark.django_db


def codes_of(exc) -> list[str]:
    return [e.code for e in exc.value.error_list]


def test_the_starter_catalogue_installs_once(world):
    assert union_catalogue(world) == len(STARTER_ACTS) >= 40
    assert union_catalogue(world) == 0
    # The mutual already reads the union's acts: installing for it adds nothing.
    assert actions.install_starter_catalogue(world.manager, world.mutual_a) == 0
    assert queries.catalogue_for(world.mutual_a).count() == len(STARTER_ACTS)
    delivery = Act.unscoped.get(code="ACC-NORM")
    assert delivery.sex == "F" and delivery.category == "delivery"
    assert AuditEvent.unscoped.filter(action="act.starter_installed").count() == 3


def test_a_mutual_extends_its_unions_catalogue_but_never_redefines_a_code(world):
    union_catalogue(world)
    with pytest.raises(ValidationError) as refused:
        actions.add_act(
            world.manager,
            world.mutual_a,
            "cons-mg",
            name_fr="x",
            name_en="x",
            category="consultation",
        )
    assert codes_of(refused) == ["act.code_taken"]
    own = actions.add_act(
        world.manager,
        world.mutual_a,
        "kine",
        name_fr="Kinésithérapie (séance)",
        name_en="Physiotherapy (session)",
        category="other",
        unit="act",
    )
    assert own.code == "KINE" and own.organization == world.mutual_a
    # The union cannot take a code one of its mutuals already uses either.
    with pytest.raises(ValidationError):
        actions.add_act(
            world.union_manager,
            world.union_a,
            "KINE",
            name_fr="x",
            name_en="x",
            category="other",
        )
    # A mutual manager does not write the union's catalogue.
    with pytest.raises(PermissionDenied):
        actions.add_act(
            world.manager, world.union_a, "NEW", name_fr="x", name_en="x", category="other"
        )
    # The other tenant's union may use the same code: it does not see ours.
    other = actions.add_act(
        world.admin, world.union_b, "KINE", name_fr="x", name_en="x", category="other"
    )
    assert other.pk


def test_a_version_in_force_is_never_edited(world):
    package, version = adopted_package(world)
    line = version.lines.first()
    with pytest.raises(ValidationError) as refused:
        actions.add_line(
            world.manager, version, actions.LineSpec(category="dental", rate=Decimal(50))
        )
    assert codes_of(refused) == ["version.in_force"]
    with pytest.raises(ValidationError):
        actions.remove_line(world.manager, line)
    with pytest.raises(ValidationError):
        actions.update_terms(world.manager, version, actions.VersionTerms(waiting_days=0))
    with pytest.raises(ValidationError):
        actions.adopt(world.manager, version, date(2027, 1, 1))
    version.refresh_from_db()
    assert version.waiting_days == 90 and version.lines.count() == 3


def test_a_new_version_copies_the_lines_and_adoption_closes_the_previous_one(world):
    package, v1 = adopted_package(world)
    v2 = actions.new_version_from(world.manager, v1)
    assert (v2.number, v2.status, v2.based_on_id) == (2, "draft", v1.pk)
    assert v2.waiting_days == 90 and v2.ceiling_person == Decimal(200000)
    copied = sorted(v2.lines.values_list("category", "rate", "amount", "waiting_days"))
    original = sorted(v1.lines.values_list("category", "rate", "amount", "waiting_days"))
    assert copied == original
    # Only one draft at a time.
    with pytest.raises(ValidationError) as refused:
        actions.new_version_from(world.manager, v1)
    assert codes_of(refused) == ["version.draft_exists"]
    actions.add_line(world.manager, v2, actions.LineSpec(category="dental", rate=Decimal(50)))
    # A new version cannot start before the one in force.
    with pytest.raises(ValidationError):
        actions.adopt(world.manager, v2, START)
    actions.adopt(world.manager, v2, date(2027, 1, 1))
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.effective_to == date(2026, 12, 31) and v2.effective_from == date(2027, 1, 1)
    assert v2.status == "adopted" and v2.adopted_by == world.manager
    # The previous version kept its lines; the dates answer "which version on that day".
    assert v1.lines.count() == 3 and v2.lines.count() == 4
    assert queries.version_in_force(package, date(2026, 12, 31)) == v1
    assert queries.version_in_force(package, date(2027, 1, 1)) == v2
    assert queries.versions_in_force(world.mutual_a, date(2025, 6, 1)) == []
    assert [v.number for v in queries.package_versions(package)] == [1, 2]
    # History rows: adoption and closing are recorded.
    assert v1.history.filter(effective_to=date(2026, 12, 31)).exists()
    assert AuditEvent.unscoped.filter(action="version.adopted").count() == 2


def test_lines_are_checked_before_they_are_stored(world):
    package, v1 = adopted_package(world)
    v2 = actions.new_version_from(world.manager, v1)
    before = CoverageLine.unscoped.count()
    act = Act.unscoped.get(code="CONS-MG")
    for spec, code in [
        (actions.LineSpec(category="consultation", act=act, rate=Decimal(80)), "line.one_target"),
        (actions.LineSpec(category="consultation"), "line.rate_or_amount"),
        (actions.LineSpec(kind="cash", cash_benefit="funeral"), "line.cash_amount_required"),
    ]:
        with pytest.raises(ValidationError) as refused:
            actions.add_line(world.manager, v2, spec)
        assert codes_of(refused) == [code]
    other = actions.add_act(
        world.admin, world.union_b, "ZZ", name_fr="x", name_en="x", category="other"
    )
    with pytest.raises(ValidationError):
        actions.add_line(world.manager, v2, actions.LineSpec(act=other, rate=Decimal(50)))
    assert CoverageLine.unscoped.count() == before
    line = actions.add_line(
        world.manager,
        v2,
        actions.LineSpec(
            act=act,
            rate=Decimal(90),
            care_levels=frozenset({"pharmacy", "centre"}),
            applies_to="children",
            children_under=5,
        ),
    )
    assert line.care_levels == "centre,pharmacy"
    funeral = actions.add_line(
        world.manager,
        v2,
        actions.LineSpec(kind="cash", cash_benefit="funeral", amount=Decimal(50000)),
    )
    assert funeral.as_rule().kind == "cash"


def test_versions_in_force_include_the_unions_packages(world):
    union_catalogue(world)
    union_pkg = actions.create_package(
        world.union_manager,
        world.union_a,
        "UNION",
        "Paquet union",
        "Union package",
        "compulsory",
    )
    v = union_pkg.versions.get()
    actions.add_line(
        world.union_manager, v, actions.LineSpec(category="consultation", rate=Decimal(70))
    )
    actions.adopt(world.union_manager, v, START)
    package, mine = adopted_package(world)
    extra = actions.create_package(
        world.manager,
        world.mutual_a,
        "PLUS",
        "Complémentaire",
        "Complementary",
        "complementary",
    )
    in_force = queries.versions_in_force(world.mutual_a, date(2026, 3, 1))
    assert {x.package.code for x in in_force} == {"UNION", "BASE"}  # a draft is not in force
    assert in_force[0].package.kind == "compulsory"
    assert queries.versions_in_force(world.mutual_b, date(2026, 3, 1)) == []
    assert PackageVersion.unscoped.get(package=extra).status == "draft"
    # A mutual manager reads the union's package but does not change it.
    with pytest.raises(PermissionDenied):
        actions.new_version_from(world.manager, v)
