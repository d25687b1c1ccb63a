"""`mutuelle backup [--to DIR]`: back the database up into a folder (default
MUTUELLE_BACKUP_DIR), keeping the newest MUTUELLE_BACKUP_KEEP backups there."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mutuelle.core.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back the database up into a folder (a disk, a USB stick)."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help="Folder to write to (default: the backup dir).")

    def handle(self, *args, **options):
        try:
            path = backup(options["to"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
