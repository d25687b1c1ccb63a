"""A large register import survives a worker killed with SIGKILL in the middle of its apply:
the resumed import writes exactly what an uninterrupted one writes."""

import csv
import io
import signal

import pytest
from django.db.models import Count

from mutuelle.core import jobs
from mutuelle.core.imports import actions as import_actions
from mutuelle.core.models import Job
from mutuelle.members.generate import REGISTER_HEADERS, register_rows
from mutuelle.members.models import Household, Membership, Person, PersonKey, StatusEvent

from .. import processes

HOUSEHOLDS = 2200  # about 11,000 persons: the apply writes several batches


def register_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(REGISTER_HEADERS)
    writer.writerows(register_rows(HOUSEHOLDS, seed=3))
    return out.getvalue().encode("utf-8")


def checked(actor, mutual, content: bytes) -> Job:
    check = import_actions.start_check(
        actor, importer="households", organization=mutual, filename="r.csv", content=content
    )
    jobs.run(check.pk)
    check.refresh_from_db()
    assert check.state == Job.State.SUCCEEDED and check.result["ready"], check.result
    return check


def written(mutual) -> dict[str, int]:
    numbers = Membership.unscoped.filter(organization=mutual)
    return {
        "households": Household.unscoped.filter(organization=mutual).count(),
        "heads": Household.unscoped.filter(organization=mutual, head__isnull=False).count(),
        "persons": Person.unscoped.filter(organization=mutual).count(),
        "memberships": numbers.count(),
        "distinct_numbers": numbers.values("number").distinct().count(),
        "events": StatusEvent.unscoped.filter(membership__organization=mutual).count(),
        "keys": PersonKey.unscoped.filter(organization=mutual).count(),
        "duplicated_refs": Household.unscoped.filter(organization=mutual)
        .values("external_ref")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
    }


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_apply_resumes_to_the_same_register(world, tmp_path, settings):
    settings.MUTUELLE_WORKER_STALE_SECONDS = 2  # as the workers below are told
    content = register_csv()
    # The uninterrupted run, in the other tenant's mutual (another union: no cross warnings).
    reference = checked(world.manager_b, world.mutual_b, content)
    commit = import_actions.start_commit(world.manager_b, reference, warnings_read=True)
    jobs.run(commit.pk)
    commit.refresh_from_db()
    expected, expected_result = written(world.mutual_b), commit.result
    assert expected["households"] == HOUSEHOLDS and expected["duplicated_refs"] == 0
    assert expected["persons"] == expected["memberships"] == expected["distinct_numbers"]

    check = checked(world.enrolment, world.mutual_a, content)
    commit = import_actions.start_commit(world.enrolment, check, warnings_read=True)
    # Each batch of households pauses, so that the kill lands between two batches.
    slow = {"MUTUELLE_JOB_CHUNK_PAUSE": "1.5", "MUTUELLE_WORKER_STALE_SECONDS": "2"}
    log = tmp_path / "worker.log"
    first = processes.start("worker", "--interval", "0.2", "--no-scheduler", log=log, **slow)
    try:
        processes.wait_until(lambda: "households written" in log.read_text(), timeout=90)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    killed = Job.unscoped.get(pk=commit.pk)
    assert killed.state == Job.State.RUNNING and killed.attempts == 1
    # The apply is one transaction: nothing of the killed attempt is left.
    assert written(world.mutual_a)["persons"] == 0

    # Once the dead worker's heartbeat is stale, its job goes back to the queue.
    assert processes.wait_until(jobs.recover_stale_jobs, timeout=30) == [commit.pk]
    second = processes.start("worker", "--interval", "0.2", "--no-scheduler", log=log, **slow)
    try:
        done = processes.wait_until(
            lambda: (j := Job.unscoped.get(pk=commit.pk)).is_finished and j, timeout=120
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert done.state == Job.State.SUCCEEDED, log.read_text()[-2000:]
    assert done.attempts == 2
    assert done.result == expected_result
    assert written(world.mutual_a) == expected
