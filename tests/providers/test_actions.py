"""Profiles, conventions, schedules and attachments through the actions (database)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mutuelle.benefits.models import Package
from mutuelle.core.models import AuditEvent
from mutuelle.members import actions as members
from mutuelle.members.actions import NewHousehold, NewPerson
from mutuelle.providers import actions, queries
from mutuelle.providers.actions import ConventionData
from mutuelle.providers.models import (
    Convention,
    FlatRate,
    ProviderProfile,
    ScheduleStatus,
    TariffLine,
    TariffSchedule,
)

from .helpers import START, act, adopted_package, adopted_schedule, convention, places

pytestmark = pytest.mark.django_db
D = Decimal


def code_of(exc) -> str:
    return exc.value.error_list[0].code


def test_profile_created_with_the_type_s_care_level_then_changed(world):
    profile = actions.save_profile(
        world.union_manager, world.provider_a, "health_centre", "public", contact_person="Dr Sow"
    )
    assert (profile.care_level, profile.contact_person) == ("centre", "Dr Sow")
    actions.save_profile(
        world.union_manager, world.provider_a, "district_hospital", "faith_based", "regional"
    )
    profile.refresh_from_db()
    assert (profile.type, profile.care_level, profile.ownership) == (
        "district_hospital",
        "regional",
        "faith_based",
    )
    assert profile.history.count() == 2
    assert AuditEvent.unscoped.filter(action__startswith="provider.profile").count() == 2


def test_profile_refusals(world):
    with pytest.raises(PermissionDenied):  # the registry is the union's
        actions.save_profile(world.manager, world.provider_a, "health_centre", "public")
    with pytest.raises(PermissionDenied):
        actions.save_profile(world.union_manager, world.provider_b, "health_centre", "public")
    with pytest.raises(ValidationError) as exc:
        actions.save_profile(world.union_manager, world.mutual_a, "health_centre", "public")
    assert code_of(exc) == "profile.not_a_provider"
    with pytest.raises(ValidationError) as exc:
        actions.save_profile(world.union_manager, world.provider_a, "shop", "public")
    assert code_of(exc) == "profile.unknown_type"
    assert not ProviderProfile.unscoped.exists()


def test_convention_with_flat_rates_and_packages(world):
    package, _ = adopted_package(world)
    conv = convention(
        world,
        payment_mode="flat_rate",
        flat_rates={"outpatient": D(2500), "delivery": D(20000)},
        packages=[package],
        diagnosis_required=True,
    )
    assert set(conv.flat_rates.values_list("episode_type", flat=True)) == {"outpatient", "delivery"}
    assert list(conv.packages.all()) == [package]
    terms = conv.terms()
    assert terms.flat_rates["delivery"] == D(20000) and terms.payment_mode == "flat_rate"
    data = ConventionData(
        reference="CONV-1B",
        start=START,
        end=date(2026, 12, 31),
        payment_mode="capitation",
        capitation_amount=D(300),
        flat_rates={"delivery": D(22000)},
    )
    actions.update_convention(world.manager, conv, data)
    conv.refresh_from_db()
    assert (conv.reference, conv.payment_mode, conv.capitation_amount) == (
        "CONV-1B",
        "capitation",
        D(300),
    )
    assert list(
        FlatRate.unscoped.filter(convention=conv).values_list("episode_type", "amount")
    ) == [("delivery", D(22000))]
    assert conv.packages.count() == 0
    assert conv.history.count() == 2


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"end": date(2025, 1, 1)}, "convention.end_before_start"),
        ({"payment_mode": "capitation"}, "convention.capitation_required"),
        ({"payment_mode": "flat_rate"}, "convention.flat_rates_required"),
        ({"reference": "  "}, "convention.reference_required"),
    ],
)
def test_convention_refusals(world, values, code):
    with pytest.raises(ValidationError) as exc:
        convention(world, **values)
    assert code_of(exc) == code
    assert not Convention.unscoped.exists()


def test_convention_parties_and_tenants(world):
    convention(world)
    with pytest.raises(ValidationError) as exc:
        convention(world)
    assert code_of(exc) == "convention.reference_taken"
    with pytest.raises(PermissionDenied):  # a mutual manager does not sign for the union
        actions.create_convention(
            world.manager, world.union_a, world.provider_a, ConventionData("U-1", START)
        )
    with pytest.raises(ValidationError) as exc:  # another tenant's provider
        convention(world, provider=world.provider_b, reference="X")
    assert code_of(exc) == "convention.provider_not_visible"
    with pytest.raises(ValidationError) as exc:
        convention(world, provider=world.mutual_a, reference="Y")
    assert code_of(exc) == "convention.not_a_provider"
    with pytest.raises(ValidationError) as exc:
        actions.create_convention(
            world.manager, world.section_a, world.provider_a, ConventionData("S-1", START)
        )
    assert code_of(exc) == "convention.party_kind"
    other_package = Package.unscoped.create(
        organization=world.mutual_b, code="B", name_fr="B", name_en="B"
    )
    with pytest.raises(ValidationError) as exc:
        convention(world, reference="Z", packages=[other_package])
    assert code_of(exc) == "convention.package_not_offered"
    union_conv = convention(world, party=world.union_a, reference="U-1")
    assert union_conv.party == world.union_a


def test_schedule_lines_adopt_copy_and_close(world):
    root, region, area, village, elsewhere = places()
    package, _ = adopted_package(world)
    conv = convention(world)
    m = world.manager
    draft = actions.new_schedule(m, conv)
    actions.add_line(m, draft, act("CONS-INF"), D(2000))
    actions.add_line(m, draft, act("CONS-INF"), D(1000), place=area)
    actions.add_line(m, draft, act("CONS-INF"), D(800), package=package, place=area)
    line = actions.add_line(m, draft, act("GE"), D(1200))
    with pytest.raises(ValidationError) as exc:
        actions.add_line(m, draft, act("CONS-INF"), D(1900), place=area)
    assert code_of(exc) == "tariff.duplicate"
    with pytest.raises(ValidationError) as exc:
        actions.add_line(m, draft, act("GE"), D(-5), package=package)
    assert code_of(exc) == "tariff.price_negative"
    actions.remove_line(m, line)
    with pytest.raises(ValidationError) as exc:
        actions.new_schedule(m, conv)
    assert code_of(exc) == "schedule.draft_exists"
    with pytest.raises(ValidationError) as exc:
        actions.adopt_schedule(m, draft, date(2025, 6, 1))
    assert code_of(exc) == "schedule.outside_convention"

    first = actions.adopt_schedule(m, draft, START)
    assert first.status == ScheduleStatus.ADOPTED and first.adopted_by == m
    with pytest.raises(ValidationError) as exc:
        actions.add_line(m, first, act("GE"), D(1))
    assert code_of(exc) == "schedule.in_force"

    table = queries.tariff_table(first)
    chain = (village.pk, area.pk, region.pk, root.pk)
    assert table.price("CONS-INF", package.code, chain) == D(800)
    assert table.price("CONS-INF", "OTHER", chain) == D(1000)
    assert table.price("CONS-INF", package.code, (elsewhere.pk, region.pk, root.pk)) == D(2000)
    assert table.price("GE") is None

    second = actions.copy_schedule(m, first)
    assert second.based_on == first and second.number == 2
    assert TariffLine.unscoped.filter(schedule=second).count() == 3
    with pytest.raises(ValidationError) as exc:
        actions.adopt_schedule(m, second, START)
    assert code_of(exc) == "schedule.starts_too_early"
    actions.adopt_schedule(m, second, date(2026, 7, 1))
    first.refresh_from_db()
    assert first.effective_to == date(2026, 6, 30)
    assert queries.schedule_in_force(conv, date(2026, 6, 30)) == first
    assert queries.schedule_in_force(conv, date(2026, 7, 1)) == second
    assert queries.schedule_in_force(conv, date(2025, 7, 1)) is None


def test_lines_checked_against_the_convention(world):
    package, _ = adopted_package(world)
    other, _ = adopted_package(world, code="PLUS")
    conv = convention(world, packages=[package])
    draft = actions.new_schedule(world.manager, conv)
    with pytest.raises(ValidationError) as exc:
        actions.add_line(world.manager, draft, act("GE"), D(5), package=other)
    assert code_of(exc) == "tariff.package_not_accepted"
    *_, cm_place = places("CM")
    with pytest.raises(ValidationError) as exc:
        actions.add_line(world.manager, draft, act("GE"), D(5), place=cm_place)
    assert code_of(exc) == "tariff.place_country"
    with pytest.raises(ValidationError) as exc:
        actions.adopt_schedule(world.manager, draft, START)
    assert code_of(exc) == "schedule.empty"
    with pytest.raises(PermissionDenied):
        actions.add_line(world.manager_b, draft, act("GE"), D(5))
    with pytest.raises(PermissionDenied):  # the mutual manager does not edit the union's
        union_conv = convention(world, party=world.union_a, reference="U-1")
        actions.new_schedule(world.manager, union_conv)


def test_put_lines_is_idempotent(world):
    conv = convention(world)
    draft = actions.new_schedule(world.manager, conv)
    lines = [(act("GE").pk, None, None, D(1200)), (act("NFS").pk, None, None, D(3000))]
    assert actions.put_lines(world.manager, draft, lines) == (2, 0)
    assert actions.put_lines(world.manager, draft, lines) == (0, 0)
    assert actions.put_lines(world.manager, draft, [(act("GE").pk, None, None, D(1300))]) == (0, 1)
    assert TariffSchedule.unscoped.get().lines.count() == 2


def enrol(world, given="Mamadou", family="Diop", year=1978):
    household = members.enrol_household(
        None,
        world.mutual_a,
        NewHousehold(persons=[NewPerson(given, family, "M", "head", birth_year=year)]),
        START,
    )
    return household.head


def test_attachments_and_monthly_counts(world):
    conv = convention(world, payment_mode="capitation", capitation_amount=D(250))
    person = enrol(world)
    second = enrol(world, "Ibrahima", "Fall", 1960)
    with pytest.raises(ValidationError) as exc:
        actions.attach(world.manager, world.provider_a, person, date(2025, 1, 1))
    assert code_of(exc) == "attachment.no_convention"
    a = actions.attach(world.manager, world.provider_a, person, date(2026, 2, 10))
    with pytest.raises(ValidationError) as exc:
        actions.attach(world.manager, world.provider_a, person, date(2026, 3, 1))
    assert code_of(exc) == "attachment.overlap"
    actions.detach(world.manager, a, date(2026, 4, 5))
    actions.attach(world.manager, world.provider_a, person, date(2026, 6, 1), date(2026, 6, 30))
    actions.attach(world.manager, world.provider_a, second, date(2026, 3, 15))
    counts = queries.attached_per_month(world.provider_a.pk, 2026)
    assert [counts[m] for m in range(1, 13)] == [0, 1, 2, 2, 1, 2, 1, 1, 1, 1, 1, 1]
    assert queries.attached_count(world.provider_a.pk, date(2026, 4, 1), date(2026, 4, 30)) == 2
    assert (
        queries.attached_count(
            world.provider_a.pk, date(2026, 4, 1), date(2026, 4, 30), {world.mutual_b.pk}
        )
        == 0
    )
    with pytest.raises(PermissionDenied):
        actions.detach(world.manager_b, a, date(2026, 4, 6))
    assert conv.capitation_amount == D(250)


def test_union_convention_serves_its_mutuals(world):
    union_conv = convention(world, party=world.union_a, reference="U-1", end=date(2026, 12, 31))
    own = convention(world, reference="M-1", start=date(2026, 3, 1))
    on = date(2026, 4, 1)
    assert queries.conventions_in_force(world.provider_a.pk, world.mutual_a, on) == [
        own,
        union_conv,
    ]
    assert queries.conventions_in_force(world.provider_a.pk, world.mutual_a, date(2026, 2, 1)) == [
        union_conv
    ]
    assert queries.conventions_in_force(world.provider_a.pk, world.mutual_b, on) == []
    assert queries.mutuals_served(world.provider_a.pk, on) == {world.mutual_a.pk}
    assert queries.mutuals_served(world.provider_a.pk, date(2027, 1, 1)) == {world.mutual_a.pk}
    assert queries.mutuals_served(world.provider_a.pk, date(2025, 1, 1)) == set()
    assert queries.mutuals_served(world.provider_b.pk, on) == set()


def test_tariff_table_is_cached_for_adopted_schedules(world, django_assert_num_queries):
    conv = convention(world)
    schedule = adopted_schedule(world, conv, {"CONS-INF": 1500, "GE": 1200})
    queries.clear_table_cache()
    with django_assert_num_queries(1):
        table = queries.tariff_table(schedule)
    with django_assert_num_queries(0):
        assert queries.tariff_table(schedule) is table
    assert table.price("GE") == D(1200)


def test_one_line_per_act_package_and_place_in_the_database(world):
    from django.db import IntegrityError, transaction

    conv = convention(world)
    draft = actions.new_schedule(world.manager, conv)
    TariffLine.unscoped.create(schedule=draft, act=act("GE"), price=D(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        TariffLine.unscoped.create(schedule=draft, act=act("GE"), price=D(2))


def test_claims_reads_cost_few_queries(world, django_assert_num_queries):
    conv = convention(world, party=world.union_a, reference="U-1")
    convention(world, reference="M-1")
    schedule = adopted_schedule(world, conv)
    on = START
    with django_assert_num_queries(1):
        assert len(queries.conventions_in_force(world.provider_a.pk, world.mutual_a, on)) == 2
    with django_assert_num_queries(2):
        assert queries.mutuals_served(world.provider_a.pk, on) == {world.mutual_a.pk}
    with django_assert_num_queries(1):
        assert queries.schedule_in_force(conv, on) == schedule
