"""The demo's claims: a few weeks of care at the Thiès health centre (flat-rate convention) and
the regional hospital (the union's fee-for-service convention) for members of the Keur Massar
mutual, each after an eligibility check at the desk (but not all: triage has something to
find), adjudicated by the engine, half of them closed by the claims officer. Prices are the
tariffs, some asked above them, one act outside the tariff, one claim sent twice."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from mutuelle.contributions.coverage_reads import coverage_of
from mutuelle.core.models import Organization, User
from mutuelle.members.models import Membership
from mutuelle.providers.models import TariffLine
from mutuelle.providers.queries import conventions_in_force, schedule_in_force

from . import actions, triage
from .models import CheckMethod, CheckResult, Claim, EligibilityCheck


def _tariff(provider: Organization, mutual: Organization, on: date) -> dict[str, Decimal]:
    conventions = conventions_in_force(provider.pk, mutual, on)
    schedule = schedule_in_force(conventions[0], on) if conventions else None
    if schedule is None:
        return {}
    rows = TariffLine.unscoped.filter(schedule=schedule, package=None, place=None)
    return dict(rows.values_list("act__code", "price"))


def _covered(mutual: Organization, on: date, count: int) -> list[Membership]:
    candidates = list(
        Membership.unscoped.filter(organization=mutual, status="active")
        .select_related("person")
        .order_by("pk")[: count * 3]
    )
    found = coverage_of(candidates, on)
    return [m for m in candidates if found[m.pk].covered][:count]


@transaction.atomic
def load(orgs: dict[str, Organization], today: date) -> int:
    mutual, centre, hospital = orgs["MSKM"], orgs["CSTH"], orgs["HRTH"]
    clerk = User.objects.filter(username="accueil.cs-thies").first()
    officer = User.objects.filter(username="prestations.km").first()
    rng = random.Random(2026)  # noqa: S311 — a reproducible demo, not a secret
    members = _covered(mutual, today - timedelta(days=13), 14)
    claims: list[Claim] = []
    for i, membership in enumerate(members):
        provider = centre if i % 2 == 0 else hospital
        on = today - timedelta(days=1 + (i * 3) % 12)  # within the 15 days of the centre
        tariff = _tariff(provider, mutual, on)
        if not tariff:
            continue
        if i % 5 != 4:  # most patients are checked at the desk; some are not
            EligibilityCheck.unscoped.create(
                organization=mutual,
                provider=provider,
                checked_by=clerk if provider == centre else None,
                care_date=on,
                method=CheckMethod.TYPED if i % 3 else CheckMethod.CAMERA,
                query=membership.number,
                person=membership.person,
                membership=membership,
                result=CheckResult.COVERED,
            )
        codes = sorted(tariff)
        picked = rng.sample(codes, k=min(len(codes), 1 + i % 3))
        lines = []
        for code in picked:
            price = tariff[code]
            if i % 4 == 1:
                price = (price * Decimal("1.2")).quantize(Decimal(1))  # asked above the tariff
            lines.append(actions.NewLine(code, 1 if code != "HOSP-J" else 2, price))
        if i == 6:
            lines.append(actions.NewLine("ECHO-ABD", 1, Decimal(15000)))  # not in this tariff
        visit = "inpatient" if any(x.act_code == "HOSP-J" for x in lines) else "outpatient"
        data = actions.NewClaim(
            provider=provider,
            number=membership.number,
            care_from=on,
            care_to=on + timedelta(days=2) if visit == "inpatient" else None,
            visit_type=visit,
            diagnoses="B50.9" if i % 2 == 0 else "J18.9",
            external_reference=f"{provider.code}-{today:%y%m}-{i + 1:03d}",
            lines=lines,
        )
        claims.append(actions.submit_claim(None, data))
        if i == 3:  # the same care billed again under another invoice number
            data.external_reference += "B"
            claims.append(actions.submit_claim(None, data))
    if claims:
        actions.adjudicate(None, claims)
        triage.flag_claims(None, claims)
    for claim in claims[::2]:
        claim.refresh_from_db()
        if claim.status == "adjudicated":
            actions.approve(officer, claim)
    return len(claims)
