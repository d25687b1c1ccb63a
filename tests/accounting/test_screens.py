"""The trial balance screen."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
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
    response = client.get(url, {"until": "2026-12-31"})
    rows = {r.number: r for r in response.context["rows"]}
    assert rows["571"].balance == Decimal(3500) and rows["7562"].balance == Decimal(-3500)
    page = response.content.decode()
    assert "571</a> Caisse" in page and "équilibrée" in page and "NON" not in page


def test_an_auditor_reads_but_does_not_install(client, world):
    client.force_login(world.auditor)
    url = reverse("trial_balance", args=[world.mutual_a.uuid])
    assert client.get(url).status_code == 200
    assert client.post(reverse("install_chart", args=[world.mutual_a.uuid])).status_code == 403
    assert not Account.unscoped.exists()
    client.force_login(world.enrolment)
    assert client.get(url).status_code == 404


def test_an_accountant_adds_and_deactivates_accounts(client, world):
    actions.install_chart(world.mutual_a)
    client.force_login(world.accountant)
    url = reverse("chart", args=[world.mutual_a.uuid])
    client.post(url, {"number": "5712", "name_fr": "Caisse de Pout", "name_en": "Pout cash"})
    assert Account.unscoped.filter(organization=world.mutual_a, number="5712").exists()
    refused = client.post(url, {"number": "9999", "name_fr": "?", "name_en": "?"})
    assert refused.status_code == 200 and not Account.unscoped.filter(number="9999").exists()
    client.post(reverse("account_active", args=[world.mutual_a.uuid, "5712"]), {"active": "0"})
    assert not Account.unscoped.get(organization=world.mutual_a, number="5712").is_active
    lines = [LineValue("5712", debit=Decimal(1)), LineValue("7562", credit=Decimal(1))]
    with pytest.raises(ValidationError):  # an inactive account takes no posting
        actions.post(world.mutual_a, "CA", date(2026, 11, 24), "?", lines)
    client.force_login(world.auditor)
    assert client.post(url, {"number": "5713", "name_fr": "x", "name_en": "x"}).status_code == 403
