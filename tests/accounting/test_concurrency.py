"""Real row locks (PostgreSQL): several cashiers posting at once keep each journal's numbers
gapless, and a period closes between postings, never during one."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from mutuelle.accounting import actions, queries
from mutuelle.accounting.models import Entry, Period
from mutuelle.accounting.rules import LineValue

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
CASHIERS = 4
EACH = 8


def run_together(target, count: int) -> list[BaseException]:
    """Run `target(i)` in `count` threads (each with its own database connection), started
    together; returns what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001  reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_postings_keep_entry_numbers_gapless(world):
    assert connection.vendor == "postgresql"
    mutual = world.mutual_a
    actions.install_chart(mutual)

    def cashier(i: int) -> None:
        for n in range(EACH):
            with transaction.atomic():  # the cashier's own operation around the posting
                actions.post_operation(
                    mutual, "contribution_paid_cash", date(2026, 5, 4), Decimal(100 + n), f"{i}"
                )

    assert run_together(cashier, CASHIERS) == []
    numbers = sorted(Entry.unscoped.filter(journal__code="CA").values_list("number", flat=True))
    assert numbers == list(range(1, CASHIERS * EACH + 1))
    assert queries.unbalanced_entries() == []


def test_a_period_closed_while_cashiers_post_takes_nothing_after_its_closing(world):
    assert connection.vendor == "postgresql"
    mutual = world.mutual_a
    actions.install_chart(mutual)
    actions.open_year(mutual, date(2026, 5, 1))
    may = Period.unscoped.get(organization=mutual, start=date(2026, 5, 1))
    refused = []

    def work(i: int) -> None:
        if i == 0:
            actions.close_period(world.accountant, may)
            return
        for n in range(EACH):
            try:
                actions.post_operation(
                    mutual, "contribution_paid_cash", date(2026, 5, 4), Decimal(1 + n), f"{i}"
                )
            except ValidationError as exc:
                refused.append(exc.code)

    assert run_together(work, CASHIERS) == []
    may.refresh_from_db()
    assert set(refused) <= {"entry.closed_period"}
    # Every entry of May committed before the period closed; none after.
    late = Entry.unscoped.filter(organization=mutual, date__month=5, at__gt=may.closed_at)
    assert not late.exists()
    numbers = sorted(Entry.unscoped.filter(journal__code="CA").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) + len(refused) == (CASHIERS - 1) * EACH
    with pytest.raises(ValidationError):
        actions.post(
            mutual,
            "CA",
            date(2026, 5, 31),
            "Tard",
            [LineValue("571", debit=Decimal(1)), LineValue("7562", credit=Decimal(1))],
        )
