"""Importing acts: a Windows-1252 CSV written in French, an XLSX, idempotent by code, a
mutual's file refused where it would redefine its union's codes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutuelle.benefits.models import Act
from mutuelle.core import jobs
from mutuelle.core.models import Job
from mutuelle.lib.tabular import write_xlsx

from .helpers import union_catalogue

pytestmark = pytest.mark.django_db

# The English headers (the French ones are accepted too, once translated).
HEADER = "Act code;Name (French);Name (English);Category;Unit;Possible for (F/M/any);Minimum age\n"


def upload(client, organization, name: str, content: bytes) -> Job:
    response = client.post(
        reverse("import_upload", args=["acts"]),
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


def test_a_windows_1252_csv_written_in_french(client, world):
    client.force_login(world.union_manager)
    rows = (
        "ECHO-PEL;Échographie pelvienne;Pelvic ultrasound;Imagerie;acte;femmes;12\n"
        "CONS-NUIT;Consultation de nuit;;consultation;;;\n"
        "PANS;Pansement simple;Simple dressing;Autre;Acte;tous;\n"
    )
    check = upload(client, world.union_a, "actes.csv", (HEADER + rows).encode("cp1252"))
    assert check.result["ready"], check.result
    done = commit(client, check)
    assert done.result == {"created": 3, "updated": 0, "unchanged": 0}
    echo = Act.unscoped.get(code="ECHO-PEL")
    assert (echo.name_fr, echo.category, echo.sex, echo.min_age) == (
        "Échographie pelvienne",
        "imaging",
        "F",
        12,
    )
    assert Act.unscoped.get(code="CONS-NUIT").name_en == "Consultation de nuit"
    # The same file again changes nothing.
    again = commit(
        client, upload(client, world.union_a, "actes.csv", (HEADER + rows).encode("cp1252"))
    )
    assert again.result == {"created": 0, "updated": 0, "unchanged": 3}


def test_bad_rows_import_nothing_and_a_mutual_cannot_redefine_a_union_code(client, world):
    union_catalogue(world)
    client.force_login(world.manager)
    rows = (
        "CONS-MG;Consultation;Consultation;consultation;;;\n"  # the union's code
        "X1;Radio;X-ray;astrologie;;;\n"  # unknown category
        "X2;Accouchement;Delivery;delivery;;personne;\n"  # unknown sex
        "X3;Test;Test;other;;;abc\n"  # not a number
        "X3;Test;Test;other;;;\n"  # duplicate in the file
    )
    check = upload(client, world.mutual_a, "actes.csv", (HEADER + rows).encode("cp1252"))
    assert not check.result["ready"] and check.result["rows_with_errors"] == 5
    report = client.get(reverse("import_report", args=[check.uuid])).content.decode()
    assert "CONS-MG" in report and world.union_a.name in report
    commit(client, check)
    assert not Act.unscoped.filter(organization=world.mutual_a).exists()


def test_an_xlsx_updates_the_organizations_own_acts(client, world):
    client.force_login(world.manager)
    headers = ["Act code", "Name (French)", "Name (English)", "Category", "Unit", "Active (yes/no)"]
    first = write_xlsx(headers, [["KINE", "Kiné", "Physio", "other", "act", "oui"]])
    commit(client, upload(client, world.mutual_a, "acts.xlsx", first))
    second = write_xlsx(
        headers,
        [
            ["KINE", "Kinésithérapie", "Physiotherapy", "Other", "act", "non"],
            ["ORTHO", "Orthophonie", "Speech therapy", "other", "act", ""],
        ],
    )
    done = commit(client, upload(client, world.mutual_a, "acts.xlsx", second))
    assert done.result == {"created": 1, "updated": 1, "unchanged": 0}
    kine = Act.unscoped.get(code="KINE")
    assert kine.name_fr == "Kinésithérapie" and not kine.is_active
    assert kine.organization == world.mutual_a
    assert Act.unscoped.get(code="ORTHO").is_active


def test_only_those_who_keep_the_catalogue_import_it(client, world):
    client.force_login(world.cashier)
    assert client.get(reverse("import_upload", args=["acts"])).status_code == 403
