"""Real row locks (PostgreSQL): clerks and claims officers asking for letters and referrals at
the same moment take consecutive numbers of the mutual's series, without a gap or a double."""

from datetime import date

import pytest
import time_machine
from django.db import connection, transaction

from mutuelle.claims.actions import letters as actions
from mutuelle.claims.models import GuaranteeLetter, Referral
from mutuelle.members.models import Membership

from ..accounting.test_concurrency import run_together
from .helpers import claims_world

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
ASKERS = 4
EACH = 6


def test_concurrent_requests_keep_letter_and_referral_numbers_gapless(world):
    from tests.conftest import make_org

    assert connection.vendor == "postgresql"
    with time_machine.travel(date(2026, 5, 6), tick=False), transaction.atomic():
        home, _version = claims_world(world)
    number = Membership.unscoped.get(person=home.head).number
    hospital = make_org("provider", "HRT", world.union_a, name="Hôpital régional")
    askers = [world.clerk, world.claims]

    def ask(i: int) -> None:
        actor = askers[i % 2]
        for _n in range(EACH):
            data = actions.NewLetter(world.provider_a, number, date(2026, 5, 4))
            actions.request_letter(actor, data)
            actions.create_referral(
                actor, actions.NewReferral(world.provider_a, hospital, number, date(2026, 5, 4))
            )

    with time_machine.travel(date(2026, 5, 6), tick=True):
        assert run_together(ask, ASKERS) == []
    total = ASKERS * EACH
    letters = sorted(GuaranteeLetter.unscoped.values_list("number", flat=True))
    assert letters == [f"LG-MA-2026-{n:06d}" for n in range(1, total + 1)]
    referrals = sorted(Referral.unscoped.values_list("number", flat=True))
    assert referrals == [f"REF-MA-2026-{n:06d}" for n in range(1, total + 1)]
