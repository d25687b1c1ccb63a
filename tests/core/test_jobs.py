"""Jobs: chunked, resumable, cancellable; the scheduler's lease; a worker killed mid-job."""

import signal
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from mutuelle.core import jobs, scheduler
from mutuelle.core.imports import actions as import_actions
from mutuelle.core.models import Job, PeriodicRun, Place
from mutuelle.lib.tabular import write_csv

from .. import processes


def places_csv(n: int) -> bytes:
    rows = [["SN", "SN", "Sénégal", ""]]
    rows += [["SN", f"SN-R{i:05d}", f"Village n°{i} — Thiès", "SN"] for i in range(1, n)]
    return write_csv(["Country code", "Place code", "Place name", "Parent place code"], rows)


def check_and_commit(actor, content: bytes, run) -> Job:
    check = import_actions.start_check(
        actor, importer="places", organization=None, filename="places.csv", content=content
    )
    run(check)
    check.refresh_from_db()
    assert check.state == Job.State.SUCCEEDED, check.error
    assert check.result["ready"], check.result
    commit = import_actions.start_commit(actor, check)
    run(commit)
    commit.refresh_from_db()
    return commit


@pytest.mark.django_db
def test_a_job_runs_in_chunks_and_reports_progress(world, settings):
    job = check_and_commit(world.focal_sn, places_csv(2500), lambda j: jobs.run(j.pk))
    assert job.state == Job.State.SUCCEEDED
    assert job.result == {"created": 2500, "updated": 0, "unchanged": 0}
    check = Job.unscoped.get(pk=job.params["check_job"])
    assert (check.done, check.total, check.percent) == (2500, 2500, 100)


@pytest.mark.django_db
def test_a_cancelled_job_stops_at_a_chunk_boundary(world):
    check = import_actions.start_check(
        world.focal_sn,
        importer="places",
        organization=None,
        filename="p.csv",
        content=places_csv(3000),
    )
    assert jobs.request_cancel(check)
    jobs.run(check.pk)
    check.refresh_from_db()
    assert check.state == Job.State.CANCELLED


@pytest.mark.django_db
def test_the_progress_bar_polls_until_the_job_ends(client, world):
    check = import_actions.start_check(
        world.focal_sn,
        importer="places",
        organization=None,
        filename="p.csv",
        content=places_csv(10),
    )
    client.force_login(world.focal_sn)
    url = reverse("job_progress", args=[check.uuid])
    assert b'hx-trigger="every 2s"' in client.get(url).content
    jobs.run(check.pk)
    assert b"hx-trigger" not in client.get(url).content
    # Another tenant's user does not even learn that the job exists.
    client.force_login(world.manager_b)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_only_the_lease_holder_schedules_and_each_slot_runs_once(world):
    calls = []
    registry = [scheduler.Periodic("test.tick", timedelta(minutes=5), lambda: calls.append(1))]
    now = datetime(2026, 11, 24, 10, 1, tzinfo=UTC)
    assert scheduler.tick("worker-a", now, registry) == ["test.tick"]
    assert scheduler.tick("worker-b", now, registry) == []  # b has no lease
    assert scheduler.tick("worker-a", now + timedelta(minutes=1), registry) == []  # same slot
    assert scheduler.tick("worker-a", now + timedelta(minutes=5), registry) == ["test.tick"]
    # a's lease expires: b takes over.
    later = now + timedelta(minutes=5, seconds=scheduler.LEASE_SECONDS + 1)
    assert scheduler.tick("worker-b", later, registry) == []  # slot 10:05 already ran
    assert scheduler.acquire_lease("worker-b", later)
    assert not scheduler.acquire_lease("worker-a", later)
    assert len(calls) == 2 and PeriodicRun.unscoped.filter(name="test.tick").count() == 2


def test_slots_are_aligned_periods():
    now = datetime(2026, 11, 24, 10, 7, 30, tzinfo=UTC)
    assert scheduler.slot_of(now, timedelta(minutes=5)) == datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    assert scheduler.slot_of(now, timedelta(days=1)) == datetime(2026, 11, 24, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_resumes_without_duplicates_or_loss(world, tmp_path):
    """Kill -9 a worker in the middle of a check, start another: the result equals an
    uninterrupted run."""
    content = places_csv(6000)
    expected = check_and_commit(world.focal_sn, content, lambda j: jobs.run(j.pk)).result
    expected_places = sorted(Place.unscoped.values_list("code", "name"))
    Place.unscoped.filter(parent__isnull=False).delete()
    Place.unscoped.all().delete()

    check = import_actions.start_check(
        world.focal_sn, importer="places", organization=None, filename="p.csv", content=content
    )
    slow = {"MUTUELLE_JOB_CHUNK_PAUSE": "0.3", "MUTUELLE_WORKER_STALE_SECONDS": "2"}
    log = tmp_path / "worker.log"
    first = processes.start("worker", "--interval", "0.2", "--no-scheduler", log=log, **slow)
    try:
        processes.wait_until(lambda: Job.unscoped.get(pk=check.pk).done >= 2000, timeout=90)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    killed = Job.unscoped.get(pk=check.pk)
    assert killed.state == Job.State.RUNNING and 0 < killed.done < 6000
    second = processes.start("worker", "--interval", "0.2", log=log, **slow)
    try:
        done = processes.wait_until(
            lambda: (j := Job.unscoped.get(pk=check.pk)).is_finished and j, timeout=120
        )
        assert done.state == Job.State.SUCCEEDED, log.read_text()[-2000:]
        assert done.attempts == 2 and done.done == 6000 and done.result["ready"]
        commit = import_actions.start_commit(world.focal_sn, done)
        finished = processes.wait_until(
            lambda: (j := Job.unscoped.get(pk=commit.pk)).is_finished and j, timeout=120
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert finished.result == expected
    assert sorted(Place.unscoped.values_list("code", "name")) == expected_places


@pytest.mark.django_db
def test_a_job_stuck_under_a_live_worker_is_resumed(world, settings):
    from django.utils import timezone

    from mutuelle.core.models import WorkerHeartbeat

    job = jobs.start("core.backup", actor=world.admin)
    WorkerHeartbeat.unscoped.create(worker_id="w-alive")
    long_ago = timezone.now() - timedelta(seconds=settings.MUTUELLE_JOB_STUCK_SECONDS + 1)
    Job.unscoped.filter(pk=job.pk).update(
        state=Job.State.RUNNING, worker_id="w-alive", heartbeat_at=long_ago
    )
    assert jobs.recover_stale_jobs() == [job.pk]
    assert Job.unscoped.get(pk=job.pk).state == Job.State.QUEUED
    # A fresh heartbeat under a live worker is left alone.
    Job.unscoped.filter(pk=job.pk).update(
        state=Job.State.RUNNING, worker_id="w-alive", heartbeat_at=timezone.now()
    )
    assert jobs.recover_stale_jobs() == []


@pytest.mark.django_db
def test_a_job_that_keeps_killing_workers_gives_up(world):
    job = jobs.start("core.backup", actor=world.admin)
    Job.unscoped.filter(pk=job.pk).update(attempts=jobs.MAX_ATTEMPTS)
    done = jobs.run(job.pk)
    assert done.state == Job.State.FAILED and "attempts" in done.error


@pytest.mark.django_db
def test_an_unknown_job_kind_fails_instead_of_hanging(world):
    job = jobs.start("core.backup", actor=world.admin)
    Job.unscoped.filter(pk=job.pk).update(kind="gone.after.downgrade")
    assert jobs.run(job.pk).state == Job.State.FAILED
