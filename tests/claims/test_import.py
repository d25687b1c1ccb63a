"""A provider's monthly invoice file: a Windows-1252 CSV with French headers from the clerk, an
XLSX from the claims officer; rows reported with reasons; a second import records nothing
twice; the claims are adjudicated by the background job."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutuelle.claims.models import Claim
from mutuelle.core import jobs
from mutuelle.core.models import Job
from mutuelle.lib.tabular import write_xlsx
from mutuelle.members.models import Membership

from .helpers import active_household, claims_world

pytestmark = pytest.mark.django_db
FRENCH = (
    "Numéro de facture;Numéro d'adhérent;Date des soins;Type de visite;Code de l'acte;"
    "Quantité;Prix unitaire;Diagnostics (CIM-10)\n"
)


@pytest.fixture(autouse=True)
def in_may():
    with time_machine.travel(date(2026, 5, 20), tick=False):
        yield


def upload(client, organization, name, content) -> Job:
    response = client.post(
        reverse("import_upload", args=["claims"]),
        {"organization": organization.pk, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.content[-2000:]
    job = Job.unscoped.get(uuid=response.url.rstrip("/").split("/")[-1])
    jobs.run(job.pk)
    job.refresh_from_db()
    return job


def commit(client, check: Job) -> Job:
    url = client.post(reverse("import_commit", args=[check.uuid])).url
    done = Job.unscoped.get(uuid=url.rstrip("/").split("/")[-1])
    jobs.run(done.pk)
    done.refresh_from_db()
    return done


def numbers(world):
    home, _version = claims_world(world)
    other = active_household(world, family="Sarr")
    head = Membership.unscoped.get(person=home.head).number
    return head, Membership.unscoped.get(person=other.head).number


def test_a_clerks_windows_1252_file_becomes_adjudicated_claims(client, world):
    first, second = numbers(world)
    rows = (
        f"F-01;{first};04/05/2026;ambulatoire;CONS-MG;1;2 000;B50.9\n"
        f"F-01;{first};04/05/2026;ambulatoire;NFS;1;3000;\n"
        f"F-02;{second};05/05/2026;Hospitalisation;HOSP-J;2;5000;\n"
        f"F-03;{second};06/05/2026;;ZZZ-INCONNU;-1;1000;\n"
    )
    client.force_login(world.clerk)
    check = upload(client, world.provider_a, "factures.csv", (FRENCH + rows).encode("cp1252"))
    assert check.result["ready"], check.result
    done = commit(client, check)
    assert done.result == {"claims": 3, "lines": 4}
    for job in Job.unscoped.filter(kind="claims.adjudicate"):
        jobs.run(job.pk)
    claims = {c.external_reference: c for c in Claim.unscoped.all()}
    # Adjudicated, and sent to the adviser when triage flags them (no check at the desk here).
    assert {c.status for c in claims.values()} <= {"adjudicated", "in_review"}
    assert all(c.decision for c in claims.values())
    assert claims["F-01"].lines.count() == 2 and claims["F-01"].diagnoses == "B50.9"
    assert claims["F-02"].visit_type == "inpatient"
    # The unknown act and the negative quantity are kept, and rejected with their reasons.
    bad = claims["F-03"].lines.get()
    assert (bad.act_code, bad.quantity, bad.decision) == ("ZZZ-INCONNU", -1, "rejected")
    assert bad.reasons[0][0] == "claim.bad_quantity"
    # The same file again records nothing twice.
    again = upload(client, world.provider_a, "factures.csv", (FRENCH + rows).encode("cp1252"))
    commit(client, again)
    assert Claim.unscoped.count() == 3


def test_bad_rows_are_reported_and_nothing_is_imported(client, world):
    first, _second = numbers(world)
    rows = (
        f"F-10;{first};04/05/2026;;CONS-MG;1;2000;\n"
        "F-11;MA-9999990;04/05/2026;;CONS-MG;1;2000;\n"
        f"F-12;{first};31/02/2026;;CONS-MG;un;deux mille;\n"
        f"F-10;{first};05/05/2026;;CONS-MG;1;2000;\n"
    )
    client.force_login(world.clerk)
    check = upload(client, world.provider_a, "factures.csv", (FRENCH + rows).encode("cp1252"))
    assert not check.result["ready"]
    from mutuelle.core.models import ImportRow

    errors = {(r.line, e["code"]) for r in ImportRow.unscoped.filter(job=check) for e in r.errors}
    assert (3, "claims_unknown_member") in errors
    assert {(4, "bad_date"), (4, "bad_integer"), (4, "claims_bad_amount")} <= errors
    assert (5, "claims_invoice_mixed") in errors
    assert not Claim.unscoped.exists()


def test_the_claims_officer_imports_an_xlsx_naming_the_provider(client, world):
    first, _second = numbers(world)
    header = [
        "Invoice number",
        "Membership number",
        "Date of care",
        "Act code",
        "Quantity",
        "Unit price",
        "Provider code",
    ]
    content = write_xlsx(header, [["INV-7", first, "2026-05-04", "CONS-MG", "1", "2000", "PA"]])
    client.force_login(world.claims)
    check = upload(client, world.mutual_a, "invoices.xlsx", content)
    assert check.result["ready"], check.result
    commit(client, check)
    claim = Claim.unscoped.get()
    assert (claim.provider, claim.organization) == (world.provider_a, world.mutual_a)
    # A member of another mutual is refused in the officer's file.
    row = ["INV-8", "MB-0000018", "2026-05-04", "CONS-MG", "1", "2000", "PA"]
    content = write_xlsx(header, [row])
    assert not upload(client, world.mutual_a, "invoices.xlsx", content).result["ready"]
