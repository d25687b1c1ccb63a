"""Every eligibility check is logged, whatever it answered (triage reads the log: "no
eligibility check on the day of care")."""

from datetime import date

from mutuelle.core.models import Organization

from ..eligibility import Answer
from ..models import EligibilityCheck

QUERY_LENGTH = EligibilityCheck._meta.get_field("query").max_length or 200


def record_check(
    user,
    answer: Answer,
    *,
    query: str,
    method: str,
    care_date: date,
    provider: Organization | None,
) -> EligibilityCheck:
    """Log one check. One INSERT, no transaction of its own: a check changes nothing else."""
    membership = answer.membership if answer.shows_member else None
    return EligibilityCheck.unscoped.create(
        organization_id=membership.organization_id if membership else None,
        provider=provider,
        checked_by=user,
        care_date=care_date,
        method=method,
        query=query.strip()[:QUERY_LENGTH],
        person_id=membership.person_id if membership else None,
        membership=membership,
        result=answer.result,
        reason=answer.reason,
        params={k: str(v) for k, v in answer.params.items()},
    )
