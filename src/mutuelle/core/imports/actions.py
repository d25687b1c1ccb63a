from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import audit, jobs
from ..models import ImportFile, Job, Organization
from ..permissions import require
from .base import IMPORTERS
from .jobs import CHECK, COMMIT


@transaction.atomic
def start_check(
    actor, *, importer: str, organization: Organization | None, filename: str, content: bytes
) -> Job:
    """Upload a file and start its dry run; nothing is imported yet."""
    if importer not in IMPORTERS:
        raise PermissionDenied
    require(actor, IMPORTERS[importer].perm, organization)
    job = Job.unscoped.create(
        kind=CHECK,
        organization=organization,
        params={"importer": importer, "filename": filename},
        created_by=actor,
    )
    ImportFile.unscoped.create(job=job, filename=filename, content=content, size=len(content))
    jobs.enqueue(job)
    audit.record(actor, "import.checked", job, organization=organization, importer=importer)
    return job


@transaction.atomic
def start_commit(actor, check: Job, *, warnings_read: bool = False) -> Job:
    """Apply a clean dry run, once. A second request returns the first commit job. A dry run
    with warnings (duplicate suspects...) is applied only by someone who says they read them."""
    require(actor, IMPORTERS[check.params["importer"]].perm, check.organization)
    locked = Job.unscoped.select_for_update().get(pk=check.pk)
    existing = (
        Job.unscoped.filter(kind=COMMIT, params__check_job=locked.pk)
        .exclude(state__in=[Job.State.FAILED, Job.State.CANCELLED])
        .first()
    )
    if existing:
        return existing
    if locked.created_by_id != getattr(actor, "pk", None):
        # Another person commits: their scope must cover the rows as the checker's did.
        raise ValidationError(_("Only the person who checked the file can import it."))
    if locked.state != Job.State.SUCCEEDED or not (locked.result or {}).get("ready"):
        raise ValidationError(_("Only a check without errors can be imported."))
    if (locked.result or {}).get("rows_with_warnings") and not warnings_read:
        raise ValidationError(_("Confirm that you have read the warnings before importing."))
    commit = jobs.start(
        COMMIT, actor=actor, organization=locked.organization, params={"check_job": locked.pk}
    )
    audit.record(
        actor,
        "import.committed",
        commit,
        organization=locked.organization,
        importer=locked.params["importer"],
    )
    return commit
