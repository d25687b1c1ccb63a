"""The import framework through its screens: template, dry run, report, commit, idempotency."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutuelle.core import jobs
from mutuelle.core.models import Job, Place
from mutuelle.lib.tabular import read_table, write_xlsx

pytestmark = pytest.mark.django_db

FRENCH_HEADERS = "Code pays;Code de la localité;Nom de la localité;Code de la localité parente\n"


def french_header_line(client) -> str:
    body = client.get(reverse("import_template", args=["places", "csv"])).content
    return body.decode("utf-8-sig").splitlines()[0]


def upload(client, name: str, content: bytes) -> Job:
    response = client.post(
        reverse("import_upload", args=["places"]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.content[:500]
    job = Job.unscoped.get(uuid=response.url.rstrip("/").split("/")[-1])
    jobs.run(job.pk)
    job.refresh_from_db()
    return job


def test_templates_come_in_the_users_language(client, world):
    client.force_login(world.focal_sn)
    header = french_header_line(client)
    assert header.startswith("Code pays;")
    xlsx = client.get(reverse("import_template", args=["places", "xlsx"])).content
    assert read_table(xlsx, "t.xlsx").headers[0] == "Code pays"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert french_header_line(client).startswith("Country code;")


def test_a_windows_1252_file_with_errors_imports_nothing_and_says_why(client, world):
    client.force_login(world.focal_sn)
    header = french_header_line(client) + "\n"
    rows = "SN;SN-TH;Thiès;\nSN;SN-TH-01;Ndiaye Bopp;SN-ZZ\nXX;XX-1;Nowhere;\nSN;SN-TH;Thiès bis;\n"
    job = upload(client, "localites.csv", (header + rows).encode("cp1252"))
    assert job.state == Job.State.SUCCEEDED and not job.result["ready"]
    report = client.get(reverse("import_report", args=[job.uuid])).content.decode()
    assert "Aucun parent de code SN-ZZ" in report
    assert "Code pays XX inconnu" in report
    assert "ligne 2" in report  # the duplicate points at the first occurrence
    assert client.post(reverse("import_commit", args=[job.uuid])).status_code == 302
    assert not Place.unscoped.exists()
    csv_report = b"".join(client.get(reverse("import_report_csv", args=[job.uuid])))
    assert "SN-ZZ" in csv_report.decode("utf-8-sig")


def test_a_clean_file_imports_once_and_again_changes_nothing(client, world):
    client.force_login(world.focal_sn)
    rows = [
        ["SN", "SN", "Sénégal", ""],
        ["SN", "SN-TH", "Thiès", "SN"],
        ["SN", "SN-TH-01", "Ndiaye Bopp", "SN-TH"],
    ]
    content = write_xlsx(["Country code", "Place code", "Place name", "Parent place code"], rows)
    check = upload(client, "places.xlsx", content)
    assert check.result == {
        "rows": 3,
        "rows_with_errors": 0,
        "rows_with_warnings": 0,
        "fatal": False,
        "ready": True,
    }
    response = client.post(reverse("import_commit", args=[check.uuid]))
    commit = Job.unscoped.get(uuid=response.url.rstrip("/").split("/")[-1])
    # A double click does not start a second import.
    again = client.post(reverse("import_commit", args=[check.uuid]))
    assert again.url == response.url
    jobs.run(commit.pk)
    commit.refresh_from_db()
    assert commit.result == {"created": 3, "updated": 0, "unchanged": 0}
    village = Place.unscoped.get(code="SN-TH-01")
    assert village.parent.code == "SN-TH" and village.depth == 2
    assert village.path == f"{village.parent.path}{village.pk}/"
    # The same file again: idempotent by external identifier.
    second = upload(client, "places.xlsx", content)
    client.post(reverse("import_commit", args=[second.uuid]))
    last = Job.unscoped.filter(kind="core.import_commit").order_by("-pk").first()
    jobs.run(last.pk)
    last.refresh_from_db()
    assert last.result == {"created": 0, "updated": 0, "unchanged": 3}
    assert Place.unscoped.count() == 3


def test_a_file_missing_a_required_column_is_refused_whole(client, world):
    client.force_login(world.focal_sn)
    job = upload(client, "p.csv", b"Country code,Place name\nSN,Thies\n")
    assert not job.result["ready"]
    page = client.get(reverse("import_report", args=[job.uuid])).content.decode()
    assert "La colonne Code de la localité est absente" in page


def test_an_unreadable_file_gets_a_clear_message(client, world):
    client.force_login(world.focal_sn)
    job = upload(client, "p.xlsx", b"PK\x03\x04 not really a workbook")
    page = client.get(reverse("import_report", args=[job.uuid])).content.decode()
    assert "Excel (.xlsx) lisible" in page or "xlsx" in page.lower()
    assert not job.result["ready"]


def test_people_without_the_permission_cannot_import_places(client, world):
    client.force_login(world.cashier)
    assert client.get(reverse("import_upload", args=["places"])).status_code == 403


def test_imported_places_can_be_browsed_level_by_level(client, world):
    from mutuelle.core import actions

    sn = actions.create_place(country="SN", code="SN", name="Sénégal")
    thies = actions.create_place(country="SN", code="SN-TH", name="Thiès", parent=sn)
    actions.create_place(country="SN", code="SN-TH-01", name="Ndiaye Bopp", parent=thies)
    from mutuelle.core.models import PlaceLevel

    PlaceLevel.unscoped.create(country="SN", depth=2, name_fr="Département", name_en="Department")
    client.force_login(world.cashier)
    top = client.get(reverse("place_list")).content.decode()
    assert "Sénégal" in top and "Thiès" not in top
    page = client.get(reverse("place_list"), {"parent": thies.pk}).content.decode()
    assert "Ndiaye Bopp" in page and f'?parent={sn.pk}"' in page  # breadcrumb back up
    assert "— Département" in page  # the country's own name for that level
    assert client.get(reverse("place_list"), {"parent": "x"}).status_code == 404


def test_a_focal_point_imports_only_the_places_of_their_country(client, world):
    client.force_login(world.focal_sn)
    job = upload(client, "p.csv", b"Country code;Place code;Place name\nCM;CM;Cameroun\n")
    assert not job.result["ready"]
    page = client.get(reverse("import_report", args=[job.uuid])).content.decode()
    assert "CM" in page and not Place.unscoped.exists()


def test_looping_or_moving_parents_are_refused_at_the_check(client, world):
    from mutuelle.core import actions

    client.force_login(world.focal_sn)
    loop = b"Country code;Place code;Place name;Parent place code\nSN;A;A;B\nSN;B;B;A\nSN;C;C;C\n"
    job = upload(client, "loop.csv", loop)
    assert job.result["rows_with_errors"] == 3 and not job.result["ready"]
    sn = actions.create_place(country="SN", code="SN", name="Sénégal")
    actions.create_place(country="SN", code="SN-TH", name="Thiès", parent=sn)
    actions.create_place(country="SN", code="SN-DK", name="Dakar", parent=sn)
    move = b"Country code;Place code;Place name;Parent place code\nSN;SN-DK;Dakar;SN-TH\n"
    assert not upload(client, "move.csv", move).result["ready"]


def test_a_failed_commit_can_be_retried(client, world):
    client.force_login(world.focal_sn)
    check = upload(client, "p.csv", b"Country code;Place code;Place name\nSN;SN;Senegal\n")
    first = client.post(reverse("import_commit", args=[check.uuid])).url
    Job.unscoped.filter(kind="core.import_commit").update(state=Job.State.FAILED)
    second = client.post(reverse("import_commit", args=[check.uuid])).url
    assert first != second
