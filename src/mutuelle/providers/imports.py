"""Import a tariff schedule from a spreadsheet (CSV or XLSX) into a DRAFT schedule of a
convention: act code, package code (optional), place code (optional), price. A line with the
same act, package and place gets the file's price; repeating the file changes nothing.

The target schedule travels in the check job's parameters (`start_tariff_import`); a file
uploaded from the general import page, without a schedule, is refused row by row."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mutuelle.accounting.rules import has_more_decimals, parse_amount
from mutuelle.benefits.queries import catalogue_for, packages_for
from mutuelle.core.imports import actions as import_actions
from mutuelle.core.imports.base import (
    ROW_REASONS,
    Column,
    Importer,
    StagedRow,
    first_lines,
    register,
)
from mutuelle.core.models import Job, Place
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.lib.money import exponent

from . import actions
from .models import ScheduleStatus, TariffSchedule

SLUG = "tariffs"

ROW_REASONS.update(
    {
        "tariff_needs_a_schedule": _(
            "Start a tariff import from the page of a draft tariff schedule."
        ),
        "tariff_schedule_adopted": _("The schedule was adopted: import into a new draft."),
        "tariff_unknown_act": _("No act with code %(value)s in the catalogue of %(party)s."),
        "tariff_unknown_package": _("No package %(value)s accepted by this convention."),
        "tariff_unknown_place": _("No place with code %(value)s in this country."),
        "tariff_bad_price": _("%(value)s is not a price (write 1500 or 1 500)."),
        "tariff_negative_price": _("A price is never negative."),
        "tariff_price_decimals": _("%(value)s has more decimals than the currency allows."),
        "tariff_duplicate_row": _(
            "The same act, package and place already appear on line %(line)s."
        ),
    }
)


def schedule_of(job) -> TariffSchedule | None:
    uuid = (job.params or {}).get("schedule")
    if not uuid:
        return None
    return TariffSchedule.unscoped.select_related("convention__party").filter(uuid=uuid).first()


@register
class TariffImporter(Importer):
    slug = SLUG
    label = _("Tariff schedule")
    perm = Perm.MANAGE_CONVENTIONS
    columns = [
        Column("act", _("Act code"), required=True, max_length=32, example="CONS-INF"),
        Column("package", _("Package code"), max_length=16, example=""),
        Column("place", _("Place code"), max_length=32, example=""),
        Column("price", _("Price"), required=True, max_length=24, example="1500"),
    ]

    def key(self, raw):
        return "|".join(raw.get(k, "").strip().upper() for k in ("act", "package", "place"))

    def check(self, rows: list[StagedRow], job) -> None:
        schedule = schedule_of(job)
        if schedule is None:
            for row in rows:
                row.error("act", "tariff_needs_a_schedule")
            return
        convention = schedule.convention
        party = convention.party
        if schedule.status != ScheduleStatus.DRAFT:
            for row in rows:
                row.error("act", "tariff_schedule_adopted")
            return
        wanted = {k: {r.raw.get(k, "").strip().upper() for r in rows} - {""} for k in self.keys}
        acts = dict(catalogue_for(party).filter(code__in=wanted["act"]).values_list("code", "pk"))
        offered = convention.packages.all() if convention.packages.exists() else None
        package_qs = offered if offered is not None else packages_for(party)
        packages = dict(package_qs.filter(code__in=wanted["package"]).values_list("code", "pk"))
        typed = {r.raw.get("place", "").strip() for r in rows} - {""}
        places = dict(
            Place.unscoped.filter(
                country=party.country, code__in=typed | wanted["place"]
            ).values_list("code", "pk")
        )
        places_exact = {code.upper(): pk for code, pk in places.items()}
        first_line = first_lines(job, [r.key for r in rows])
        decimals = exponent(party.currency)
        for row in rows:
            raw = row.raw
            values: dict = {}
            code = raw.get("act", "").strip().upper()
            if code:
                if code in acts:
                    values["act"] = acts[code]
                else:
                    row.error("act", "tariff_unknown_act", value=code, party=party.name)
            package = raw.get("package", "").strip().upper()
            values["package"] = None
            if package:
                if package in packages:
                    values["package"] = packages[package]
                else:
                    row.error("package", "tariff_unknown_package", value=package)
            place = raw.get("place", "").strip().upper()
            values["place"] = None
            if place:
                if place in places_exact:
                    values["place"] = places_exact[place]
                else:
                    row.error("place", "tariff_unknown_place", value=raw.get("place", ""))
            text = raw.get("price", "")
            if text:
                price = parse_amount(text)
                if price is None or abs(price) >= Decimal("1e16"):
                    row.error("price", "tariff_bad_price", value=text)
                elif price < 0:
                    row.error("price", "tariff_negative_price")
                elif has_more_decimals(price, decimals):
                    row.error("price", "tariff_price_decimals", value=text)
                else:
                    values["price"] = str(price)
            if first_line.get(row.key, row.line) < row.line:
                row.error("act", "tariff_duplicate_row", line=first_line[row.key])
            row.values = values

    keys = ("act", "package", "place")

    def apply(self, values, job) -> dict[str, int]:
        schedule = schedule_of(job)
        assert schedule is not None  # the check refused every row without one
        lines = [(v["act"], v["package"], v["place"], Decimal(v["price"])) for v in values]
        added, changed = actions.put_lines(
            job.created_by, schedule, lines, source=job.params.get("filename", "")
        )
        return {"created": added, "updated": changed, "unchanged": len(lines) - added - changed}


@transaction.atomic
def start_tariff_import(actor, schedule: TariffSchedule, filename: str, content: bytes) -> Job:
    """Upload a tariff file for a draft schedule and start its check (nothing is written to
    the schedule until the check is committed)."""
    party = schedule.convention.party
    require(actor, Perm.MANAGE_CONVENTIONS, party)
    if schedule.status != ScheduleStatus.DRAFT:
        raise actions.reason_error("schedule.in_force")
    job = import_actions.start_check(
        actor, importer=SLUG, organization=party, filename=filename, content=content
    )
    job.params = {**job.params, "schedule": str(schedule.uuid)}
    job.save(update_fields=["params"])
    return job
