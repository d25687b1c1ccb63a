"""`mutuelle serve`: the production web server (gunicorn + whitenoise)."""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Mutuelle with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("MUTUELLE_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2))
        )
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, **options):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        argv = [
            str(gunicorn),
            "mutuelle.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        self.stdout.write(f"Mutuelle on http://{options['bind']}/")
        os.execv(argv[0], argv)  # noqa: S606  (become gunicorn: signals reach it directly)
