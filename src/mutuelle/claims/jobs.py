"""Batch adjudication (and review triage) as a background job: the claims of an imported
invoice file, or every submitted claim of a mutual. Chunks of claims are decided set-based
(claims.actions.adjudicate: one transaction per chunk, households locked); a crash resumes
after the last committed chunk, and a claim already adjudicated is never decided twice (only
submitted claims are picked)."""

from django.utils.translation import gettext_lazy as _

from mutuelle.core.jobs import ChunkResult, JobKind, register

from .models import Claim, ClaimStatus

ADJUDICATE = "claims.adjudicate"
CHUNK = 500


def _selection(job):
    qs = Claim.unscoped.filter(status=ClaimStatus.SUBMITTED)
    if "claims" in job.params:
        return qs.filter(pk__in=job.params["claims"])
    return qs.filter(organization=job.organization)


@register
class Adjudicate(JobKind):
    kind = ADJUDICATE
    label = _("Adjudicate submitted claims")

    def total(self, job):
        return _selection(job).count()

    def run_chunk(self, job, cursor):
        from .actions import adjudicate
        from .triage import flag_claims

        after = int(cursor or 0)
        chunk = list(
            _selection(job)
            .filter(pk__gt=after)
            .select_related("organization")
            .order_by("pk")[:CHUNK]
        )
        if not chunk:
            return ChunkResult(cursor=after, done=0, finished=True)
        adjudicate(None, chunk)
        flag_claims(None, chunk)  # the adviser's queue is fed as claims are decided
        return ChunkResult(cursor=chunk[-1].pk, done=len(chunk), finished=len(chunk) < CHUNK)
