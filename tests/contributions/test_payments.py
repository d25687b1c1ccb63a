"""Payments on the database: allocation, credit, gapless receipts, idempotency, bad input,
postings, corrections approved by a second person, till closing."""

import threading
import uuid
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from mutuelle.accounting.models import Entry, Line
from mutuelle.accounting.queries import trial_balance
from mutuelle.contributions import actions
from mutuelle.contributions.models import Due, Payment, Receipt, TillClosing
from mutuelle.core import jobs
from mutuelle.members import actions as members

from .helpers import household, rule_in_force

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)


def billed(world, *families):
    rule_in_force(world)
    homes = [household(world, family=f) for f in families or ("Diop",)]
    run = actions.start_billing(world.manager, world.mutual_a, "2026")
    jobs.run(run.job.pk)
    return homes


def balance(number, mutual):
    return {r.number: r.balance for r in trial_balance(mutual, date(2026, 12, 31))}.get(
        number, Decimal(0)
    )


def ledger_balanced():
    for entry in Entry.unscoped.all():
        lines = Line.unscoped.filter(entry=entry)
        assert sum(x.debit for x in lines) == sum(x.credit for x in lines)


@time_machine.travel(TODAY, tick=False)
def test_a_payment_pays_the_oldest_due_first_and_keeps_the_rest_as_credit(world):
    (home,) = billed(world)
    due = Due.unscoped.get(household=home)
    receivable = balance("411", world.mutual_a)
    payment = actions.record_payment(world.cashier, home, "5000", "cash")
    due.refresh_from_db()
    assert due.paid == 5000 and due.paid_on is None
    assert payment.unallocated == 0 and payment.receipt.number == 1
    rest = due.amount - 5000
    second = actions.record_payment(world.cashier, home, str(rest + 2000), "cash")
    due.refresh_from_db()
    assert due.paid == due.amount and due.paid_on == TODAY
    assert second.unallocated == 2000 and second.receipt.number == 2
    # Cash in, receivable out, the overpayment waits in 4191.
    assert balance("571", world.mutual_a) == due.amount + 2000
    assert balance("411", world.mutual_a) == receivable - due.amount
    assert balance("4191", world.mutual_a) == -2000
    ledger_balanced()
    assert Entry.unscoped.filter(source_type="contributions.payment").count() == 2


@time_machine.travel(TODAY, tick=False)
def test_a_repeated_submission_or_reference_never_records_twice(world):
    (home,) = billed(world)
    key = uuid.uuid4()
    first = actions.record_payment(world.cashier, home, "1000", "cash", idempotency_key=key)
    again = actions.record_payment(world.cashier, home, "1000", "cash", idempotency_key=key)
    assert again.pk == first.pk
    actions.record_payment(world.cashier, home, "1000", "mobile_money", reference="MP2611.A1")
    with pytest.raises(ValidationError) as exc:
        actions.record_payment(world.cashier, home, "1000", "mobile_money", reference="MP2611.A1")
    assert exc.value.code == "payment.duplicate_reference"
    assert Payment.unscoped.count() == 2 and Receipt.unscoped.count() == 2


@pytest.mark.parametrize(
    "amount, code",
    [
        ("-500", "amount.negative"),
        ("abc", "amount.not_a_number"),
        ("0", "amount.zero"),
        ("1500.50", "amount.too_many_decimals"),  # XOF has no minor unit
    ],
)
@time_machine.travel(TODAY, tick=False)
def test_bad_amounts_are_refused_and_nothing_is_written(world, amount, code):
    (home,) = billed(world)
    entries = Entry.unscoped.count()
    with pytest.raises(ValidationError) as exc:
        actions.record_payment(world.cashier, home, amount, "cash")
    assert exc.value.code == code
    assert not Payment.unscoped.exists() and Entry.unscoped.count() == entries


@time_machine.travel(TODAY, tick=False)
def test_no_payment_for_a_household_that_left_and_owes_nothing(world):
    rule_in_force(world)
    home = household(world)
    for person in home.persons.all():
        for membership in person.memberships.all():
            members.change_status(world.enrolment, membership, "withdrawn", TODAY)
    with pytest.raises(ValidationError) as exc:
        actions.record_payment(world.cashier, home, "1000", "cash")
    assert exc.value.code == "payment.household_left"


