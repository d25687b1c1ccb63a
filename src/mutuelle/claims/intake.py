"""A claim typed on a screen is decided by the system at once: stored and submitted, then
adjudicated and triaged in the same transaction, so that whoever typed it reads the outcome
right away and never decides it themselves (adjudication and triage run as the system)."""

from django.db import transaction

from . import actions, triage
from .models import Claim, ClaimStatus


@transaction.atomic
def submit_and_decide(user, data: actions.NewClaim, corrects: Claim | None = None) -> Claim:
    """Submit (or, with `corrects`, replace that claim by) a claim, then decide it."""
    if corrects is not None:
        claim = actions.correct_claim(user, corrects, data)
    else:
        claim = actions.submit_claim(user, data)
    if claim.status == ClaimStatus.SUBMITTED:  # not a draft, not a retry of a decided one
        actions.adjudicate(None, [claim])
        triage.flag_claims(None, [claim])
    return claim
