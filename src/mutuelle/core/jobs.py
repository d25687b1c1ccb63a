"""Long work as jobs: a registry of job kinds and the runner that executes them in chunks.

A job kind does its work in chunks. Each chunk runs in one transaction together with the
update of the job's cursor and progress, so after a crash the job resumes exactly where the
last committed chunk ended: no row done twice, none skipped.

    @register
    class CountPlaces(JobKind):
        kind = "core.count_places"
        def total(self, job): ...
        def run_chunk(self, job, cursor): ...   # -> ChunkResult(cursor=..., done=..., finished=...)
        def finish(self, job): ...              # -> the job's result (JSON)
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Job, WorkerHeartbeat

log = logging.getLogger("mutuelle.jobs")

JOB_KINDS: dict[str, "JobKind"] = {}
INLINE_WORKER = "inline"
MAX_ATTEMPTS = 5


@dataclass
class ChunkResult:
    cursor: Any
    done: int
    finished: bool = False


class JobKind:
    kind: ClassVar[str]
    label: ClassVar[Any] = ""  # a lazy translated label for screens

    def total(self, job: Job) -> int | None:
        return None

    def run_chunk(self, job: Job, cursor: Any) -> ChunkResult:
        raise NotImplementedError

    def finish(self, job: Job) -> Any:
        return None


def register(cls: type[JobKind]) -> type[JobKind]:
    JOB_KINDS[cls.kind] = cls()
    return cls


class JobCancelled(Exception):
    pass


def message(job: Job, code: str, **params: Any) -> None:
    """Append a message (a code with parameters; the screen translates it)."""
    job.messages = [
        *job.messages,
        {"code": code, "params": params, "at": timezone.now().isoformat()},
    ]


def start(kind: str, *, actor=None, organization=None, params: dict | None = None) -> Job:
    """Create a job and queue it. Call inside the caller's transaction: with the database task
    backend, the queue row commits (or rolls back) with the job row."""
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.unscoped.create(
        kind=kind,
        organization=organization,
        params=params or {},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    enqueue(job)
    return job


def enqueue(job: Job) -> None:
    from .tasks import run_job_task

    # For a queued job, heartbeat_at says when it was last put in the queue.
    Job.unscoped.filter(pk=job.pk, state=Job.State.QUEUED).update(heartbeat_at=timezone.now())
    run_job_task.enqueue(job.pk)


def request_cancel(job: Job) -> bool:
    """Ask a queued or running job to stop at the end of its current chunk."""
    updated = Job.unscoped.filter(
        pk=job.pk, state__in=[Job.State.QUEUED, Job.State.RUNNING]
    ).update(cancel_requested=True)
    return updated == 1


def run(job_id: int, worker_id: str = INLINE_WORKER) -> Job | None:
    """Run (or resume) a job to its end. Returns the job, or None if another worker has it."""
    now = timezone.now()
    claimed = Job.unscoped.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING,
        worker_id=worker_id,
        attempts=F("attempts") + 1,
        heartbeat_at=now,
    )
    if claimed != 1:
        return None
    Job.unscoped.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    job = Job.unscoped.get(pk=job_id)
    pause = settings.MUTUELLE_JOB_CHUNK_PAUSE
    try:
        if job.attempts > MAX_ATTEMPTS:
            # A job that keeps killing its worker (memory, a poisonous file) stops here.
            raise RuntimeError(f"gave up after {MAX_ATTEMPTS} attempts")
        handler = JOB_KINDS[job.kind]
        if job.total is None:
            total = handler.total(job)
            Job.unscoped.filter(pk=job.pk).update(total=total)
            job.total = total
        while True:
            with transaction.atomic():
                job = _lock_own(job_id, worker_id)
                if job.cancel_requested:
                    raise JobCancelled
                outcome = handler.run_chunk(job, job.cursor)
                job.cursor = outcome.cursor
                job.done += outcome.done
                job.heartbeat_at = timezone.now()
                fields = ["cursor", "done", "heartbeat_at", "messages"]
                if outcome.finished:
                    job.result = handler.finish(job)
                    job.state = Job.State.SUCCEEDED
                    job.finished_at = timezone.now()
                    fields += ["result", "state", "finished_at"]
                job.save(update_fields=fields)
            if outcome.finished:
                _tell_owner(job)
                return job
            if pause:
                time.sleep(pause)
    except JobCancelled:
        Job.unscoped.filter(pk=job_id, worker_id=worker_id).update(
            state=Job.State.CANCELLED, finished_at=timezone.now()
        )
    except _LostJob:
        log.warning("job %s was taken over by another worker", job_id)
        return None
    except Exception as exc:
        log.exception("job %s failed", job_id)
        # The failure may be the connection itself: start afresh to record it. If even that
        # fails, the job stays RUNNING and recover_stale_jobs() retries it later.
        if not transaction.get_connection().in_atomic_block:
            close_old_connections()
        Job.unscoped.filter(pk=job_id, worker_id=worker_id).update(
            state=Job.State.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
    return Job.unscoped.get(pk=job_id)


def _tell_owner(job: Job) -> None:
    """An in-app message to whoever started the job (they may have left the page)."""
    if job.created_by_id is None:
        return
    from .notifications import notify

    handler = JOB_KINDS[job.kind]
    notify(
        channel="in_app",
        template="job_finished",
        user=job.created_by,
        organization=job.organization,
        # Lazy labels: rendered in the recipient's language, not the worker's.
        context={"job_label": handler.label or job.kind, "outcome": Job.State(job.state).label},
        idempotency_key=f"job_finished:{job.uuid}",
    )


class _LostJob(Exception):
    pass


def _lock_own(job_id: int, worker_id: str) -> Job:
    # select_for_update: on PostgreSQL a recovering worker cannot re-queue this job while a
    # chunk of it is being written; on SQLite the IMMEDIATE transaction already serializes.
    job = Job.unscoped.select_for_update().get(pk=job_id)
    if job.worker_id != worker_id or job.state != Job.State.RUNNING:
        raise _LostJob
    return job


def recover_stale_jobs() -> list[int]:
    """Re-queue the running jobs of workers that stopped saying they are alive, and those
    whose own progress stopped long ago even though their worker lives (a run that died
    without being able to record its failure)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.MUTUELLE_WORKER_STALE_SECONDS)
    stuck = now - timedelta(seconds=settings.MUTUELLE_JOB_STUCK_SECONDS)
    alive = WorkerHeartbeat.unscoped.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True)
    stale = list(
        Job.unscoped.filter(state=Job.State.RUNNING)
        .exclude(worker_id=INLINE_WORKER)
        .filter(~Q(worker_id__in=list(alive)) | Q(heartbeat_at__lt=stuck))
        .values_list("pk", "worker_id")
    )
    recovered = []
    for pk, dead_worker in stale:
        with transaction.atomic():
            if (
                Job.unscoped.filter(pk=pk, state=Job.State.RUNNING, worker_id=dead_worker).update(
                    state=Job.State.QUEUED, worker_id=""
                )
                == 1
            ):
                enqueue(Job.unscoped.get(pk=pk))
                recovered.append(pk)
                log.warning("job %s resumed: worker %s is gone", pk, dead_worker)
    # A worker that died between taking the task and claiming the job leaves it queued with
    # no task: queue it again (a duplicate task is harmless, the claim is conditional).
    for job in Job.unscoped.filter(state=Job.State.QUEUED, heartbeat_at__lt=stuck):
        enqueue(job)
        recovered.append(job.pk)
    return recovered
