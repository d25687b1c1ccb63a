"""Task entry points (django-tasks). Tasks carry ids only; the rows hold the truth."""

from django_tasks import task

from . import jobs

# Set by the `worker` command so that jobs record which worker runs them.
CURRENT_WORKER = {"id": jobs.INLINE_WORKER}


@task()
def run_job_task(job_id: int) -> None:
    jobs.run(job_id, worker_id=CURRENT_WORKER["id"])
