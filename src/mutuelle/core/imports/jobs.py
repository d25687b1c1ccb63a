"""The two jobs of an import: the check (stage, then validate in chunks) and the commit."""

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from mutuelle.lib.tabular import TableError, TableStream, iter_table

from .. import bulk
from ..jobs import ChunkResult, JobKind, message, register
from ..models import ImportFile, ImportRow, Job
from .base import IMPORTERS, Importer, StagedRow

log = logging.getLogger("mutuelle.imports")

CHECK = "core.import_check"
COMMIT = "core.import_commit"
STAGE_BATCH = 5000
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "cp1252": "Windows-1252 (Excel)",
    "latin-1": "ISO-8859-1",
    "xlsx": "Excel .xlsx",
}


@dataclass
class _OpenFile:
    """A file being read by a streaming check, kept between chunks of the same run; `line` is
    the last line handed out, compared with the job's cursor before each chunk (a resumed or
    retried job opens the file again)."""

    table: TableStream
    mapping: dict[int, str]
    line: int = 1
    exhausted: bool = False
    state: dict = field(default_factory=dict)

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, raw values by column key) of the next non-blank rows."""
        mapping = self.mapping
        for cells in self.table.rows:
            self.line += 1
            raw = {key: (cells[idx] if idx < len(cells) else "") for idx, key in mapping.items()}
            if any(raw.values()):
                yield self.line, raw
        self.exhausted = True


def _fatal(job: Job, exc: TableError) -> ChunkResult:
    message(job, exc.code, **exc.params)
    job.result = {
        "rows": 0,
        "rows_with_errors": 0,
        "rows_with_warnings": 0,
        "fatal": True,
        "ready": False,
    }
    return ChunkResult(cursor=job.cursor or 0, done=0, finished=True)


STAGED_COLUMNS = ("job_id", "line", "key", "values", "errors", "warnings")


def _staged(job: Job, checked: StagedRow) -> tuple:
    """A checked row as plain values (JSON as text): staging writes no model instance."""
    return (
        job.pk,
        checked.line,
        checked.key[:200],
        json.dumps({"raw": checked.raw, "clean": checked.values}, cls=DjangoJSONEncoder),
        json.dumps([e.as_json() for e in checked.errors]),
        json.dumps([w.as_json() for w in checked.warnings]),
    )


def _row(job: Job, checked: StagedRow) -> ImportRow:
    return ImportRow(
        job=job,
        line=checked.line,
        key=checked.key[:200],
        values={"raw": checked.raw, "clean": checked.values},
        errors=[e.as_json() for e in checked.errors],
        warnings=[w.as_json() for w in checked.warnings],
    )


@register
class ImportCheck(JobKind):
    """Cursor: None before staging; then the last line validated (a streaming importer's
    cursor is {"line": last line read, "encoding": ...})."""

    kind = CHECK
    label = _("Import check")
    chunk_size = 1000

    def __init__(self) -> None:
        self._open: dict[int, _OpenFile] = {}

    def total(self, job: Job) -> int | None:
        return None  # known once the file is staged

    def run_chunk(self, job: Job, cursor) -> ChunkResult:
        importer = IMPORTERS[job.params["importer"]]
        if importer.streaming:
            return self._stream_chunk(job, importer, cursor)
        if cursor is None:
            return self._stage(job, importer)
        staged = list(
            ImportRow.unscoped.filter(job=job, line__gt=cursor).order_by("line")[: self.chunk_size]
        )
        if not staged:
            return ChunkResult(cursor=cursor, done=0, finished=True)
        rows = [StagedRow(line=r.line, raw=r.values, key=r.key) for r in staged]
        for row in rows:
            importer.check_basics(row)
        importer.check(rows, job)
        by_line = {r.line: r for r in rows}
        for r in staged:
            checked = by_line[r.line]
            r.values = {"raw": r.values, "clean": checked.values}
            r.errors = [e.as_json() for e in checked.errors]
            r.warnings = [w.as_json() for w in checked.warnings]
        ImportRow.unscoped.bulk_update(staged, ["values", "errors", "warnings"])
        last = staged[-1].line
        more = ImportRow.unscoped.filter(job=job, line__gt=last).exists()
        return ChunkResult(cursor=last, done=len(staged), finished=not more)

    def _stage(self, job: Job, importer: Importer) -> ChunkResult:
        """Read the file and stage every row (one transaction: all staged or none)."""
        upload = ImportFile.unscoped.get(job=job)
        try:
            table = iter_table(bytes(upload.content), upload.filename)
            mapping, missing = importer.header_map(table.headers)
            if missing:
                for err in missing:
                    message(job, "missing_column", column=err.column)
                return ChunkResult(cursor=0, done=0, finished=True)
            ImportRow.unscoped.filter(job=job).delete()  # a resumed staging starts clean
            opened = _OpenFile(table, mapping)
            batch: list[ImportRow] = []
            count = 0
            for line, raw in opened.records():
                batch.append(ImportRow(job=job, line=line, values=raw, key=importer.key(raw)))
                if len(batch) >= STAGE_BATCH:
                    bulk.insert(batch)
                    count, batch = count + len(batch), []
            bulk.insert(batch)
            count += len(batch)
        except TableError as exc:
            return _fatal(job, exc)
        message(
            job,
            "table.read",
            rows=opened.line - 1,
            encoding=ENCODING_NAMES.get(table.encoding, table.encoding),
        )
        Job.unscoped.filter(pk=job.pk).update(total=count)
        job.total = count
        return ChunkResult(cursor=0, done=0, finished=not count)

    def _stream_chunk(self, job: Job, importer: Importer, cursor) -> ChunkResult:
        """Read, check and stage the next rows of the file."""
        line = cursor["line"] if cursor else 1
        opened = self._open.get(job.pk)
        try:
            if opened is None or opened.line != line:
                self._open.pop(job.pk, None)
                upload = ImportFile.unscoped.get(job=job)
                table = iter_table(bytes(upload.content), upload.filename)
                mapping, missing = importer.header_map(table.headers)
                if missing:
                    for err in missing:
                        message(job, "missing_column", column=err.column)
                    return ChunkResult(cursor={"line": 1}, done=0, finished=True)
                opened = _OpenFile(table, mapping)
                if cursor is None:
                    ImportRow.unscoped.filter(job=job).delete()
                    Job.unscoped.filter(pk=job.pk).update(total=table.estimated_rows)
                    job.total = table.estimated_rows
                else:  # resumed: skip what is staged, rebuild what later rows compare with
                    while opened.line < line and next(opened.table.rows, None) is not None:
                        opened.line += 1
                    checked = (
                        ImportRow.unscoped.filter(job=job, line__lte=line)
                        .order_by("line")
                        .values_list("line", "values__clean")
                        .iterator(chunk_size=STAGE_BATCH)
                    )
                    importer.replay(job, opened.state, checked)
                self._open[job.pk] = opened
            rows = []
            for number, raw in opened.records():
                rows.append(StagedRow(line=number, raw=raw, key=importer.key(raw)))
                if len(rows) >= importer.chunk_size:
                    break
        except TableError as exc:
            self._open.pop(job.pk, None)
            return _fatal(job, exc)
        if rows:
            for row in rows:
                importer.check_basics(row)
            importer.check_stream(rows, job, opened.state)
            bulk.copy_rows(ImportRow, STAGED_COLUMNS, (_staged(job, r) for r in rows))
        if not opened.exhausted:
            # One row ahead: a file that ends exactly at a chunk's end finishes now.
            opened.exhausted = self._at_end(opened)
        finished = opened.exhausted
        if finished:
            self._open.pop(job.pk, None)
            total = ImportRow.unscoped.filter(job=job).count()
            message(
                job,
                "table.read",
                rows=total,
                encoding=ENCODING_NAMES.get(opened.table.encoding, opened.table.encoding),
            )
        return ChunkResult(cursor={"line": opened.line}, done=len(rows), finished=finished)

    @staticmethod
    def _at_end(opened: _OpenFile) -> bool:
        """Peek at the next row without consuming it."""
        peeked = next(opened.table.rows, None)
        if peeked is None:
            return True
        rest = opened.table.rows

        def again():
            yield peeked
            yield from rest

        opened.table.rows = again()
        return False

    def finish(self, job: Job):
        if job.result and job.result.get("fatal"):
            return job.result  # the file could not be read at all
        IMPORTERS[job.params["importer"]].check_all(job)
        counts = ImportRow.unscoped.filter(job=job).aggregate(
            rows=Count("pk"),
            errors=Count("pk", filter=~Q(errors=[])),
            warnings=Count("pk", filter=~Q(warnings=[])),
        )
        fatal = any(m["code"] == "missing_column" for m in job.messages)
        return {
            "rows": counts["rows"],
            "rows_with_errors": counts["errors"],
            "rows_with_warnings": counts["warnings"],
            "fatal": fatal,
            "ready": counts["rows"] > 0 and counts["errors"] == 0 and not fatal,
        }


@register
class ImportCommit(JobKind):
    """One chunk, one transaction: every row is applied or none is."""

    kind = COMMIT
    label = _("Import")

    def total(self, job: Job) -> int | None:
        return ImportRow.unscoped.filter(job_id=job.params["check_job"]).count()

    def run_chunk(self, job: Job, cursor) -> ChunkResult:
        check = Job.unscoped.get(pk=job.params["check_job"])
        importer = IMPORTERS[check.params["importer"]]
        rows = (
            ImportRow.unscoped.filter(job=check)
            .order_by(*importer.apply_order)
            .values_list("values__clean", flat=True)
        )
        with transaction.atomic():
            if importer.streaming:
                counter = _Counter(rows.iterator(chunk_size=STAGE_BATCH))
                counts = importer.apply(counter, check)
                applied = counter.count
            else:
                values = list(rows)
                counts = importer.apply(values, check)
                applied = len(values)
        log.info("import %s applied: %s", check.pk, counts)
        job.result = counts
        return ChunkResult(cursor=applied, done=applied, finished=True)

    def finish(self, job: Job):
        return job.result


class _Counter:
    def __init__(self, values) -> None:
        self.values = values
        self.count = 0

    def __iter__(self):
        for value in self.values:
            self.count += 1
            yield value
