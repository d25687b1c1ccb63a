"""Contributions jobs: the billing run (chunked, resumable, with a progress bar) and the
monthly recognition of contributions billed in advance."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.jobs import ChunkResult, JobKind, register
from mutuelle.core.scheduler import Periodic, declare
from mutuelle.members.models import Household

from .actions import arrears, billing, subsidies
from .models import BillingRun


@register
class Bill(JobKind):
    kind = billing.BILL
    label = _("Bill the dues of a period")

    def total(self, job):
        return Household.unscoped.filter(organization=job.organization).count()

    def run_chunk(self, job, cursor):
        run = BillingRun.unscoped.select_related("organization", "rule_version").get(
            pk=job.params["run"]
        )
        after = int(cursor or 0)
        ids = list(
            Household.unscoped.filter(organization=run.organization, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[: billing.CHUNK]
        )
        if not ids:
            return ChunkResult(cursor=after, done=0, finished=True)
        billing.bill_chunk(run, ids)
        return ChunkResult(cursor=ids[-1], done=len(ids))

    def finish(self, job):
        run = BillingRun.unscoped.get(pk=job.params["run"])
        return {"households": run.households, "total": str(run.total)}


def _recognise() -> object:
    return billing.recognise_revenue(timezone.localdate())


def _recognise_subsidies() -> object:
    return subsidies.recognise_subsidy_revenue(timezone.localdate())


def _suspend() -> object:
    return arrears.suspend_for_arrears(timezone.localdate())


def declare_periodic() -> None:
    declare(Periodic("contributions.recognise_revenue", timedelta(days=1), _recognise))
    declare(Periodic("contributions.suspend_for_arrears", timedelta(days=1), _suspend))
    declare(Periodic("contributions.recognise_subsidies", timedelta(days=1), _recognise_subsidies))
