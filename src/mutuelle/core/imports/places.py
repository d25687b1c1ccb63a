"""Import the places tree (regions, districts, communes, villages) of a country."""

from django.utils.translation import gettext_lazy as _

from mutuelle.lib.countries import COUNTRIES

from ..models import Place
from ..roles import Perm
from ..scoping import countries_with
from .base import Column, Importer, StagedRow, first_lines, register


@register
class PlacesImporter(Importer):
    slug = "places"
    label = _("Places (regions, districts, communes, villages)")
    perm = Perm.MANAGE_PLACES
    columns = [
        Column("country", _("Country code"), required=True, max_length=2, example="SN"),
        Column("code", _("Place code"), required=True, max_length=32, example="SN-TH-01"),
        Column("name", _("Place name"), required=True, max_length=120, example="Thiès"),
        Column("parent_code", _("Parent place code"), max_length=32, example="SN"),
    ]

    def key(self, raw):
        return f"{raw.get('country', '').upper()}:{raw.get('code', '')}"

    def check(self, rows: list[StagedRow], job) -> None:

        parent_keys = {
            f"{r.raw.get('country', '').upper()}:{r.raw['parent_code']}"
            for r in rows
            if r.raw.get("parent_code")
        }
        in_db = {
            f"{c}:{code}": c
            for c, code in Place.unscoped.filter(
                code__in=[k.split(":", 1)[1] for k in parent_keys]
            ).values_list("country", "code")
        }
        # Existing places of this chunk, with their current parent: importing does not move
        # a place under another parent (that would rewrite a whole subtree silently).
        current_parent = {
            f"{c}:{code}": parent or ""
            for c, code, parent in Place.unscoped.filter(
                code__in=[r.raw.get("code", "") for r in rows]
            ).values_list("country", "code", "parent__code")
        }
        allowed = countries_with(job.created_by, Perm.MANAGE_PLACES) if job.created_by else None
        # Identifiers staged in this file: first line of each (one query per chunk).
        first_line = first_lines(job, parent_keys | {r.key for r in rows})
        for row in rows:
            country = row.raw.get("country", "").upper()
            if country and country not in COUNTRIES:
                row.error("country", "unknown_country", value=country)
            elif country and allowed is not None and country not in allowed:
                row.error("country", "country_not_in_scope", value=country)
            if first_line.get(row.key, row.line) < row.line:
                row.error("code", "duplicate_in_file", line=first_line[row.key])
            parent = row.raw.get("parent_code", "")
            if parent and parent == row.raw.get("code"):
                row.error("parent_code", "parent_cycle", value=parent)
            if row.key in current_parent and current_parent[row.key] != parent:
                row.error("parent_code", "parent_changed", value=current_parent[row.key] or "—")
            if parent:
                pkey = f"{country}:{parent}"
                if pkey not in in_db and pkey not in first_line:
                    row.error("parent_code", "unknown_parent", value=parent)
            row.values = {
                "country": country,
                "code": row.raw.get("code", ""),
                "name": row.raw.get("name", ""),
                "parent_code": parent,
            }

    def check_all(self, job) -> None:
        """Whole-file check: parent chains that loop (A under B, B under A) never reach the
        top, so they could never be created."""
        from ..models import ImportRow

        rows = list(ImportRow.unscoped.filter(job=job).only("pk", "key", "values", "errors"))
        parent_of = {}
        for r in rows:
            clean = r.values.get("clean") or {}
            if clean.get("parent_code"):
                parent_of[r.key] = f"{clean['country']}:{clean['parent_code']}"
        looping = []
        for r in rows:
            seen, key = set(), r.key
            while key in parent_of and key not in seen:
                seen.add(key)
                key = parent_of[key]
            if key in seen and not r.errors:
                r.errors = [
                    {
                        "column": "parent_code",
                        "code": "parent_cycle",
                        "params": {"value": parent_of[r.key].split(":", 1)[1]},
                    }
                ]
                looping.append(r)
        ImportRow.unscoped.bulk_update(looping, ["errors"])

    def apply(self, values, job) -> dict[str, int]:
        """Create missing places parents first, rename existing ones; paths set in bulk."""
        countries = {v["country"] for v in values}
        existing = {(p.country, p.code): p for p in Place.unscoped.filter(country__in=countries)}
        created = updated = unchanged = 0
        pending = list(values)
        while pending:
            ready, waiting = [], []
            for v in pending:
                parent = (
                    existing.get((v["country"], v["parent_code"])) if v["parent_code"] else None
                )
                if v["parent_code"] and parent is None:
                    waiting.append(v)
                else:
                    ready.append((v, parent))
            if not ready:
                raise ValueError("places import: parent cycle")  # the check prevents this
            new, changed = [], []
            for v, parent in ready:
                place = existing.get((v["country"], v["code"]))
                if place is None:
                    place = Place(
                        country=v["country"],
                        code=v["code"],
                        name=v["name"],
                        parent=parent,
                        depth=parent.depth + 1 if parent else 0,
                    )
                    new.append(place)
                elif place.name != v["name"]:
                    place.name = v["name"]
                    changed.append(place)
                else:
                    unchanged += 1
            Place.unscoped.bulk_create(new)
            if new and new[0].pk is None:  # backends that do not return ids
                ids = dict(
                    Place.unscoped.filter(
                        country__in=countries, code__in=[p.code for p in new]
                    ).values_list("code", "pk")
                )
                for p in new:
                    p.pk = ids[p.code]
            for p in new:
                p.path = f"{p.parent.path if p.parent else '/'}{p.pk}/"
                existing[(p.country, p.code)] = p
            Place.unscoped.bulk_update(new, ["path"])
            Place.unscoped.bulk_update(changed, ["name"])
            created += len(new)
            updated += len(changed)
            pending = waiting
        return {"created": created, "updated": updated, "unchanged": unchanged}
