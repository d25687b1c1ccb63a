"""Importing a register: French headers, Windows-1252, bad rows reported, idempotent."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutuelle.core import actions as core_actions
from mutuelle.core import jobs
from mutuelle.core.models import Job
from mutuelle.members.imports import parse_date
from mutuelle.members.models import Household, Membership, Person

pytestmark = pytest.mark.django_db

HEADER = (
    "Référence du ménage;Prénoms;Nom de famille;Sexe (F/M);Lien avec le chef de ménage;"
    "Date de naissance;Année de naissance;Numéro de la pièce d'identité;Téléphone;"
    "Code du village\n"
)
GOOD = [
    "KM-001;Mamadou;Diop;M;chef;14/07/1978;;1234567890123;77 123 45 67;SN-V1",
    "KM-001;Aïssatou;Ndiaye;F;épouse;;1985;;;",
    "KM-001;Moussa;Diop;M;enfant;2012-07-14;;;;",
    "KM-002;Khady;Fall;F;chef;;1960;;;SN-V1",
    "KM-002;Ousmane;Fall;M;fils;;1990;;;",
]
BAD = [
    "KM-003;Awa;Sow;X;chef;;1980;;;",  # sex
    "KM-003;Fatou;Sow;F;enfant;31/02/2010;;;;",  # impossible date
    "KM-004;Pape;Ba;M;enfant;;2001;;;",  # a household without a head
]


def upload(client, world, lines):
    body = (HEADER + "\n".join(lines) + "\n").encode("cp1252")
    response = client.post(
        reverse("import_upload", args=["households"]),
        {
            "organization": world.mutual_a.pk,
            "file": SimpleUploadedFile("registre.csv", body),
        },
    )
    assert response.status_code == 302, response.content[-2000:]
    job = Job.unscoped.get(uuid=response.url.rstrip("/").split("/")[-1])
    jobs.run(job.pk)
    job.refresh_from_db()
    return job


def commit(client, job):
    url = client.post(reverse("import_commit", args=[job.uuid]), {"warnings_read": "1"}).url
    done = Job.unscoped.get(uuid=url.rstrip("/").split("/")[-1])
    jobs.run(done.pk)
    done.refresh_from_db()
    return done


def test_dates_as_the_field_writes_them():
    assert parse_date("14/07/2012").isoformat() == "2012-07-14"
    assert parse_date("2012-07-14").isoformat() == "2012-07-14"
    with pytest.raises(ValueError):
        parse_date("31/02/2010")


def test_a_register_with_bad_rows_imports_nothing_then_imports_once(client, world):
    sn = core_actions.create_place(country="SN", code="SN", name="Sénégal")
    core_actions.create_place(country="SN", code="SN-V1", name="Ndiaye Bopp", parent=sn)
    client.force_login(world.enrolment)
    job = upload(client, world, GOOD + BAD)
    assert job.result["rows"] == 8 and job.result["rows_with_errors"] == 3
    report = html.unescape(client.get(reverse("import_report", args=[job.uuid])).content.decode())
    assert "X n'est pas une des valeurs" in report
    assert "31/02/2010" in report and "KM-004" in report
    assert client.post(reverse("import_commit", args=[job.uuid])).status_code == 302
    assert not Household.unscoped.exists()

    fixed = upload(client, world, GOOD)
    assert fixed.result["ready"]
    done = commit(client, fixed)
    assert done.result == {"created": 5, "updated": 0, "unchanged": 0}
    km1 = Household.unscoped.get(external_ref="KM-001")
    assert km1.head.given_names == "Mamadou" and km1.place.code == "SN-V1"
    assert km1.phone == "771234567" and km1.persons.count() == 3
    assert Person.unscoped.get(given_names="Aïssatou").relationship == "spouse"
    assert Membership.unscoped.count() == 5

    repeated = upload(client, world, GOOD)
    assert repeated.result["ready"] and repeated.result["rows_with_warnings"] == 5
    report = client.get(reverse("import_report", args=[repeated.uuid])).content.decode()
    assert "KM-001" in report and "KM-002" in report  # each row: already imported
    # Warnings must be read: a commit without saying so is refused and starts nothing.
    client.post(reverse("import_commit", args=[repeated.uuid]))
    assert not Job.unscoped.filter(params__check_job=repeated.pk).exists()
    again = commit(client, repeated)
    assert again.result == {"created": 0, "updated": 0, "unchanged": 5}
    assert Person.unscoped.count() == 5
