"""Register jobs: the duplicate scan (chunked, resumable) and the daily ageing-out of
dependants (declared to the scheduler by the app)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core import jobs
from mutuelle.core.jobs import ChunkResult, JobKind, register
from mutuelle.core.scheduler import Periodic, declare

from . import actions, duplicates
from .models import Person

SCAN = "members.scan_duplicates"


@register
class ScanDuplicates(JobKind):
    """Compare every living person of a mutual with the mutual and its union; new suspect
    pairs are stored for an officer to decide. Pairs already decided are never re-opened."""

    kind = SCAN
    label = _("Look for duplicate members")

    def total(self, job):
        return Person.unscoped.filter(
            organization=job.organization, date_of_death__isnull=True, merged_into__isnull=True
        ).count()

    def run_chunk(self, job, cursor):
        after = int((cursor or {}).get("after", 0))
        found = int((cursor or {}).get("found", 0))
        last, new = duplicates.scan_chunk(job.organization, after)
        if last is None:
            return ChunkResult(cursor={"after": after, "found": found}, done=0, finished=True)
        done = Person.unscoped.filter(
            organization=job.organization,
            pk__gt=after,
            pk__lte=last,
            date_of_death__isnull=True,
            merged_into__isnull=True,
        ).count()
        return ChunkResult(cursor={"after": last, "found": found + new}, done=done)

    def finish(self, job):
        return {"found": int((job.cursor or {}).get("found", 0))}


def start_scan(actor, mutual):
    return jobs.start(SCAN, actor=actor, organization=mutual)


def _age_out() -> object:
    return actions.age_out_dependants(timezone.localdate())


def declare_periodic() -> None:
    declare(Periodic("members.age_out_dependants", timedelta(days=1), _age_out))
