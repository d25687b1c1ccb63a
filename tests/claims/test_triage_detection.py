"""Triage on a generated month: at least 80 % of the injected abusive claims are caught (sent
to review) while at most 5 % of the clean ones are flagged. The test prints both figures,
overall and per abuse pattern."""

from datetime import date

import pytest
import time_machine

from mutuelle.claims import actions
from mutuelle.claims.generate import PATTERNS, generate_month
from mutuelle.claims.models import Claim, ClaimStatus, ReviewFlag
from mutuelle.claims.triage import flag_claims
from mutuelle.providers import actions as providers

from ..conftest import make_org
from .helpers import claims_world, tariff_schedule

pytestmark = pytest.mark.django_db
MONTH = date(2026, 4, 1)


def providers_of_one_level(world, count=6):
    """Provider A and five more health centres of union A, each with its tariff."""
    found = [world.provider_a]
    for i in range(1, count):
        provider = make_org("provider", f"PC{i}", world.union_a, name=f"Centre de santé {i}")
        providers.save_profile(None, provider, "health_centre", "public")
        data = providers.ConventionData(reference=f"CONV-{i + 1}", start=date(2026, 1, 1))
        row = providers.create_convention(None, world.mutual_a, provider, data)
        tariff_schedule(world, row)
        found.append(provider)
    return found


def adjudicate_all(ids, chunk=1000):
    for start in range(0, len(ids), chunk):
        batch = list(Claim.unscoped.filter(pk__in=ids[start : start + chunk]))
        actions.adjudicate(None, batch)


def test_triage_catches_the_injected_abuse_and_spares_clean_claims(world, capsys):
    claims_world(world)
    centres = providers_of_one_level(world)
    generated = generate_month(world.mutual_a, centres, MONTH, claims=2000, seed=3)
    with time_machine.travel(date(2026, 5, 6), tick=False):
        adjudicate_all(generated.claim_ids)
        batch = list(Claim.unscoped.filter(pk__in=generated.claim_ids).order_by("pk"))
        counts = flag_claims(None, batch)
    flagged = set(
        Claim.unscoped.filter(pk__in=generated.claim_ids, status=ClaimStatus.IN_REVIEW).values_list(
            "pk", flat=True
        )
    )
    abusive = generated.abusive_ids
    clean = set(generated.claim_ids) - abusive
    recall = len(flagged & abusive) / len(abusive)
    false_positives = len(flagged & clean) / len(clean)
    with capsys.disabled():
        print(
            f"\ntriage on a generated month: {len(generated.claim_ids)} claims, "
            f"{len(abusive)} abusive, recall {recall:.1%}, "
            f"false positives {false_positives:.1%} of {len(clean)} clean"
        )
        for pattern in PATTERNS:
            ids = generated.abusive[pattern]
            if ids:
                print(f"  {pattern}: {len(flagged & ids)}/{len(ids)} caught")
        print(f"  counts: {counts}")
    assert all(generated.abusive[p] for p in PATTERNS)
    assert recall >= 0.80
    assert false_positives <= 0.05
    # Every flagged claim says why, and moved with an event.
    assert ReviewFlag.unscoped.filter(claim_id__in=flagged).values(
        "claim_id"
    ).distinct().count() == len(flagged)


def test_the_generator_is_deterministic(world):
    claims_world(world)
    centres = providers_of_one_level(world, count=3)
    first = generate_month(world.mutual_a, centres, MONTH, claims=120, seed=5)
    shape = list(
        Claim.unscoped.filter(pk__in=first.claim_ids)
        .order_by("pk")
        .values_list("provider_id", "care_from", "eligibility_checked", "visit_type")
    )
    assert len(shape) == 120
    assert {len(ids) for ids in first.abusive.values()} != {0}
