"""Duplicate suspects in a register import: warnings in the report (within the register of
the mutual, within the file, in another mutual of the union), never blocking by themselves."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from mutuelle.core import jobs
from mutuelle.core.imports import actions as import_actions
from mutuelle.core.models import ImportRow, Job
from mutuelle.members.bulk import HouseholdRow, PersonRow, bulk_enrol
from mutuelle.members.generate import REGISTER_HEADERS
from mutuelle.members.models import Household, Membership, Person

from ..conftest import make_org

pytestmark = pytest.mark.django_db


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(REGISTER_HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("cp1252")


def enrol(mutual, given, family, sex, year, ref="") -> Membership:
    bulk_enrol(
        mutual,
        [
            HouseholdRow(
                persons=[PersonRow(given, family, sex, "head", birth_year=year)],
                enrolled_on=date(2026, 1, 5),
                external_ref=ref,
            )
        ],
    )
    return Membership.unscoped.get(
        organization=mutual, person__given_names=given, person__family_name=family
    )


def check(actor, mutual, rows) -> Job:
    job = import_actions.start_check(
        actor, importer="households", organization=mutual, filename="r.csv", content=csv_bytes(rows)
    )
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.error
    return job


def warnings_of(job) -> dict[int, list[dict]]:
    return {r.line: r.warnings for r in ImportRow.unscoped.filter(job=job).exclude(warnings=[])}


def row(ref, given, family, sex="M", rel="chef", year="1978", doc=""):
    return [ref, given, family, sex, rel, "", year, doc, "", ""]


def test_a_member_of_the_mutual_is_named_with_his_number(world):
    existing = enrol(world.mutual_a, "Mamadou", "Diop", "M", 1978)
    job = check(
        world.enrolment,
        world.mutual_a,
        [row("KM-1", "Mouhamadou", "Diop", year="1979"), row("KM-2", "Awa", "Fall", "F")],
    )
    assert job.result["ready"] and job.result["rows_with_warnings"] == 1
    [warning] = warnings_of(job)[2]
    assert warning["code"] == "person_duplicate_in_register"
    assert warning["params"] == {"name": "Mamadou Diop", "number": existing.number}


def test_two_rows_of_the_file_that_are_one_person(world):
    job = check(
        world.enrolment,
        world.mutual_a,
        [
            row("KM-1", "Fatou", "Ndiaye", "F", year="1990"),
            row("KM-2", "Ousmane", "Sarr"),
            row("KM-2", "Fatoumata", "N'Diaye", "F", "épouse", year="1991"),
            row("KM-3", "Fatou", "Ndiaye", "F", year="1960"),  # a homonym, 30 years older
        ],
    )
    warnings = warnings_of(job)
    assert list(warnings) == [4]
    assert warnings[4][0]["code"] == "person_duplicate_in_file"
    assert warnings[4][0]["params"] == {"name": "Fatou Ndiaye", "line": 2}


def test_another_mutual_of_the_union_is_named_but_not_its_member(client, world):
    pikine = make_org("mutual", "MA2", world.union_a, name="Mutuelle de Pikine")
    theirs = enrol(pikine, "Khady", "Gueye", "F", 1985)
    enrol(world.mutual_b, "Khady", "Gueye", "F", 1985)  # another union: not searched
    job = check(
        world.enrolment, world.mutual_a, [row("KM-1", "Khadidiatou", "Gueye", "F", year="1985")]
    )
    [[warning]] = warnings_of(job).values()
    assert warning == {
        "column": "given_names",
        "code": "person_duplicate_in_union",
        "params": {"mutual": "Mutuelle de Pikine"},
    }
    client.force_login(world.enrolment)
    report = client.get(reverse("import_report", args=[job.uuid])).content.decode()
    csv_report = b"".join(client.get(reverse("import_report_csv", args=[job.uuid]))).decode(
        "utf-8-sig"
    )
    for page in (report, csv_report):
        assert "Mutuelle de Pikine" in page
        assert theirs.number not in page and "1985" not in page


def test_warnings_must_be_read_then_the_rows_are_imported(client, world):
    enrol(world.mutual_a, "Mamadou", "Diop", "M", 1978, ref="OLD-1")
    job = check(
        world.enrolment,
        world.mutual_a,
        [row("KM-1", "Mamadou", "Diop"), row("KM-1", "Awa", "Diop", "F", "épouse", year="1982")],
    )
    assert job.result["ready"] and job.result["rows_with_warnings"] == 1
    client.force_login(world.enrolment)
    assert b'name="warnings_read"' in client.get(reverse("import_report", args=[job.uuid])).content
    client.post(reverse("import_commit", args=[job.uuid]))
    assert not Job.unscoped.filter(kind="core.import_commit").exists()
    response = client.post(reverse("import_commit", args=[job.uuid]), {"warnings_read": "1"})
    commit = Job.unscoped.get(uuid=response.url.rstrip("/").split("/")[-1])
    jobs.run(commit.pk)
    commit.refresh_from_db()
    assert commit.result == {"created": 2, "updated": 0, "unchanged": 0}
    assert Person.unscoped.filter(given_names="Mamadou", family_name="Diop").count() == 2


def test_bad_input_says_why_and_changes_nothing(world):
    enrol(world.mutual_a, "Mamadou", "Diop", "M", 1978)
    before = (Household.unscoped.count(), Person.unscoped.count(), Membership.unscoped.count())
    missing = import_actions.start_check(
        world.enrolment,
        importer="households",
        organization=world.mutual_a,
        filename="r.csv",
        content="Prénoms;Nom de famille\nAwa;Fall\n".encode("cp1252"),
    )
    jobs.run(missing.pk)
    missing.refresh_from_db()
    assert not missing.result["ready"]
    assert {m["params"].get("column") for m in missing.messages} >= {"household_ref", "sex"}
    job = check(
        world.enrolment,
        world.mutual_a,
        [
            row("KM-1", "Mamadou", "Diop"),  # a suspect (a warning)
            row("KM-1", "Awa", "Diop", "X", "épouse"),  # an error: sex
            row("KM-2", "Fatou", "Sow", "F", "enfant", year="2001"),  # an error: no head
        ],
    )
    assert job.result["rows_with_errors"] == 2 and job.result["rows_with_warnings"] == 1
    assert not job.result["ready"]
    with pytest.raises(Exception, match="erreur|error"):
        import_actions.start_commit(world.enrolment, job, warnings_read=True)
    after = (Household.unscoped.count(), Person.unscoped.count(), Membership.unscoped.count())
    assert after == before
