"""Subsidies on the database: payers' shares billed as payer dues, matching of households'
payments, budgets, payers' payments, revenue recognition — and the ledger balanced throughout."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from mutuelle.accounting.models import Line
from mutuelle.accounting.queries import trial_balance
from mutuelle.contributions import actions
from mutuelle.contributions.actions import billing
from mutuelle.contributions.actions import subsidies as subsidy_actions
from mutuelle.contributions.models import (
    Due,
    Eligibility,
    PayerDue,
    PayerDueKind,
    PayerPayment,
    SubsidyMode,
)
from mutuelle.core import jobs
from mutuelle.members.models import AbilityCategory, Household, Membership

from .helpers import household, rule_in_force

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)
JAN = date(2026, 1, 1)
HOUSEHOLD_RULE = {
    "basis": "household",
    "periodicity_kind": "year",
    "currency": "XOF",
    "amount": "12000",
}


def bill(world, period="2026"):
    run = actions.start_billing(world.manager, world.mutual_a, period)
    jobs.run(run.job.pk)
    run.refresh_from_db()
    return run


def book(mutual, until=date(2026, 12, 31)):
    return {r.number: r.balance for r in trial_balance(mutual, until)}


def assert_ledger_balances(mutual):
    lines = Line.unscoped.filter(entry__organization=mutual)
    assert sum(x.debit for x in lines) == sum(x.credit for x in lines)


def indigent(world, mutual=None):
    mutual = mutual or world.mutual_a
    return AbilityCategory.unscoped.get_or_create(
        organization=mutual,
        code="indigent",
        defaults={"name_fr": "Indigent", "name_en": "Indigent", "is_indigent": True},
    )[0]


def state(world, organization=None):
    return actions.save_payer(world.manager, organization or world.mutual_a, "État", "state")


def programme(world, payer, organization=None, **values):
    defaults = {
        "payer": payer,
        "code": "IND",
        "name": "Indigents",
        "start": date(2026, 1, 1),
        "end": None,
        "budget": None,
        "is_permanent": True,
        "mode": SubsidyMode.ALL,
        "covers_fees": True,
        "eligibility": Eligibility.CATEGORY,
        "categories": ["indigent"],
    }
    actor = world.union_manager if organization == world.union_a else world.manager
    return actions.save_programme(actor, organization or world.mutual_a, {**defaults, **values})


def make_indigent(world, home):
    Household.unscoped.filter(pk=home.pk).update(ability=indigent(world))


@time_machine.travel(TODAY, tick=False)
def test_an_indigent_household_is_billed_to_the_state_and_owes_nothing(world):
    rule_in_force(world)
    poor, other = household(world), household(world, family="Fall")
    make_indigent(world, poor)
    payer = state(world)
    scheme = programme(world, payer)
    run = bill(world)
    mine = Due.unscoped.get(household=poor)
    theirs = Due.unscoped.get(household=other)
    assert mine.amount == 0 and mine.lines == [] and mine.paid_on == date(2026, 1, 1)
    owed = PayerDue.unscoped.get(household=poor)
    assert owed.programme == scheme and owed.payer == payer and owed.kind == PayerDueKind.BILLED
    assert owed.amount == theirs.amount  # the same family shape: the whole due, fees included
    assert run.total == theirs.amount  # the run counts what households owe
    # The household's pending members are active: nothing left to pay.
    assert set(
        Membership.unscoped.filter(person__household=poor).values_list("status", flat=True)
    ) == {"active"}
    balances = book(world.mutual_a)
    assert balances["411"] == theirs.amount
    assert balances["4581"] == owed.amount
    assert -(balances["718"] + balances["477"] + balances["7562"] + balances["7561"]) == (
        owed.amount + theirs.amount
    )
    assert -balances["718"] > 0
    assert_ledger_balances(world.mutual_a)
    # Billing again changes nothing.
    bill(world)
    assert PayerDue.unscoped.count() == 1
    assert book(world.mutual_a)["4581"] == owed.amount
    # Months to come are recognised as subsidy revenue when they begin, once.
    assert actions.recognise_subsidy_revenue(date(2027, 1, 1)) == 9
    assert actions.recognise_subsidy_revenue(date(2027, 1, 1)) == 0
    assert_ledger_balances(world.mutual_a)


@time_machine.travel(TODAY, tick=False)
def test_a_percentage_programme_pays_its_part_of_contributions_only(world):
    rule_in_force(world)
    home = household(world)
    make_indigent(world, home)
    programme(world, state(world), mode=SubsidyMode.PERCENT, rate=Decimal(50), covers_fees=False)
    bill(world)
    due = Due.unscoped.get(household=home)
    owed = PayerDue.unscoped.get(household=home)
    fees = sum(Decimal(x[4]) for x in due.lines if x[0].startswith("fee."))
    contributions = sum(Decimal(x[4]) for x in due.lines if not x[0].startswith("fee."))
    assert fees == 3000  # the household pays its entry fees
    assert owed.amount == contributions  # half each, to the franc
    assert due.amount == owed.amount + 3000
    assert_ledger_balances(world.mutual_a)


@time_machine.travel(TODAY, tick=False)
def test_a_list_programme_pays_for_enrolled_beneficiaries_only(world):
    rule_in_force(world)
    home = household(world)
    child = home.persons.get(relationship="child")
    payer = state(world)
    scheme = programme(
        world, payer, code="U5", name="Enfants", eligibility=Eligibility.LIST, categories=[]
    )
    _enrolment, created = actions.enrol(
        world.manager,
        scheme,
        home,
        person=child,
        start=date(2026, 1, 1),
        evidence_reference="Liste 2026/14",
        evidence_date=date(2026, 1, 5),
        evidence_by="District sanitaire",
    )
    assert created
    _again, created = actions.enrol(
        world.manager,
        scheme,
        home,
        person=child,
        start=date(2026, 1, 1),
        evidence_reference="Liste 2026/14",
        evidence_date=date(2026, 1, 5),
        evidence_by="District sanitaire",
    )
    assert not created
    bill(world)
    membership = Membership.unscoped.get(person=child)
    owed = PayerDue.unscoped.get(household=home)
    assert {x[1] for x in owed.lines} == {membership.pk}  # the child's lines only
    assert owed.amount == sum(Decimal(x[4]) for x in owed.lines) > 1000  # with its entry fee
    due = Due.unscoped.get(household=home)
    assert membership.pk not in {x[1] for x in due.lines}


@time_machine.travel(TODAY, tick=False)
def test_a_matching_programme_adds_what_the_household_pays(world):
    rule_in_force(world, HOUSEHOLD_RULE)
    home = household(world, on=JAN)
    make_indigent(world, home)
    payer = state(world)
    programme(world, payer, code="MATCH", mode=SubsidyMode.MATCH, ratio=Decimal(1))
    bill(world)
    due = Due.unscoped.get(household=home)
    assert due.amount == 12000 and not PayerDue.unscoped.exists()
    actions.record_payment(world.cashier, home, "1000", "cash")
    due.refresh_from_db()
    owed = PayerDue.unscoped.get(household=home)
    assert owed.kind == PayerDueKind.MATCHING and owed.amount == 1000
    assert due.amount == 11000 and due.paid == 1000
    assert sum(Decimal(x[4]) for x in due.lines) == due.amount
    balances = book(world.mutual_a)
    assert balances["411"] == 10000 and balances["4581"] == 1000
    assert_ledger_balances(world.mutual_a)
    # Paying the rest leaves nothing for the payer to match beyond what is owed.
    actions.record_payment(world.cashier, home, "6000", "cash")
    due.refresh_from_db()
    assert due.paid == due.amount
    assert sum(PayerDue.unscoped.values_list("amount", flat=True)) + due.amount == 12000
    assert book(world.mutual_a)["411"] == 0
    assert_ledger_balances(world.mutual_a)


@time_machine.travel(TODAY, tick=False)
def test_a_matching_programme_respects_its_cap(world):
    rule_in_force(world, HOUSEHOLD_RULE)
    home = household(world, on=JAN)
    make_indigent(world, home)
    programme(world, state(world), code="MATCH", mode=SubsidyMode.MATCH, cap=Decimal(1500))
    bill(world)
    actions.record_payment(world.cashier, home, "1000", "cash")
    actions.record_payment(world.cashier, home, "1000", "cash")
    assert sum(PayerDue.unscoped.values_list("amount", flat=True)) == 1500


@time_machine.travel(TODAY, tick=False)
def test_a_budget_runs_out_on_the_last_households_billed(world):
    rule_in_force(world, HOUSEHOLD_RULE)
    homes = [household(world, family=name, on=JAN) for name in ("Diop", "Fall", "Sow")]
    for home in homes:
        make_indigent(world, home)
    programme(world, state(world), budget=Decimal(18000))
    bill(world)
    owed = dict(PayerDue.unscoped.values_list("household_id", "amount"))
    dues = dict(Due.unscoped.values_list("household_id", "amount"))
    assert owed == {homes[0].pk: 12000, homes[1].pk: 6000}
    assert dues == {homes[0].pk: 0, homes[1].pk: 6000, homes[2].pk: 12000}
    assert_ledger_balances(world.mutual_a)


@time_machine.travel(TODAY, tick=False)
def test_a_union_programme_serves_its_mutuals_and_payer_payments_are_idempotent(world):
    rule_in_force(world, HOUSEHOLD_RULE)
    first, second = household(world, on=JAN), household(world, family="Fall", on=JAN)
    make_indigent(world, first)
    make_indigent(world, second)
    payer = actions.save_payer(world.union_manager, world.union_a, "Ministère", "state")
    programme(world, payer, organization=world.union_a)
    bill(world)
    assert PayerDue.unscoped.filter(organization=world.mutual_a).count() == 2
    paid = actions.record_payer_payment(
        world.manager, world.mutual_a, payer, "15000", "VIR-2026-001", date(2026, 3, 14)
    )
    again = actions.record_payer_payment(
        world.manager, world.mutual_a, payer, "15000", "VIR-2026-001", date(2026, 3, 14)
    )
    assert again.pk == paid.pk and PayerPayment.unscoped.count() == 1
    with pytest.raises(ValidationError) as exc:
        actions.record_payer_payment(world.manager, world.mutual_a, payer, "9000", "VIR-2026-001")
    assert exc.value.code == "payer_payment.reference_reused"
    dues = list(PayerDue.unscoped.order_by("pk"))
    assert [d.paid for d in dues] == [12000, 3000]  # oldest first
    assert dues[0].paid_on == date(2026, 3, 14)
    balances = book(world.mutual_a)
    assert balances["4581"] == 9000 and balances["521"] == 15000
    # Money sent before it is owed waits for the payer's next dues.
    actions.record_payer_payment(world.manager, world.mutual_a, payer, "10000", "VIR-2026-002")
    assert PayerPayment.unscoped.get(reference="VIR-2026-002").unallocated == 1000
    assert subsidy_actions.payer_balance(world.mutual_a, payer) == -1000
    assert_ledger_balances(world.mutual_a)


def test_only_managers_define_payers_and_programmes(world):
    with pytest.raises(PermissionDenied):
        actions.save_payer(world.cashier, world.mutual_a, "État", "state")
    with pytest.raises(PermissionDenied):
        actions.save_payer(world.manager, world.mutual_b, "État", "state")
    payer = state(world)
    with pytest.raises(ValidationError) as exc:
        programme(world, payer, mode=SubsidyMode.PERCENT, rate=Decimal(120))
    assert exc.value.code == "subsidy.bad_rate"
    with pytest.raises(ValidationError) as exc:
        programme(world, payer, categories=[])
    assert exc.value.code == "subsidy.categories_required"
    other = actions.save_payer(world.manager_b, world.mutual_b, "Autre", "ngo")
    with pytest.raises(ValidationError) as exc:
        programme(world, other)
    assert exc.value.code == "subsidy.payer_elsewhere"


def test_enrolment_needs_evidence_and_a_list_programme(world):
    home = household(world)
    payer = state(world)
    by_category = programme(world, payer)
    listed = programme(world, payer, code="L", eligibility=Eligibility.LIST, categories=[])
    kwargs = {"start": date(2026, 1, 1), "evidence_date": date(2026, 1, 2), "evidence_by": "Mairie"}
    with pytest.raises(ValidationError) as exc:
        actions.enrol(world.manager, by_category, home, evidence_reference="A1", **kwargs)
    assert exc.value.code == "subsidy.not_a_list_programme"
    with pytest.raises(ValidationError) as exc:
        actions.enrol(world.manager, listed, home, evidence_reference=" ", **kwargs)
    assert exc.value.code == "subsidy.evidence_required"
    with pytest.raises(PermissionDenied):
        actions.enrol(world.cashier, listed, home, evidence_reference="A1", **kwargs)


@time_machine.travel(TODAY, tick=False)
def test_over_the_year_contributions_and_subsidies_add_up_to_what_was_billed(world):
    rule_in_force(world, HOUSEHOLD_RULE)
    matched, listed = household(world, on=JAN), household(world, family="Fall", on=JAN)
    make_indigent(world, matched)
    payer = state(world)
    programme(world, payer, code="MATCH", mode=SubsidyMode.MATCH)
    scheme = programme(
        world, payer, code="L", eligibility=Eligibility.LIST, categories=[], priority=1
    )
    actions.enrol(
        world.manager,
        scheme,
        listed,
        start=JAN,
        evidence_reference="Arrêté 12",
        evidence_date=JAN,
        evidence_by="Mairie",
    )
    bill(world)
    actions.record_payment(world.cashier, matched, "3000", "cash")
    billing.recognise_revenue(date(2027, 1, 1))
    actions.recognise_subsidy_revenue(date(2027, 1, 1))
    balances = book(world.mutual_a, date(2027, 1, 31))
    assert balances["477"] == 0
    assert -balances["718"] == 12000 + 3000  # the listed household's due, the match
    assert -balances["7562"] == 24000 - 15000
    assert balances["411"] == 12000 - 6000 and balances["4581"] == 15000
    assert_ledger_balances(world.mutual_a)


def test_billing_without_a_programme_costs_one_query(world, django_assert_num_queries):
    from mutuelle.contributions.models import BillingRun

    rule_in_force(world, HOUSEHOLD_RULE)
    home = household(world, on=JAN)
    run = BillingRun.unscoped.select_related("organization").get(
        pk=actions.start_billing(world.manager, world.mutual_a, "2026").pk
    )
    dues = [Due(household=home, amount=Decimal(12000), lines=[])]
    with django_assert_num_queries(1):
        assert subsidy_actions.subsidise_chunk(run, dues) == []


@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_never_spend_more_than_the_budget(world):
    import threading

    from django.db import connection

    with time_machine.travel(TODAY, tick=False):
        rule_in_force(world, HOUSEHOLD_RULE)
        homes = [household(world, family=n, on=JAN) for n in ("Diop", "Fall")]
        for home in homes:
            make_indigent(world, home)
        programme(world, state(world), code="MATCH", mode=SubsidyMode.MATCH, budget=Decimal(1500))
        bill(world)
        barrier = threading.Barrier(2)
        errors = []

        def pay(actor, home):
            try:
                barrier.wait()
                actions.record_payment(actor, home, "1000", "cash")
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        second = type(world.cashier).objects.get(pk=world.cashier.pk)
        threads = [
            threading.Thread(target=pay, args=(second, homes[0])),
            threading.Thread(target=pay, args=(world.manager, homes[1])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert sorted(PayerDue.unscoped.values_list("amount", flat=True)) == [500, 1000]
        assert_ledger_balances(world.mutual_a)


@pytest.mark.parametrize("recognised_first", [False, True])
@time_machine.travel(TODAY, tick=False)
def test_reversing_a_payment_reverses_its_match(world, recognised_first):
    rule_in_force(world, HOUSEHOLD_RULE)
    home = household(world, on=JAN)
    make_indigent(world, home)
    payer = state(world)
    programme(world, payer, code="MATCH", mode=SubsidyMode.MATCH)
    bill(world)
    payment = actions.record_payment(world.cashier, home, "1000", "cash")
    actions.record_payer_payment(world.manager, world.mutual_a, payer, "600", "VIR-9")
    if recognised_first:  # some months of the match became subsidy revenue before
        billing.recognise_revenue(date(2026, 6, 1))
        assert actions.recognise_subsidy_revenue(date(2026, 6, 1)) == 3
    correction = actions.request_correction(world.cashier, payment, "Erreur de ménage")
    actions.decide_correction(world.manager, correction, approve=True)
    due = Due.unscoped.get(household=home)
    assert due.amount == 12000 and due.paid == 0 and due.paid_on is None
    assert sum(Decimal(x[4]) for x in due.lines) == 12000
    assert not PayerDue.unscoped.exists()
    assert PayerPayment.unscoped.get(reference="VIR-9").unallocated == 600
    balances = book(world.mutual_a)
    assert balances["411"] == 12000 and balances["4581"] == -600
    assert_ledger_balances(world.mutual_a)
    billing.recognise_revenue(date(2027, 1, 1))
    actions.recognise_subsidy_revenue(date(2027, 1, 1))
    balances = book(world.mutual_a, date(2027, 1, 31))
    assert balances["477"] == 0 and balances.get("718", 0) == 0 and -balances["7562"] == 12000
