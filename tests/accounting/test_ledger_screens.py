"""Journals, entries, the general ledger, periods and posting rules, as users see them."""

import html
from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from mutuelle.accounting import actions, queries
from mutuelle.accounting.models import Entry, Period, PostingRule
from mutuelle.accounting.rules import LineValue
from mutuelle.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def contribution(amount) -> list[LineValue]:
    return [LineValue("571", debit=Decimal(amount)), LineValue("7562", credit=Decimal(amount))]


@pytest.fixture
def mutual(world):
    actions.install_chart(world.mutual_a)
    return world.mutual_a


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def test_journals_list_their_entries_newest_first_by_pages_and_dates(client, world, mutual):
    for day in range(1, 31):
        actions.post(mutual, "CA", date(2026, 4, day), f"Cotisation n°{day}", contribution(100))
    client.force_login(world.auditor)
    journals = page(client.get(reverse("journal_list", args=[mutual.uuid])))
    assert "Caisse" in journals and "30" in journals
    url = reverse("journal_entries", args=[mutual.uuid, "CA"])
    first = client.get(url)
    numbers = [e.number for e in first.context["page"]]
    assert numbers == list(range(30, 5, -1))  # 25 a page, newest first
    second = page(client.get(url, {"page": 2}))
    assert "Cotisation n°5" in second and "Cotisation n°6" not in second
    filtered = client.get(url, {"since": "2026-04-10", "until": "2026-04-12"})
    assert [e.number for e in filtered.context["page"]] == [12, 11, 10]
    assert "since=2026-04-10" in filtered.context["query"]
    assert client.get(reverse("journal_entries", args=[mutual.uuid, "ZZ"])).status_code == 404


def test_an_entry_shows_its_lines_source_and_reversal(client, world, mutual):
    household = _household(world)
    entry = actions.post(
        mutual,
        "CA",
        date(2026, 4, 2),
        "Cotisation Diop",
        [
            LineValue("571", debit=Decimal(3000), analytic="PALU"),
            LineValue("7562", credit=Decimal(3000), analytic="PALU"),
        ],
        source=household,
        actor=world.cashier,
    )
    client.force_login(world.accountant)
    url = reverse("entry_detail", args=[mutual.uuid, "CA", entry.number])
    shown = page(client.get(url))
    assert "PALU" in shown and "7562" in shown and world.cashier.full_name in shown
    assert f"{household._meta.verbose_name} {household.pk}" in shown.lower()  # no page: type, id
    # An entry of another module's record is corrected from that record, not here.
    refused = client.post(url, {"on": "2026-04-03", "reason": "Erreur"})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert not Entry.unscoped.filter(reverses=entry).exists()

    manual = actions.post(mutual, "OD", date(2026, 4, 2), "Ajustement", contribution(50))
    url = reverse("entry_detail", args=[mutual.uuid, "OD", manual.number])
    assert client.post(url, {"on": "2026-04-03", "reason": ""}).status_code == 200
    assert not Entry.unscoped.filter(reverses=manual).exists()
    done = client.post(url, {"on": "2026-04-03", "reason": "Saisie en double"})
    reversal = Entry.unscoped.get(reverses=manual)
    assert done.url == reverse("entry_detail", args=[mutual.uuid, "OD", reversal.number])
    assert reversal.actor == world.accountant and reversal.reason == "Saisie en double"
    both = page(client.get(url))
    assert f"OD-{reversal.number}" in both and "Saisie en double" in both
    back = page(client.get(done.url))
    assert f"OD-{manual.number}" in back
    assert AuditEvent.unscoped.filter(action="entry.reversed").count() == 1
    client.force_login(world.auditor)
    assert client.post(url, {"on": "2026-04-03", "reason": "x"}).status_code == 403


def test_the_entries_of_a_record_are_listed_by_a_reusable_include(world, mutual):
    household = _household(world)
    entry = actions.post(
        mutual, "CA", date(2026, 4, 2), "Cotisation", contribution(700), source=household
    )
    entries = queries.entries_for(household, user=world.accountant)
    assert entries == [entry] and entries[0].amount == Decimal(700)
    assert queries.entries_for(household, user=world.enrolment) == []
    shown = render_to_string("accounting/_entries_for.html", {"entries": entries})
    assert reverse("entry_detail", args=[mutual.uuid, "CA", entry.number]) in shown
    assert render_to_string("accounting/_entries_for.html", {"entries": []}).strip() == ""


