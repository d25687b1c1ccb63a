"""The import framework every import uses: a column template (FR/EN), a check that stages
and validates rows in committed chunks (a job), a row-by-row report, then an all-or-nothing
commit (another job), idempotent by external identifiers."""

from .base import IMPORTERS, Column, Importer, RowError, register

__all__ = ["IMPORTERS", "Column", "Importer", "RowError", "register"]

from . import jobs, places  # noqa: E402,F401  (register the job kinds and importers)
