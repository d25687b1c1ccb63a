"""Triage against the database: the statistics of the window, the facts of a batch (checks,
repeated acts, split billing), flags written in bulk with their events, clean claims left
alone or approved on request, reruns harmless."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mutuelle.accounting.models import Entry
from mutuelle.claims import actions
from mutuelle.claims import triage_rules as tr
from mutuelle.claims.models import ClaimEvent, EligibilityCheck, ReviewFlag
from mutuelle.claims.triage import explain, facts_of, flag_claims, statistics
from mutuelle.core.models import AuditEvent
from mutuelle.members.models import Membership

from ..conftest import make_org
from .helpers import claims_world, convention, tariff_schedule

pytestmark = pytest.mark.django_db
CARE = date(2026, 5, 4)
QUIET = tr.Thresholds(sample_rate=Decimal(0))


@pytest.fixture(autouse=True)
def two_days_after_the_care():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def submit(world, home, lines, provider=None, care=CARE, person=None, **extra):
    membership = Membership.unscoped.get(person=person or home.head)
    data = actions.NewClaim(
        provider=provider or world.provider_a,
        number=membership.number,
        lines=[actions.NewLine(*x) for x in lines],
        care_from=care,
        **extra,
    )
    claim = actions.submit_claim(None, data)
    actions.adjudicate(None, [claim])
    claim.refresh_from_db()
    return claim


def check(world, home, on=CARE):
    membership = Membership.unscoped.get(person=home.head)
    EligibilityCheck.unscoped.create(
        organization=world.mutual_a,
        provider=world.provider_a,
        care_date=on,
        method="typed",
        query=membership.number,
        person=home.head,
        membership=membership,
        result="covered",
    )


def test_a_clean_claim_stays_adjudicated_and_a_flagged_one_goes_to_review(world):
    home, _version = claims_world(world)
    check(world, home)
    clean = submit(world, home, [("CONS-MG", 1, "2000")])
    assert clean.eligibility_checked
    spouse = home.persons.exclude(pk=home.head_id).first()
    unchecked = submit(world, home, [("CONS-MG", 1, "2000")], person=spouse)
    counts = flag_claims(world.claims, [clean, unchecked], thresholds=QUIET)
    assert (counts["checked"], counts["flagged"], counts["clean"]) == (2, 1, 1)
    assert counts[tr.NO_ELIGIBILITY_CHECK] == 1
    clean.refresh_from_db()
    unchecked.refresh_from_db()
    assert (clean.status, unchecked.status) == ("adjudicated", "in_review")
    [flag] = ReviewFlag.unscoped.filter(claim=unchecked)
    assert flag.code == tr.NO_ELIGIBILITY_CHECK and flag.outcome == "open"
    assert flag.params == {"never_checked": "True"}  # the spouse was never checked
    event = ClaimEvent.unscoped.filter(claim=unchecked).latest("pk")
    assert (event.from_status, event.to_status, event.actor) == (
        "adjudicated",
        "in_review",
        world.claims,
    )
    assert event.data["flags"] == [tr.NO_ELIGIBILITY_CHECK]
    assert AuditEvent.unscoped.filter(action="claim.triaged").count() == 1
    # A rerun finds nothing more to do: the flagged claim is in review, the clean one stays.
    again = flag_claims(world.claims, [clean, unchecked], thresholds=QUIET)
    assert (again["checked"], again["flagged"]) == (1, 0)
    assert ReviewFlag.unscoped.count() == 1


def test_clean_claims_are_approved_only_when_asked(world):
    home, _version = claims_world(world)
    check(world, home)
    claim = submit(world, home, [("CONS-MG", 1, "2000")])
    counts = flag_claims(world.claims, [claim], auto_approve=True, thresholds=QUIET)
    assert (counts["clean"], counts["approved"]) == (1, 1)
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert Entry.unscoped.filter(organization=world.mutual_a, journal__code="PR").count() == 1


def test_a_claim_paying_nothing_is_not_flagged(world):
    home, _version = claims_world(world)
    claim = submit(world, home, [("NFS", 1, "3000")])  # laboratory: in no package line
    assert claim.covered == 0 and not claim.eligibility_checked
    counts = flag_claims(None, [claim], auto_approve=True, thresholds=QUIET)
    assert (counts["flagged"], counts["rejected"]) == (0, 1)


def test_repeated_acts_and_split_billing_are_found_across_claims(world):
    home, _version = claims_world(world)
    other = make_org("provider", "PX", world.union_a, name="Poste de santé X")
    providers_row = convention(world, provider=other, party=world.union_a)
    tariff_schedule(world, providers_row)
    check(world, home, CARE)
    first = submit(world, home, [("CONS-MG", 1, "2000")])
    split = submit(world, home, [("CONS-INF", 1, "1000")], care=date(2026, 5, 5))
    elsewhere = submit(world, home, [("CONS-MG", 1, "2000")], provider=other, care=date(2026, 5, 2))
    facts = facts_of([first, split, elsewhere], QUIET)
    assert facts[first.pk].split_with == 1 and facts[split.pk].split_with == 1
    assert facts[first.pk].repeated == (("CONS-MG", 1),)
    assert facts[elsewhere.pk].repeated == (("CONS-MG", 1),)
    assert facts[split.pk].repeated == ()  # CONS-INF was not claimed elsewhere
    assert facts[elsewhere.pk].split_with == 0
    flag_claims(world.claims, [first, split, elsewhere], thresholds=QUIET)
    codes = set(ReviewFlag.unscoped.filter(claim=first).values_list("code", flat=True))
    assert codes == {tr.REPEATED_ACROSS_PROVIDERS, tr.SPLIT_BILLING}


def test_statistics_of_the_window(world):
    home, _version = claims_world(world)
    submit(world, home, [("CONS-MG", 1, "2000"), ("HOSP-J", 3, "5000")])
    stats = statistics(world.mutual_a, QUIET)
    assert stats.acts["HOSP-J"] == tr.ActStats(count=1, median=3, p95=3)
    mine = stats.providers[world.provider_a.pk]
    assert (mine.claims, mine.acts_per_visit) == (1, 4)
    assert stats.peers == {}  # one provider: no peers


def test_triage_needs_the_claims_officer(world):
    home, _version = claims_world(world)
    claim = submit(world, home, [("CONS-MG", 1, "2000")])
    with pytest.raises(ValidationError):
        flag_claims(world.adviser, [claim])
    with pytest.raises(ValidationError):
        flag_claims(world.clerk, [claim])


def test_every_flag_reads_as_a_sentence():
    from django.utils import translation

    params = {
        tr.HIGH_AMOUNT: {"amount": "150000", "threshold": "100000"},
        tr.QUANTITY_OUTLIER: {"code": "HOSP-J", "quantity": "30", "usual": "4", "limit": "8"},
        tr.PROVIDER_DRIFT: {
            "measure": "acts_per_visit",
            "provider": "4.2",
            "peers": "1.3",
            "claim": "5",
        },
        tr.NO_ELIGIBILITY_CHECK: {"never_checked": "True"},
        tr.REPEATED_ACROSS_PROVIDERS: {"code": "CONS-MG", "providers": "2", "days": "7"},
        tr.SPLIT_BILLING: {"claims": "2", "days": "2"},
        tr.RANDOM_SAMPLE: {"rate": "0.01"},
    }
    assert set(params) == set(tr.CODES)
    for code, values in params.items():
        text = explain(code, values)
        assert code not in text and "%(" not in text
    with translation.override("en"):
        assert explain(tr.RANDOM_SAMPLE, {"rate": "0.01"}) == "Drawn in the random sample (1 %)."
        assert "acts per visit" in explain(tr.PROVIDER_DRIFT, params[tr.PROVIDER_DRIFT])
        assert "never checked" in explain(tr.NO_ELIGIBILITY_CHECK, {"never_checked": "True"})


def test_the_window_statistics_are_kept_until_the_window_may_have_moved(world, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from mutuelle.claims import triage

    calls = []
    real = triage.statistics
    monkeypatch.setattr(triage, "statistics", lambda *a: calls.append(a) or real(*a))
    monkeypatch.setattr(triage, "_KEPT", {})  # this test's own
    home, _version = claims_world(world)
    for day in (4, 5, 6):
        submit(world, home, [("CONS-MG", 1, "2000")], care=date(2026, 5, day))
    now = timezone.now()
    first = triage.kept_statistics(world.mutual_a, QUIET, now, 1)
    assert len(calls) == 1 and sum(p.claims for p in first.providers.values()) == 3
    # A batch small beside the window: the same statistics...
    monkeypatch.setattr(triage, "REFRESH_SHARE", Decimal("0.5"))
    assert triage.kept_statistics(world.mutual_a, QUIET, now, 0) is first
    # ...but not once the claims triaged since reach the share, nor after REFRESH_AGE.
    triage.kept_statistics(world.mutual_a, QUIET, now, 2)
    assert len(calls) == 2
    triage.kept_statistics(world.mutual_a, QUIET, now + triage.REFRESH_AGE + timedelta(1), 0)
    assert len(calls) == 3
