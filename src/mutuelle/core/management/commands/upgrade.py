"""`mutuelle upgrade`: after installing a new version, back up, migrate, collect static files.

The backup comes first so that a migration that goes wrong can be undone with
`mutuelle restore`. A brand-new database (no tables yet) has nothing to back up."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from mutuelle.core.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up, apply database migrations, then collect static files."

    def handle(self, *args, **options):
        if connection.introspection.table_names():
            try:
                path = backup()
            except BackupError as exc:
                raise CommandError(f"backup failed, nothing changed: {exc}") from exc
            self.stdout.write(f"1. backup written: {path}")
        else:
            self.stdout.write("1. new database: nothing to back up")
        self.stdout.write("2. applying migrations")
        call_command("migrate", interactive=False, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("3. collecting static files")
        call_command(
            "collectstatic", interactive=False, verbosity=0, stdout=self.stdout, stderr=self.stderr
        )
        self.stdout.write("upgrade done")
