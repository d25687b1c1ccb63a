"""The two jobs of an import: the check (stage, then validate in chunks) and the commit."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mutuelle.lib.tabular import TableError, read_table

from ..jobs import ChunkResult, JobKind, message, register
from ..models import ImportFile, ImportRow, Job
from .base import IMPORTERS, StagedRow

CHECK = "core.import_check"
COMMIT = "core.import_commit"
STAGE_BATCH = 2000
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "cp1252": "Windows-1252 (Excel)",
    "latin-1": "ISO-8859-1",
    "xlsx": "Excel .xlsx",
}


@register
class ImportCheck(JobKind):
    """Cursor: None before staging; then the last line validated."""

    kind = CHECK
    label = _("Import check")
    chunk_size = 1000

    def total(self, job: Job) -> int | None:
        return None  # known once the file is staged

    def run_chunk(self, job: Job, cursor) -> ChunkResult:
        importer = IMPORTERS[job.params["importer"]]
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
        ImportRow.unscoped.bulk_update(staged, ["values", "errors"])
        last = staged[-1].line
        more = ImportRow.unscoped.filter(job=job, line__gt=last).exists()
        return ChunkResult(cursor=last, done=len(staged), finished=not more)

    def _stage(self, job: Job, importer) -> ChunkResult:
        """Read the file and stage every row (one transaction: all staged or none)."""
        upload = ImportFile.unscoped.get(job=job)
        try:
            table = read_table(bytes(upload.content), upload.filename)
        except TableError as exc:
            message(job, exc.code, **exc.params)
            job.result = {"rows": 0, "rows_with_errors": 0, "fatal": True, "ready": False}
            return ChunkResult(cursor=0, done=0, finished=True)
        mapping, missing = importer.header_map(table.headers)
        if missing:
            for err in missing:
                message(job, "missing_column", column=err.column)
            return ChunkResult(cursor=0, done=0, finished=True)
        message(
            job,
            "table.read",
            rows=len(table.rows),
            encoding=ENCODING_NAMES.get(table.encoding, table.encoding),
        )
        ImportRow.unscoped.filter(job=job).delete()  # a resumed staging starts clean
        batch = []
        for i, cells in enumerate(table.rows):
            raw = {key: (cells[idx] if idx < len(cells) else "") for idx, key in mapping.items()}
            if not any(raw.values()):
                continue
            batch.append(ImportRow(job=job, line=i + 2, values=raw, key=importer.key(raw)))
        for start in range(0, len(batch), STAGE_BATCH):
            ImportRow.unscoped.bulk_create(batch[start : start + STAGE_BATCH])
        Job.unscoped.filter(pk=job.pk).update(total=len(batch))
        job.total = len(batch)
        return ChunkResult(cursor=0, done=0, finished=not batch)

    def finish(self, job: Job):
        if job.result and job.result.get("fatal"):
            return job.result  # the file could not be read at all
        IMPORTERS[job.params["importer"]].check_all(job)
        rows = ImportRow.unscoped.filter(job=job)
        total = rows.count()
        with_errors = rows.exclude(errors=[]).count()
        fatal = any(m["code"] == "missing_column" for m in job.messages)
        return {
            "rows": total,
            "rows_with_errors": with_errors,
            "fatal": fatal,
            "ready": total > 0 and with_errors == 0 and not fatal,
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
        values = [
            r["clean"]
            for r in ImportRow.unscoped.filter(job=check)
            .order_by("line")
            .values_list("values", flat=True)
        ]
        with transaction.atomic():
            counts = importer.apply(values, check)
        job.result = counts
        return ChunkResult(cursor=len(values), done=len(values), finished=True)

    def finish(self, job: Job):
        return job.result
