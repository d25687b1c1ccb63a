"""Contribution rules and billing through HTTP: a manager drafts, is refused a rule that
would select risks or has badly written bands, adopts, and bills."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from mutuelle.contributions.models import BillingRun, Due, RuleVersion
from mutuelle.core import jobs
from mutuelle.core.models import Job

from .helpers import household

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)

FORM = {
    "label": "Cotisation 2026",
    "basis": "size_bands",
    "periodicity": "season",
    "season_start": "15/11",
    "bands": "1-3: 9000; 4-6: 12000; 7+: 15000",
    "entry_fee": "1 000",
}


@time_machine.travel(TODAY, tick=False)
def test_a_manager_drafts_adopts_and_bills_a_seasonal_rule(client, world):
    from mutuelle.accounting.actions import install_chart

    install_chart(world.mutual_a)
    home = household(world, on=date(2025, 12, 1))
    client.force_login(world.manager)
    new = reverse("rule_new", args=[world.mutual_a.uuid])
    gap = client.post(new, {**FORM, "bands": "1-3: 9000; 5+: 12000"})
    assert gap.status_code == 200 and gap.context["form"].non_field_errors()
    assert not RuleVersion.unscoped.exists()
    saved = client.post(new, FORM)
    version = RuleVersion.unscoped.get()
    assert saved["Location"] == reverse("rule_detail", args=[version.pk])
    assert version.config["anchor_month"] == "11" and version.config["bands"][2] == [
        7,
        None,
        "15000",
    ]
    page = client.get(saved["Location"])
    assert page.status_code == 200 and page.context["summary"].bands[0].amount == 9000
    client.post(reverse("rule_adopt", args=[version.pk]), {"effective_from": "2025-11-15"})
    version.refresh_from_db()
    assert version.is_adopted and version.effective_from == date(2025, 11, 15)
    # In force: the edit form is gone, a POST changes nothing.
    assert client.get(saved["Location"]).context["form"] is None
    client.post(saved["Location"], {**FORM, "label": "changed"})
    version.refresh_from_db()
    assert version.label == "Cotisation 2026"
    billing = reverse("billing", args=[world.mutual_a.uuid])
    assert "2025-11-15" in client.get(billing).context["form"].fields["period"].choices[0]
    started = client.post(billing, {"period": "2025-11-15"})
    run = BillingRun.unscoped.get()
    assert started["Location"] == reverse("job_detail", args=[run.job.uuid])
    jobs.run(Job.unscoped.get(pk=run.job_id).pk)
    due = Due.unscoped.get(household=home)
    assert due.period_start == date(2025, 11, 15) and due.period_end == date(2026, 11, 14)
    # Three persons, joined on 1 December: the small band, prorated, plus three entry fees.
    assert 3000 + 8000 < due.amount < 3000 + 9000


def test_a_field_for_sex_cannot_reach_a_rule_even_when_posted(client, world):
    client.force_login(world.manager)
    response = client.post(
        reverse("rule_new", args=[world.mutual_a.uuid]),
        {**FORM, "sex": "F", "health": "chronic"},
    )
    version = RuleVersion.unscoped.get()  # the form has no such field: they are dropped
    assert response.status_code == 302
    assert "sex" not in version.config and "health" not in version.config


def test_the_cashier_reads_rules_but_cannot_draft_or_bill(client, world):
    client.force_login(world.cashier)
    assert client.get(reverse("rule_list")).status_code == 200
    assert client.get(reverse("rule_new", args=[world.mutual_a.uuid])).status_code == 404
    assert client.get(reverse("billing", args=[world.mutual_a.uuid])).status_code == 404


def test_a_union_bills_its_mutuals_counted_by_the_period(client, world):
    from mutuelle.contributions import actions
    from mutuelle.core.actions import create_organization

    from .helpers import household, rule_in_force

    with time_machine.travel(TODAY, tick=False):
        rule_in_force(world)  # yearly, for mutual_a
        household(world)
        monthly = create_organization(
            None, parent=world.union_a, kind="mutual", code="MM", name="Mutuelle mensuelle",
            country="SN", currency="XOF", time_zone="Africa/Dakar",
        )  # fmt: skip
        draft = actions.save_draft(
            world.union_manager, monthly, "Mensuel",
            {"basis": "household", "periodicity_kind": "month", "currency": "XOF", "amount": "500"},
        )  # fmt: skip
        actions.adopt(world.union_manager, draft, date(2026, 1, 1))
        client.force_login(world.union_manager)
        url = reverse("union_billing", args=[world.union_a.uuid])
        choices = [c for c, _label in client.get(url).context["form"].fields["period"].choices]
        assert "2026" in choices and "2026-03" in choices
        client.post(url, {"period": "2026"})
        assert list(BillingRun.unscoped.values_list("organization__code", "period")) == [
            (world.mutual_a.code, "2026")
        ]
        client.force_login(world.manager)  # a mutual's manager does not bill the union
        assert client.get(url).status_code == 404
