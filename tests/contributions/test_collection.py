"""A collector's round: sheet (PDF), remittance (payments in the collector's booklet, the
shortage and the commission booked, once), and the cashier's till that follows."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from mutuelle.accounting.queries import trial_balance
from mutuelle.contributions import actions
from mutuelle.contributions.actions import collection
from mutuelle.contributions.models import CollectorSheet, Payment
from mutuelle.core import jobs
from mutuelle.core.models import Place

from .helpers import household, rule_in_force
from .test_screens import pdf_text

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)


def balance(mutual, number):
    return {r.number: r.balance for r in trial_balance(mutual)}.get(number, 0)


@time_machine.travel(TODAY, tick=False)
def test_a_round_is_printed_remitted_once_and_balances_the_till(client, world):
    village = Place.unscoped.create(country="SN", code="SN-NG-1", name="Ngaye", path="/ng/")
    rule_in_force(world)
    homes = [household(world, family=f) for f in ("Diop", "Fall", "Sow")]
    for h in homes:
        type(h).unscoped.filter(pk=h.pk).update(place=village)
    jobs.run(actions.start_billing(world.manager, world.mutual_a, "2026").job.pk)
    client.force_login(world.cashier)
    created = client.post(
        reverse("collection_list"),
        {
            "mutual": world.mutual_a.uuid,
            "collector": world.cashier.pk,
            "place": village.pk,
            "rate": "5",
        },
    )
    sheet = CollectorSheet.unscoped.get()
    assert created["Location"] == reverse("collection_sheet", args=[sheet.uuid])
    text = pdf_text(client.get(reverse("collection_sheet_pdf", args=[sheet.uuid])).content)
    assert all(h.number in text for h in homes)
    actions.open_booklet(world.cashier, world.mutual_a, "COL-7", 701, 750)
    data = {
        f"h{homes[0].pk}": "2000",
        f"h{homes[1].pk}": "3000",
        f"h{homes[2].pk}": "",
        "counted": "4900",
    }
    client.post(reverse("collection_sheet", args=[sheet.uuid]), data)
    sheet.refresh_from_db()
    assert sheet.expected == 5000 and sheet.counted == 4900 and sheet.commission == 250
    payments = Payment.unscoped.filter(sheet=sheet).order_by("receipt__number")
    assert [p.receipt.number for p in payments] == [701, 702]  # the collector's booklet
    assert {p.method for p in payments} == {"collector"}
    # Submitted again (a double click): nothing more.
    client.post(reverse("collection_sheet", args=[sheet.uuid]), data)
    assert Payment.unscoped.count() == 2
    assert balance(world.mutual_a, "659") == 100  # shortage
    assert balance(world.mutual_a, "632") == 250  # commission
    # Cash in the till: what was handed over, less the commission paid out.
    assert balance(world.mutual_a, "571") == 4900 - 250
    closing = actions.close_till(world.cashier, world.mutual_a, "4650")
    assert closing.expected == 4650 and closing.difference == 0
    assert collection.till_adjustment([p.pk for p in payments]) == 350
