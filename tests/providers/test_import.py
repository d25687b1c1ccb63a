"""Importing a tariff schedule: a Windows-1252 CSV with French headers, an XLSX, per-row
errors, idempotent apply, refused without a draft schedule."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mutuelle.core import jobs
from mutuelle.core.imports import actions as import_actions
from mutuelle.core.models import Job
from mutuelle.lib.tabular import write_xlsx
from mutuelle.providers import actions
from mutuelle.providers.imports import start_tariff_import
from mutuelle.providers.models import TariffLine

from .helpers import act, adopted_package, convention, places

pytestmark = pytest.mark.django_db
D = Decimal


def run(job: Job) -> Job:
    jobs.run(job.pk)
    job.refresh_from_db()
    return job


def check(world, schedule, name, content) -> Job:
    return run(start_tariff_import(world.manager, schedule, name, content))


def commit(world, checked: Job) -> Job:
    return run(import_actions.start_commit(world.manager, checked))


def errors(job: Job) -> list[tuple[int, str]]:
    from mutuelle.core.models import ImportRow

    return [
        (r.line, e["code"])
        for r in ImportRow.unscoped.filter(job=job).order_by("line")
        for e in r.errors
    ]


def test_a_windows_1252_csv_with_french_headers(world):
    *_, area, village, elsewhere = places()
    adopted_package(world)
    conv = convention(world)
    draft = actions.new_schedule(world.manager, conv)
    header = "Act code;Package code;Place code;Price"
    rows = (
        "CONS-INF;;;1 500\n"
        "cons-inf;;sn-thiès-1;1000\n"  # in the catchment area ("aire de santé")
        "CONS-INF;BASE;SN-THIÈS-1;800\n"
        "CPN;;;2 000\n"
    )
    body = (header + "\n" + rows).encode("cp1252")
    assert b"\xc8" in body  # È in Windows-1252
    checked = check(world, draft, "tarifs-santé.csv", body)
    assert checked.result["ready"], (checked.result, errors(checked))
    done = commit(world, checked)
    assert done.result == {"created": 4, "updated": 0, "unchanged": 0}
    prices = {
        (x.act.code, x.package.code if x.package else None, x.place_id): x.price
        for x in TariffLine.unscoped.filter(schedule=draft).select_related("act", "package")
    }
    assert prices == {
        ("CONS-INF", None, None): D(1500),
        ("CONS-INF", None, area.pk): D(1000),
        ("CONS-INF", "BASE", area.pk): D(800),
        ("CPN", None, None): D(2000),
    }
    # The same file again changes nothing; a new price updates the line.
    again = commit(world, check(world, draft, "tarifs.csv", body))
    assert again.result == {"created": 0, "updated": 0, "unchanged": 4}
    changed = (header + "\nCPN;;;2500\n").encode("cp1252")
    assert commit(world, check(world, draft, "t.csv", changed)).result["updated"] == 1
    assert TariffLine.unscoped.filter(schedule=draft).count() == 4
    assert village and elsewhere


def test_row_errors_are_reported_and_nothing_is_written(world):
    places()
    adopted_package(world)
    conv = convention(world)
    draft = actions.new_schedule(world.manager, conv)
    body = (
        "Act code;Package code;Place code;Price\n"
        "CONS-INF;;;1500\n"
        "NOPE;;;100\n"
        "CPN;GOLD;;100\n"
        "CPN;;CM-X;100\n"
        "NFS;;;cent francs\n"
        "GLY;;;-5\n"
        "GE;;;12,50\n"
        "cons-inf;;;1600\n"
        "WIDAL;;;\n"
    ).encode("utf-8-sig")
    checked = check(world, draft, "tarifs.csv", body)
    assert not checked.result["ready"]
    assert errors(checked) == [
        (3, "tariff_unknown_act"),
        (4, "tariff_unknown_package"),
        (5, "tariff_unknown_place"),
        (6, "tariff_bad_price"),
        (7, "tariff_negative_price"),
        (8, "tariff_price_decimals"),  # XOF has no decimals
        (9, "tariff_duplicate_row"),
        (10, "required"),
    ]
    with pytest.raises(ValidationError):
        import_actions.start_commit(world.manager, checked)
    assert not TariffLine.unscoped.exists()


def test_an_xlsx_file(world):
    conv = convention(world)
    draft = actions.new_schedule(world.manager, conv)
    body = write_xlsx(["Act code", "Price"], [["GE", 1200], ["NFS", "3 000"]])
    done = commit(world, check(world, draft, "tarifs.xlsx", body))
    assert done.result["created"] == 2


def test_only_into_a_draft(world):
    conv = convention(world)
    draft = actions.new_schedule(world.manager, conv)
    actions.add_line(world.manager, draft, act("GE"), D(1))
    adopted = actions.adopt_schedule(world.manager, draft, conv.start)
    with pytest.raises(ValidationError):
        start_tariff_import(world.manager, adopted, "t.csv", b"Act code;Price\nGE;5\n")
    # Uploaded from the general import page: no schedule, every row refused.
    job = run(
        import_actions.start_check(
            world.manager,
            importer="tariffs",
            organization=world.mutual_a,
            filename="t.csv",
            content=b"Act code;Price\nGE;5\n",
        )
    )
    assert errors(job) == [(2, "tariff_needs_a_schedule")]