def test_the_general_ledger_runs_a_balance_and_is_reached_from_the_trial_balance(
    client, world, mutual
):
    actions.post(mutual, "CA", date(2026, 2, 1), "Janvier", contribution(1000))
    actions.post(mutual, "CA", date(2026, 3, 1), "Mars", contribution(500))
    actions.post_operation(mutual, "cash_shortage", date(2026, 3, 5), Decimal(200), "Manquant")
    client.force_login(world.accountant)
    trial = page(client.get(reverse("trial_balance", args=[mutual.uuid]), {"until": "2026-03-31"}))
    url = reverse("account_ledger", args=[mutual.uuid, "571"])
    assert url in trial
    response = client.get(url, {"since": "2026-03-01", "until": "2026-03-31"})
    assert response.context["forward"] == Decimal(1000)
    assert [r.balance for r in response.context["rows"]] == [Decimal(1500), Decimal(1300)]
    assert response.context["closing"] == Decimal(1300)
    assert "Manquant" in page(response)
    assert client.get(reverse("account_ledger", args=[mutual.uuid, "999"])).status_code == 404


def test_periods_are_closed_and_reopened_from_their_screen(client, world, mutual):
    actions.post(mutual, "CA", date(2026, 3, 1), "Mars", contribution(1000))
    client.force_login(world.accountant)
    url = reverse("period_list", args=[mutual.uuid])
    assert "mars 2026" in page(client.get(url)).lower()
    client.post(reverse("period_close", args=[mutual.uuid, "2026-03-01"]))
    assert Period.unscoped.get(organization=mutual, start=date(2026, 3, 1)).closed_at
    client.post(reverse("period_reopen", args=[mutual.uuid, "2026-03-01"]), {"reason": ""})
    assert Period.unscoped.get(organization=mutual, start=date(2026, 3, 1)).closed_at
    client.post(reverse("period_reopen", args=[mutual.uuid, "2026-03-01"]), {"reason": "Oubli"})
    assert not Period.unscoped.get(organization=mutual, start=date(2026, 3, 1)).closed_at
    assert client.post(reverse("period_close", args=[mutual.uuid, "2031-03-01"])).status_code == 404
    client.post(reverse("year_close", args=[mutual.uuid, "2026-01-01"]))
    assert Entry.unscoped.filter(source_type="accounting.fiscalyear").count() == 2
    closed = client.get(url)
    assert [y.closed_at is None for y, _periods in closed.context["years"]] == [True, False]
    # The closing entry links to its source, the fiscal year (on this screen).
    closing = Entry.unscoped.get(source_type="accounting.fiscalyear", date=date(2026, 12, 31))
    shown = page(client.get(closing.get_absolute_url()))
    assert f'href="{url}"' in shown
    client.force_login(world.auditor)
    assert client.post(reverse("period_close", args=[mutual.uuid, "2027-01-01"])).status_code == 403


def test_a_manager_changes_a_posting_rule_within_the_chart(client, world, mutual):
    client.force_login(world.manager)
    listing = page(client.get(reverse("posting_rules", args=[mutual.uuid])))
    assert "Cotisation payée en espèces" in listing or "Contribution paid in cash" in listing
    url = reverse("posting_rule_edit", args=[mutual.uuid, "contribution_paid_mobile"])
    refused = page(client.post(url, {"journal": "MM", "debit": "5551", "credit": "411"}))
    assert "5551" in refused and not PostingRule.unscoped.exists()
    actions.set_account_active(None, _account(mutual, "4192"), False)
    refused = page(client.post(url, {"journal": "MM", "debit": "555", "credit": "4192"}))
    assert "4192" in refused and not PostingRule.unscoped.exists()
    refused = page(client.post(url, {"journal": "XX", "debit": "555", "credit": "411"}))
    assert "XX" in refused and not PostingRule.unscoped.exists()
    client.post(url, {"journal": "BQ", "debit": "521", "credit": "411"})
    assert actions.rule_for(mutual, "contribution_paid_mobile") == ("BQ", "521", "411")
    assert AuditEvent.unscoped.filter(action="posting_rule.changed").count() == 1
    listing = page(client.get(reverse("posting_rules", args=[mutual.uuid])))
    assert "521" in listing
    client.post(url, {"journal": "MM", "debit": "555", "credit": "411"})  # the default again
    assert not PostingRule.unscoped.exists()
    assert client.get(reverse("posting_rule_edit", args=[mutual.uuid, "nope"])).status_code == 404
    client.force_login(world.auditor)
    assert client.get(url).status_code == 403


def _account(mutual, number):
    from mutuelle.accounting.models import Account

    return Account.unscoped.get(organization=mutual, number=number)


def _household(world):
    from mutuelle.members.actions import NewHousehold, NewPerson, enrol_household

    persons = [NewPerson("Awa", "Diop", "F", "head", birth_year=1980)]
    return enrol_household(
        world.admin, world.mutual_a, NewHousehold(persons=persons), date(2026, 1, 5)
    )
