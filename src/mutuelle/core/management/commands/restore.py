"""`mutuelle restore FILE [--yes]`: replace the database by a backup.

A safety backup of the current database is taken first (into MUTUELLE_BACKUP_DIR), so a
restore of the wrong file can itself be undone. Stop the web server and workers before."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mutuelle.core.backups import BackupError, backup, restore


class Command(BaseCommand):
    help = "Replace the database by a backup (a safety backup is taken first)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .sqlite3 or .pgdump backup file.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, **options):
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("refusing to restore without --yes (no terminal to ask)")
            answer = input(f"Replace the whole database by {path}? Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled")
        try:
            # Not rotated: pruning could delete the very backup being restored.
            safety = backup(rotate=False)
            self.stdout.write(f"safety backup of the current database: {safety}")
            restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {path}")
