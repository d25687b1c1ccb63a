"""The trial balance screen."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from mutuelle.accounting import actions
from mutuelle.accounting.models import Account
from mutuelle.accounting.rules import LineValue

pytestmark = pytest.mark.django_db


def test_an_accountant_installs_the_chart_and_reads_a_balanced_trial_balance(client, world):
    client.force_login(world.accountant)
    url = reverse("trial_balance", args=[world.mutual_a.uuid])
    assert client.get(reverse("ledger_list")).url == url
    client.post(reverse("install_chart", args=[world.mutual_a.uuid]))
    assert Account.unscoped.filter(organization=world.mutual_a).count() > 40
    lines = [LineValue("571", debit=Decimal(3500)), LineValue("7562", credit=Decimal(3500))]
    actions.post(world.mutual_a, "CA", date(2026, 11, 24), "Cotisation", lines)
    response = client.get(url)
    rows = {r.number: r for r in response.context["rows"]}
    assert rows["571"].balance == Decimal(3500) and rows["7562"].balance == Decimal(-3500)
    page = response.content.decode()
    assert "571 Caisse" in page and "équilibrée" in page and "NON" not in page


def test_an_auditor_reads_but_does_not_install(client, world):
    client.force_login(world.auditor)
    url = reverse("trial_balance", args=[world.mutual_a.uuid])
    assert client.get(url).status_code == 200
    assert client.post(reverse("install_chart", args=[world.mutual_a.uuid])).status_code == 403
    assert not Account.unscoped.exists()
    client.force_login(world.enrolment)
    assert client.get(url).status_code == 404
