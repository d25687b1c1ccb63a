"""Subsidy screens through HTTP: payers and programmes, lists with evidence, the payer's
statement (screen, PDF, XLSX), payers' payments, the solidarity report."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from mutuelle.contributions import actions
from mutuelle.contributions.models import (
    PayerDue,
    PayerPayment,
    ProgrammeEnrolment,
    SubsidyProgramme,
    ThirdPartyPayer,
)
from mutuelle.members.models import Household

from .helpers import household, rule_in_force
from .test_screens import pdf_text
from .test_subsidies import HOUSEHOLD_RULE, JAN, bill, make_indigent, programme, state

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)


def xlsx_rows(body: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


@pytest.fixture
def subsidised(world):
    """Two indigent households billed to the State, a third paying for itself."""
    with time_machine.travel(TODAY, tick=False):
        rule_in_force(world, HOUSEHOLD_RULE)
        homes = [household(world, family=n, on=JAN) for n in ("Diop", "Fall", "Sow")]
        make_indigent(world, homes[0])
        make_indigent(world, homes[1])
        payer = state(world)
        programme(world, payer, name="Indigents 2026")
        bill(world)
        actions.record_payment(world.cashier, homes[2], "5000", "cash")
    return payer, homes


@time_machine.travel(TODAY, tick=False)
def test_a_manager_creates_a_payer_and_a_programme(world, client):
    client.force_login(world.manager)
    assert client.get(reverse("subsidy_index")).status_code == 200
    response = client.post(
        reverse("payer_create"),
        {
            "organization": world.mutual_a.pk,
            "name": "Commune de Keur Massar",
            "kind": "local_authority",
        },
    )
    payer = ThirdPartyPayer.unscoped.get(name="Commune de Keur Massar")
    assert response.status_code == 302
    url = reverse("subsidy_programme_create", args=[payer.uuid])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "organization": world.mutual_a.pk,
            "code": "u5",
            "name": "Moins de cinq ans",
            "start": "2026-01-01",
            "budget": "1 500 000",
            "mode": "percent",
            "rate": "50",
            "ratio": "1",
            "eligibility": "list",
            "priority": "10",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    scheme = SubsidyProgramme.unscoped.get(code="U5")
    assert scheme.budget == 1500000 and scheme.rate == 50 and not scheme.is_permanent
    page = client.get(reverse("subsidy_programme_edit", args=[scheme.uuid]))
    assert "Moins de cinq ans" in page.content.decode()
    # A household of the mutual enrolled with its evidence; then a list in CSV.
    home = household(world)
    child = home.persons.get(relationship="child").memberships.get()
    response = client.post(
        reverse("subsidy_enrol", args=[scheme.uuid]),
        {
            "household": home.number,
            "member": child.number,
            "start": "2026-01-01",
            "evidence_reference": "PEV-2026-031",
            "evidence_date": "2026-01-04",
            "evidence_by": "Poste de santé de Keur Massar",
        },
    )
    assert response.status_code == 302
    assert ProgrammeEnrolment.unscoped.get(programme=scheme).person_id == child.person_id
    other = household(world, family="Fall")
    content = (
        "Ménage;Membre;Référence;Date;Émis par\n"
        f"{other.number};;Liste 12;05/01/2026;Mairie\n"
        "XX-404;;Liste 12;05/01/2026;Mairie\n"
    ).encode("cp1252")
    upload = io.BytesIO(content)
    upload.name = "liste.csv"
    response = client.post(
        reverse("subsidy_enrol_upload", args=[scheme.uuid]),
        {"mutual": world.mutual_a.pk, "start": "2026-01-01", "file": upload},
        follow=True,
    )
    assert "XX-404" in response.content.decode()
    assert ProgrammeEnrolment.unscoped.filter(programme=scheme).count() == 1  # all or nothing
    upload = io.BytesIO(content.split(b"XX-404")[0].rsplit(b"\n", 1)[0] + b"\n")
    upload.name = "liste.csv"
    client.post(
        reverse("subsidy_enrol_upload", args=[scheme.uuid]),
        {"mutual": world.mutual_a.pk, "start": "2026-01-01", "file": upload},
    )
    assert ProgrammeEnrolment.unscoped.filter(programme=scheme, household=other).exists()


def test_a_cashier_may_not_define_programmes(world, client):
    client.force_login(world.cashier)
    assert client.get(reverse("subsidy_index")).status_code == 200
    assert client.get(reverse("payer_create")).status_code == 403


def test_the_payer_statement_lists_numbers_not_names_and_exports(world, client, subsidised):
    payer, homes = subsidised
    client.force_login(world.accountant)
    query = {"start": "2026-01-01", "end": "2026-12-31"}
    page = client.get(reverse("payer_statement", args=[payer.uuid]), query).content.decode()
    assert homes[0].number in page and homes[1].number in page and homes[2].number not in page
    assert "Diop" not in page  # the contract does not allow names
    text = pdf_text(client.get(reverse("payer_statement_pdf", args=[payer.uuid]), query).content)
    assert homes[0].number in text and "Indigents 2026" in text and "24 000" in text
    assert "Diop" not in text
    rows = xlsx_rows(client.get(reverse("payer_statement_xlsx", args=[payer.uuid]), query).content)
    assert len(rows) == 3 and {r[2] for r in rows[1:]} == {homes[0].number, homes[1].number}
    assert sum(Decimal(str(r[6])) for r in rows[1:]) == 24000
    # With a contract that allows names, the head's name shows.
    SubsidyProgramme.unscoped.update(names_on_statement=True)
    page = client.get(reverse("payer_statement", args=[payer.uuid]), query).content.decode()
    assert "Diop" in page


@time_machine.travel(TODAY, tick=False)
def test_a_payer_payment_is_entered_once(world, client, subsidised):
    payer, _homes = subsidised
    client.force_login(world.accountant)
    url = reverse("payer_payment", args=[payer.uuid])
    assert client.get(url).status_code == 200
    data = {
        "mutual": world.mutual_a.pk,
        "amount": "12 000",
        "reference": "VIR-0042",
        "received_on": "2026-03-14",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same transfer again
    assert PayerPayment.unscoped.count() == 1
    assert sorted(PayerDue.unscoped.values_list("paid", flat=True)) == [0, 12000]
    # A cashier records households' money, not payers'.
    client.force_login(world.cashier)
    assert client.get(url).status_code == 404


def test_the_solidarity_report(world, client, subsidised):
    _payer, _homes = subsidised
    client.force_login(world.manager)
    url = reverse("solidarity_report", args=[world.mutual_a.uuid])
    query = {"start": "2026-01-01", "end": "2026-12-31"}
    page = client.get(url, query).content.decode()
    assert "Indigent" in page
    rows = xlsx_rows(
        client.get(reverse("solidarity_report_xlsx", args=[world.mutual_a.uuid]), query).content
    )
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Indigent"][1:4] == (2, 0, 24000)
    assert by_name["Indigent"][4] == 100
    others = [r for name, r in by_name.items() if name != "Indigent"]
    assert others[0][1:4] == (1, 5000, 0)
    assert Household.unscoped.filter(organization=world.mutual_a).count() == 3
    client.force_login(world.cashier)  # no access to the mutual's accounts
    assert client.get(url).status_code == 404