@time_machine.travel(TODAY, tick=False)
def test_only_the_mutuals_cashiers_take_money(world):
    (home,) = billed(world)
    for outsider in (world.manager_b, world.enrolment, world.auditor):
        with pytest.raises(PermissionDenied):
            actions.record_payment(outsider, home, "1000", "cash")


@time_machine.travel(TODAY, tick=False)
def test_a_booklet_numbers_receipts_without_gaps_and_refuses_when_used_up(world):
    (home,) = billed(world)
    actions.open_booklet(world.cashier, world.mutual_a, "B-0042", 4101, 4102)
    numbers = [
        actions.record_payment(world.cashier, home, "100", "cash").receipt.number for _ in "ab"
    ]
    assert numbers == [4101, 4102]
    with pytest.raises(ValidationError) as exc:
        actions.record_payment(world.cashier, home, "100", "cash")
    assert exc.value.code == "receipt.booklet_full"
    assert Payment.unscoped.count() == 2  # the refused payment left nothing behind


@time_machine.travel(TODAY, tick=False)
def test_a_correction_is_approved_by_a_second_person_and_restores_every_balance(world):
    (home,) = billed(world)
    due = Due.unscoped.get(household=home)
    before = {r.number: r.balance for r in trial_balance(world.mutual_a)}
    payment = actions.record_payment(world.cashier, home, str(due.amount + 500), "cash")
    correction = actions.request_correction(world.cashier, payment, "Wrong household")
    with pytest.raises(PermissionDenied):
        actions.decide_correction(world.cashier, correction, True)  # a cashier cannot approve
    actions.decide_correction(world.accountant, correction, True)
    payment.refresh_from_db()
    due.refresh_from_db()
    assert payment.status == "reversed" and due.paid == 0 and due.paid_on is None
    after = {r.number: r.balance for r in trial_balance(world.mutual_a)}
    assert {k: v for k, v in after.items() if v} == {k: v for k, v in before.items() if v}
    with pytest.raises(ValidationError):
        actions.decide_correction(world.manager, correction, True)
    ledger_balanced()


@time_machine.travel(TODAY, tick=False)
def test_the_author_of_a_correction_cannot_approve_it(world):
    (home,) = billed(world)
    payment = actions.record_payment(world.manager, home, "1000", "cash")
    correction = actions.request_correction(world.manager, payment, "Typo")
    with pytest.raises(ValidationError) as exc:
        actions.decide_correction(world.manager, correction, True)
    assert exc.value.code == "correction.same_person"


@time_machine.travel(TODAY, tick=False)
def test_closing_the_till_books_the_shortage(world):
    first, second = billed(world, "Diop", "Fall")
    actions.record_payment(world.cashier, first, "3000", "cash")
    actions.record_payment(world.cashier, second, "2000", "cash")
    actions.record_payment(world.cashier, second, "500", "mobile_money", reference="X1")
    closing = actions.close_till(world.cashier, world.mutual_a, "4900")
    assert closing.expected == 5000 and closing.difference == -100
    assert balance("659", world.mutual_a) == 100
    assert balance("571", world.mutual_a) == 4900
    with pytest.raises(ValidationError) as exc:
        actions.close_till(world.cashier, world.mutual_a, "0")
    assert exc.value.code == "till.already_closed"
    assert TillClosing.unscoped.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_cashiers_recording_for_one_household_at_once_keep_series_and_balance(world):
    with time_machine.travel(TODAY, tick=False):
        (home,) = billed(world)
        second_cashier = type(world.cashier).objects.get(pk=world.cashier.pk)
        other = world.manager  # a manager also takes money
        due = Due.unscoped.get(household=home)
        errors = []
        barrier = threading.Barrier(2)

        def pay(actor, n):
            try:
                barrier.wait()
                for _ in range(n):
                    actions.record_payment(actor, home, "1000", "cash")
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=pay, args=(second_cashier, 5)),
            threading.Thread(target=pay, args=(other, 5)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        due.refresh_from_db()
        assert due.paid == min(due.amount, Decimal(10000))
        paid = Payment.unscoped.filter(household=home)
        assert sum(p.amount - p.unallocated for p in paid) == due.paid
        for series_holder in (world.cashier, world.manager):
            numbers = sorted(
                Receipt.unscoped.filter(series__holder=series_holder).values_list(
                    "number", flat=True
                )
            )
            assert numbers == [1, 2, 3, 4, 5]
        ledger_balanced()
