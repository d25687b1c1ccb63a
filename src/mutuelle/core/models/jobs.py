import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A long piece of work: state, progress, messages, result, and the cursor it resumes from.

    The job row, not the task queue, is the truth: a task only says "run job X". Work is done
    in chunks, each committed together with the new cursor, so a killed worker loses at most
    the chunk in flight and a resumed job neither repeats nor skips a row."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = (State.SUCCEEDED, State.FAILED, State.CANCELLED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "core.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=64)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    cursor = models.JSONField(null=True, blank=True)
    messages = models.JSONField(default=list, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "worker_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED

    @property
    def label(self):
        """The job kind's translated label (the code when the kind is unknown)."""
        from mutuelle.core.jobs import JOB_KINDS  # the registry imports the models

        kind = JOB_KINDS.get(self.kind)
        return (kind.label if kind else "") or self.kind

    @property
    def percent(self) -> int:
        if self.state == self.State.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))


class ImportRow(models.Model):
    """A staged row of an import: parsed values and its errors, written chunk by chunk during
    the check, applied all together (or not at all) at commit."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="import_rows")
    line = models.PositiveIntegerField()  # as the user sees it in the file (header = 1)
    key = models.CharField(max_length=200, blank=True)  # the row's external identifier
    values = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    # Warnings do not block the import (duplicate suspects, rows left as they are): the report
    # lists them and whoever imports confirms having read them.
    warnings = models.JSONField(default=list)

    unscoped = models.Manager()

    class Meta:
        ordering = ["job", "line"]
        constraints = [
            models.UniqueConstraint(fields=["job", "line"], name="import_row_unique_line")
        ]
        indexes = [models.Index(fields=["job", "key"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line}"


class WorkerHeartbeat(models.Model):
    """Each worker process says it is alive every few seconds; a silent one is presumed dead."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    unscoped = models.Manager()

    def __str__(self) -> str:
        return self.worker_id


class SchedulerLease(models.Model):
    """A single row: the worker holding it (until `expires_at`) is the one scheduler.

    A lease taken by a conditional UPDATE works the same on SQLite and PostgreSQL."""

    name = models.CharField(max_length=32, unique=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or '-'}"


class PeriodicRun(models.Model):
    """One row per periodic job per due slot: the unique constraint makes enqueueing the same
    slot twice impossible, even with two schedulers by mistake."""

    name = models.CharField(max_length=64)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(default=timezone.now)
    job = models.ForeignKey(Job, null=True, on_delete=models.SET_NULL, related_name="+")

    unscoped = models.Manager()

    class Meta:
        ordering = ["-slot"]
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="periodic_run_unique_slot")
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.slot:%Y-%m-%d %H:%M}"


class ImportFile(models.Model):
    """The uploaded file of an import, kept in the database: a worker on another machine than
    the web server must read it, and a resumed check must read the same bytes."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="import_file")
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    size = models.PositiveIntegerField()

    unscoped = models.Manager()

    def __str__(self) -> str:
        return self.filename
