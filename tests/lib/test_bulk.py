"""lib.bulk.update_rows writes each row's own values, of every kind of column, on SQLite and
PostgreSQL alike, and touches no other row."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from mutuelle.claims import actions
from mutuelle.claims.models import ClaimLine
from mutuelle.lib.bulk import update_rows
from mutuelle.members.models import Membership

from ..claims.helpers import claims_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(world):
    home, _version = claims_world(world)
    number = Membership.unscoped.get(person=home.head).number
    with time_machine.travel(date(2026, 5, 6), tick=False):
        claim = actions.submit_claim(
            world.clerk,
            actions.NewClaim(
                provider=world.provider_a,
                number=number,
                care_from=date(2026, 5, 4),
                lines=[actions.NewLine("CONS-MG", 1, "2000") for _ in range(5)],
            ),
        )
    return list(ClaimLine.unscoped.filter(claim=claim).order_by("pk"))


def test_each_row_gets_its_own_values_of_every_type(lines):
    changed = lines[:4]  # the fifth stays as it was
    for i, line in enumerate(changed):
        line.covered = Decimal("1234.56") + i
        line.reasons = [["claim.per_act_ceiling", {"amount": str(i)}]] if i % 2 else []
        line.package_id_used = None if i == 0 else 100 + i
        line.target = f"cible {i} « é »"
        line.on = date(2026, 5, i + 1) if i else None
        line.covered_quantity = i
    written = update_rows(
        changed,
        ["covered", "reasons", "package_id_used", "target", "on", "covered_quantity"],
        batch_size=3,  # two statements
    )
    assert written == 4
    stored = list(ClaimLine.unscoped.filter(claim=lines[0].claim_id).order_by("pk"))
    for i, line in enumerate(stored[:4]):
        assert line.covered == Decimal("1234.56") + i
        assert line.reasons == ([["claim.per_act_ceiling", {"amount": str(i)}]] if i % 2 else [])
        assert line.package_id_used == (None if i == 0 else 100 + i)
        assert line.target == f"cible {i} « é »"
        assert line.on == (date(2026, 5, i + 1) if i else None)
        assert line.covered_quantity == i
    untouched = stored[4]
    assert (untouched.covered, untouched.reasons, untouched.target) == (Decimal(0), [], "")


def test_nothing_to_write_writes_nothing(lines):
    assert update_rows([], ["covered"]) == 0


def test_many_rows_take_the_copy_path_on_postgresql_with_the_same_result(lines, monkeypatch):
    from mutuelle.lib import bulk

    monkeypatch.setattr(bulk, "COPY_FROM", 2)  # five lines: above it
    for i, line in enumerate(lines):
        line.covered = Decimal(i)
        line.reasons = [["claim.waiting", {"days": i}]]
        line.on = None
    assert update_rows(lines, ["covered", "reasons", "on"]) == 5
    stored = ClaimLine.unscoped.filter(claim=lines[0].claim_id).order_by("pk")
    assert [(x.covered, x.reasons, x.on) for x in stored] == [
        (Decimal(i), [["claim.waiting", {"days": i}]], None) for i in range(5)
    ]
