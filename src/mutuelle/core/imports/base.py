import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..roles import Perm

IMPORTERS: dict[str, "Importer"] = {}

# Reason codes of row errors, translated at the edge.
ROW_REASONS = {
    "required": _("A value is required."),
    "unknown_country": _("Unknown country code %(value)s."),
    "bad_integer": _("Expected a whole number, found %(value)s."),
    "duplicate_in_file": _("The same identifier already appears on line %(line)s."),
    "unknown_parent": _("No parent with code %(value)s, neither in the database nor in the file."),
    "parent_country": _("The parent %(value)s is in another country."),
    "depth_mismatch": _("Level %(value)s does not follow its parent's level %(parent)s."),
    "too_long": _("At most %(max)s characters."),
    "import_needs_a_mutual": _("Choose the mutual these households join."),
    "bad_choice": _("%(value)s is not one of the accepted values."),
    "bad_date": _("%(value)s is not a date (write 14/07/2012 or 2012-07-14)."),
    "birth_missing": _("Give the date of birth or at least the year."),
    "person_birth_in_future": _("The date of birth is in the future."),
    "person_birth_too_old": _("The year of birth is more than 120 years ago."),
    "unknown_village": _("No village with code %(value)s in this mutual's country."),
    "household_no_head": _("Household %(value)s has no head."),
    "household_several_heads": _("Household %(value)s has more than one head."),
    "country_not_in_scope": _("You may not import places of country %(value)s."),
    "parent_cycle": _("The chain of parents loops back on itself (through %(value)s)."),
    "parent_changed": _("This place exists under parent %(value)s; an import does not move it."),
    "missing_column": _("Column %(column)s is missing from the file."),
    # Warnings: shown in the report, they do not block the import.
    "person_duplicate_in_register": _(
        "Looks like %(name)s, already a member of this mutual (number %(number)s)."
    ),
    "person_duplicate_in_union": _(
        "A similar person is a member of %(mutual)s: check with them before importing."
    ),
    "person_duplicate_in_file": _("Looks like %(name)s on line %(line)s of this file."),
    "household_already_imported": _(
        "Household %(value)s was already imported: its rows will be left as they are."
    ),
}

TABLE_REASONS = {
    "table.read": _("%(rows)s rows read (file encoding: %(encoding)s)."),
    "table.no_header": _("The file has no header line."),
    "table.bad_csv": _("The file is not a readable CSV file (%(detail)s)."),
    "table.bad_xlsx": _("The file is not a readable Excel (.xlsx) file (%(detail)s)."),
    "table.too_large": _("The file is larger than %(limit_mb)s MB."),
    "table.empty": _("The file is empty."),
    "table.unknown_format": _("%(filename)s is neither a CSV nor an XLSX file."),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translated label; the template's header in each language
    required: bool = False
    max_length: int = 200
    example: str = ""


@dataclass
class RowError:
    column: str
    code: str
    params: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"column": self.column, "code": self.code, "params": self.params}


@dataclass
class StagedRow:
    """One row during the check: raw text values by column key, then clean values and errors."""

    line: int
    raw: dict[str, str]
    key: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    def error(self, column: str, code: str, **params) -> None:
        self.errors.append(RowError(column, code, params))

    def warn(self, column: str, code: str, **params) -> None:
        """Something the importer should look at; the row can still be imported."""
        self.warnings.append(RowError(column, code, params))


def fold(text: str) -> str:
    """Header matching ignores case, accents, spaces and punctuation."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


class Importer:
    """Subclass, declare columns, implement `check` and `apply`, then @register."""

    slug: ClassVar[str]
    label: ClassVar[Any]
    perm: ClassVar[str] = Perm.RUN_IMPORTS
    columns: ClassVar[list[Column]]
    # Large files: a streaming importer reads, checks and stages the file in one pass, chunk by
    # chunk in file order, so `check_stream` sees the rows before the chunk only through its
    # `state` (rebuilt by `replay` when a killed check resumes); `apply` then receives an
    # iterator in `apply_order`. Others stage the whole file first, then check it in chunks.
    streaming: ClassVar[bool] = False
    chunk_size: ClassVar[int] = 1000
    apply_order: ClassVar[tuple[str, ...]] = ("line",)

    def header_map(self, headers: list[str]) -> tuple[dict[int, str], list[RowError]]:
        """Which file column holds which key; errors for missing required columns."""
        names: dict[str, str] = {}
        for col in self.columns:
            names[fold(col.key)] = col.key
            for lang in ("fr", "en"):
                with translation.override(lang):
                    names[fold(str(col.label))] = col.key
        mapping = {i: names[fold(h)] for i, h in enumerate(headers) if fold(h) in names}
        present = set(mapping.values())
        missing = [
            RowError(c.key, "missing_column", {"column": c.key})
            for c in self.columns
            if c.required and c.key not in present
        ]
        return mapping, missing

    def template_headers(self, language: str) -> list[str]:
        with translation.override(language):
            return [str(c.label) for c in self.columns]

    def template_example(self) -> list[str]:
        return [c.example for c in self.columns]

    def key(self, raw: dict[str, str]) -> str:
        """The row's external identifier (idempotency and duplicate detection)."""
        return ""

    def check_basics(self, row: StagedRow) -> None:
        for col in self.columns:
            value = row.raw.get(col.key, "")
            if col.required and not value:
                row.error(col.key, "required")
            elif len(value) > col.max_length:
                row.error(col.key, "too_long", max=col.max_length)

    def check(self, rows: list[StagedRow], job) -> None:
        """Fill `values` and `errors` for a chunk of rows. Set-based: one query per chunk."""
        raise NotImplementedError

    def check_stream(self, rows: list[StagedRow], job, state: dict) -> None:
        """A streaming importer's check of the next chunk; `state` carries what earlier chunks
        left for later ones (kept in memory between chunks, rebuilt by `replay`)."""
        self.check(rows, job)

    def replay(self, job, state: dict, checked: Iterator[tuple[int, dict[str, Any]]]) -> None:
        """Rebuild `state` from the (line, clean values) already checked, in file order."""

    def check_all(self, job) -> None:
        """Checks that need the whole file (after every chunk passed `check`); optional."""

    def apply(self, values: Iterable[dict[str, Any]], job) -> dict[str, int]:
        """Write all checked rows (called once, inside one transaction). Return counts.
        A list, or for a streaming importer an iterator (read it once)."""
        raise NotImplementedError


def first_lines(job, keys: Iterable[str]) -> dict[str, int]:
    """The first line of this file that stages each key (one query per chunk): a later line
    with the same key repeats it."""
    from ..models import ImportRow

    found: dict[str, int] = {}
    rows = ImportRow.unscoped.filter(job=job, key__in=set(keys)).order_by("line")
    for key, line in rows.values_list("key", "line"):
        found.setdefault(key, line)
    return found


def register(cls: type[Importer]) -> type[Importer]:
    IMPORTERS[cls.slug] = cls()
    return cls
