"""Two adjudications at once for one household never exceed a ceiling (PostgreSQL, real row
locks, one connection per thread): the second waits for the first's household lock and then
sees what the first consumed."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from mutuelle.benefits.models import PackageVersion
from mutuelle.claims import actions
from mutuelle.claims.models import Claim
from mutuelle.members.models import Membership

from ..accounting.test_concurrency import run_together
from .helpers import claims_world

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
CEILING = Decimal(20000)


def test_two_adjudications_of_one_household_share_its_ceiling(world):
    with time_machine.travel(date(2026, 5, 10), tick=False):
        home, version = claims_world(world)
        PackageVersion.unscoped.filter(pk=version.pk).update(ceiling_person=CEILING)
        number = Membership.unscoped.get(person=home.head).number
        claims = []
        for i in range(4):
            data = actions.NewClaim(
                provider=world.provider_a,
                number=number,
                care_from=date(2026, 5, 1 + i),
                lines=[actions.NewLine("HOSP-J", 4, "5000")],  # 70 % of 20,000 = 14,000
            )
            claims.append(actions.submit_claim(world.clerk, data))

        def adjudicate(i: int) -> None:
            with time_machine.travel(date(2026, 5, 10), tick=False):
                actions.adjudicate(None, [Claim.unscoped.get(pk=claims[i].pk)])

        assert run_together(adjudicate, len(claims)) == []
    paid = [c.covered for c in Claim.unscoped.filter(pk__in=[c.pk for c in claims])]
    assert sum(paid) == CEILING  # 14,000 + 6,000 + 0 + 0, in whichever order they ran
    assert sorted(paid) == [0, 0, Decimal(6000), Decimal(14000)]
