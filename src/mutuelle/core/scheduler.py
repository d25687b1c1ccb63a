"""Periodic jobs: declared in one registry, enqueued by the one worker holding the lease.

Every worker runs `tick()` every few seconds; only the holder of the database lease enqueues.
A periodic run is recorded per due slot under a unique constraint, so a slot is enqueued once
even if two schedulers ever overlapped."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import jobs
from .models import PeriodicRun, SchedulerLease

log = logging.getLogger("mutuelle.scheduler")

LEASE_NAME = "scheduler"
LEASE_SECONDS = 30


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    action: Callable[[], object]


def _backup() -> object:
    return jobs.start("core.backup")


def _prune_tasks() -> object:
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=14)
    PeriodicRun.unscoped.filter(slot__lt=cutoff).delete()
    return DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()


def _send_notifications() -> object:
    from .notifications import send_pending

    return send_pending()


PERIODIC: list[Periodic] = [
    Periodic("core.recover_stale_jobs", timedelta(seconds=30), jobs.recover_stale_jobs),
    Periodic("core.send_notifications", timedelta(minutes=5), _send_notifications),
    Periodic("core.backup", timedelta(days=1), _backup),
    Periodic("core.prune_task_results", timedelta(days=1), _prune_tasks),
]


def declare(periodic: Periodic) -> None:
    """Add an app's periodic job to the registry (from its AppConfig.ready: core imports no
    app, so the apps above it declare their own)."""
    if all(p.name != periodic.name for p in PERIODIC):
        PERIODIC.append(periodic)


def slot_of(now: datetime, every: timedelta) -> datetime:
    """The start of the period containing `now` (periods counted from the Unix epoch, UTC)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    n = (now - epoch) // every
    return epoch + n * every


def acquire_lease(holder: str, now: datetime | None = None) -> bool:
    """Take or renew the scheduler lease; True when `holder` has it."""
    now = now or timezone.now()
    SchedulerLease.unscoped.get_or_create(name=LEASE_NAME)
    taken = SchedulerLease.unscoped.filter(
        Q(holder=holder) | Q(expires_at__lt=now) | Q(holder=""), name=LEASE_NAME
    ).update(holder=holder, expires_at=now + timedelta(seconds=LEASE_SECONDS))
    return taken == 1


def release_lease(holder: str) -> None:
    SchedulerLease.unscoped.filter(name=LEASE_NAME, holder=holder).update(holder="")


def tick(
    holder: str, now: datetime | None = None, registry: list[Periodic] | None = None
) -> list[str]:
    """Enqueue what is due; returns the names enqueued (none unless `holder` holds the lease)."""
    now = now or timezone.now()
    if not acquire_lease(holder, now):
        return []
    ran = []
    for periodic in registry if registry is not None else PERIODIC:
        slot = slot_of(now, periodic.every)
        try:
            # Claim the slot in a short transaction of its own, then act outside it: an action
            # may talk to the outside world (SMS gateways) and must not hold a database lock
            # (SQLite's write lock, PostgreSQL's row) while it does.
            with transaction.atomic():
                run = PeriodicRun.unscoped.create(name=periodic.name, slot=slot)
        except IntegrityError:
            continue  # this slot was already enqueued
        try:
            outcome = periodic.action()
            if isinstance(outcome, jobs.Job):
                PeriodicRun.unscoped.filter(pk=run.pk).update(job=outcome)
        except Exception:
            log.exception("periodic job %s failed", periodic.name)
            continue
        ran.append(periodic.name)
    return ran
