"""`mutuelle worker`: run background jobs; the worker holding the lease also schedules.

Start as many as you like, on as many machines as share the database."""

import os
import secrets
import signal
import socket
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from mutuelle.core import jobs, scheduler, tasks
from mutuelle.core.models import WorkerHeartbeat


class Command(BaseCommand):
    help = "Run background jobs (and the scheduler, when this worker holds the lease)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument("--no-scheduler", action="store_true", help="Never schedule.")
        parser.add_argument("--batch", action="store_true", help="Run queued work, then exit.")

    def handle(self, *args, **options):
        worker_id = f"{socket.gethostname()[:30]}-{os.getpid()}-{secrets.token_hex(3)}"
        tasks.CURRENT_WORKER["id"] = worker_id
        WorkerHeartbeat.unscoped.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname(),
                "pid": os.getpid(),
                "seen_at": timezone.now(),
            },
        )
        recovered = jobs.recover_stale_jobs()
        if recovered:
            self.stdout.write(f"resumed jobs of dead workers: {recovered}")
        stop = threading.Event()
        every = max(0.5, min(5.0, settings.MUTUELLE_WORKER_STALE_SECONDS / 4))
        # Two threads: a slow periodic action (an SMS gateway timing out) must never delay
        # the heartbeat, or other workers would think this one dead and take its jobs.
        threads = [threading.Thread(target=self._every, args=(every, stop, self._beat, worker_id))]
        if not options["no_scheduler"]:
            threads.append(
                threading.Thread(target=self._every, args=(every, stop, scheduler.tick, worker_id))
            )
        for thread in threads:
            thread.daemon = True
            thread.start()
        self.stdout.write(f"worker {worker_id} started")
        worker = Worker(
            queue_names=["default"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
            scheduler.release_lease(worker_id)
            WorkerHeartbeat.unscoped.filter(worker_id=worker_id).delete()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)

    @staticmethod
    def _beat(worker_id: str) -> None:
        WorkerHeartbeat.unscoped.filter(worker_id=worker_id).update(seen_at=timezone.now())

    def _every(self, seconds: float, stop: threading.Event, action, worker_id: str) -> None:
        """Run `action(worker_id)` every few seconds on this thread's own connection."""
        try:
            while not stop.wait(seconds):
                close_old_connections()
                try:
                    action(worker_id)
                except Exception as exc:  # the database may be briefly busy or away
                    self.stderr.write(f"{getattr(action, '__name__', action)}: {exc}")
        finally:
            connection.close()
