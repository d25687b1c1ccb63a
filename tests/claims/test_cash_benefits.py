"""Cash benefits (death, birth, incapacity) recorded by the mutual's staff with their evidence:
the package's amount per unit, without a provider or a tariff, paid to the member through the
same approval, posting and statement as a reimbursement."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from mutuelle.accounting.models import Entry
from mutuelle.claims import actions
from mutuelle.claims.actions import settlements as pay
from mutuelle.claims.models import Claim
from mutuelle.members.actions import declare_death
from mutuelle.members.models import Membership

from ..benefits.helpers import adopted_package
from .helpers import active_household

pytestmark = pytest.mark.django_db
DEATH = date(2026, 5, 2)


@pytest.fixture(autouse=True)
def a_few_days_later():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def evidence(name="acte-de-deces.jpg"):
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0 a photo", content_type="image/jpeg")


def cash_claim(world, person, benefit, units=1, on=DEATH, actor=None, **extra):
    data = actions.NewClaim(
        provider=None,
        number=Membership.unscoped.get(person=person).number,
        care_from=on,
        lines=[actions.NewLine(benefit, units, "0")],
        kind="cash_benefit",
        receipt=evidence(),
        **extra,
    )
    return actions.submit_claim(actor or world.claims, data)


def test_a_funeral_grant_is_paid_once_to_the_family_with_its_entry(world):
    adopted_package(world, cash=True)
    home = active_household(world)
    head = home.head
    declare_death(None, head, date_of_death=DEATH, on=date(2026, 5, 3))
    claim = cash_claim(world, head, "funeral")
    assert (claim.kind, claim.cash_benefit, claim.units, claim.provider) == (
        "cash_benefit",
        "funeral",
        1,
        world.mutual_a,
    )
    assert claim.receipt.name.endswith(".jpg")
    [decision] = actions.adjudicate(world.claims, [claim])
    # Covered the day before the death: the grant is the package's amount.
    assert (decision.status, decision.covered) == ("approved", Decimal(50000))
    approved = actions.approve(world.claims, claim)
    assert approved.status == "approved"
    lines = {
        (x.account.number, x.debit, x.credit)
        for e in Entry.unscoped.filter(source_id=str(claim.pk), source_type="claims.claim")
        for x in e.lines.select_related("account")
    }
    assert lines == {("6582", Decimal(50000), 0), ("4193", 0, Decimal(50000))}
    # A second funeral claim for the same person (another date) is refused, with its reason.
    again = cash_claim(world, head, "funeral", on=date(2026, 5, 1))
    [second] = actions.adjudicate(world.claims, [again])
    assert second.status == "rejected"
    assert second.lines[0].reasons == [("claim.already_paid", {})]
    # Paid to the member through a statement, like a reimbursement.
    s = pay.prepare_statement(
        world.claims,
        world.mutual_a,
        pay.Payee(member=head),
        date(2026, 5, 1),
        date(2026, 5, 31),
    )
    assert list(Claim.unscoped.filter(settlement=s)) == [claim] and s.net_amount == 50000


def test_a_daily_allowance_stops_at_the_packages_days(world):
    adopted_package(world, cash=True)
    home = active_household(world)
    claim = cash_claim(world, home.head, "daily_allowance", units=14, on=date(2026, 5, 4))
    [decision] = actions.adjudicate(world.claims, [claim])
    [line] = decision.lines
    assert (decision.status, line.covered, line.rejected) == (
        "partial",
        Decimal(10000),
        Decimal(4000),
    )
    assert line.reasons == [("claim.days_limited", {"days": 10, "max": 10})]


def test_only_the_mutuals_staff_record_a_cash_benefit_and_only_a_known_one(world):
    adopted_package(world, cash=True)
    home = active_household(world)
    with pytest.raises(ValidationError) as refused:
        cash_claim(world, home.head, "funeral", actor=world.clerk)
    assert refused.value.code == "claim.not_allowed"
    with pytest.raises(ValidationError) as unknown:
        cash_claim(world, home.head, "pension")
    assert unknown.value.code == "claim.bad_cash_benefit"
    assert not Claim.unscoped.exists()


def test_the_claims_officer_records_a_birth_on_screen_with_the_certificate(client, world):
    from django.urls import reverse

    adopted_package(world, cash=True)
    home = active_household(world)
    spouse = home.persons.exclude(pk=home.head_id).first() or home.head
    client.force_login(world.claims)
    form = client.get(reverse("cash_benefit_new"))
    assert form.status_code == 200 and b'enctype="multipart/form-data"' in form.content
    number = Membership.unscoped.get(person=spouse).number
    data = {"number": number.lower(), "benefit": "maternity", "on": "2026-05-04", "units": "2"}
    missing = client.post(reverse("cash_benefit_new"), {**data, "idempotency_key": "k1"})
    assert missing.status_code == 200 and not Claim.unscoped.exists()  # evidence required
    answer = client.post(
        reverse("cash_benefit_new"),
        {**data, "idempotency_key": "k1", "evidence": evidence("acte-de-naissance.jpg")},
    )
    claim = Claim.unscoped.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/{claim.uuid}/")
    assert (claim.status, claim.covered, claim.units) == ("adjudicated", Decimal(40000), 2)
    page = client.get(answer["Location"]).content.decode()
    assert "Allocation de maternité" in page and "× 2" in page
    assert "Droits vérifiés" not in page  # no care, no desk check to speak of
    # The same form sent twice records one claim; a provider's clerk may not record one.
    client.post(
        reverse("cash_benefit_new"),
        {**data, "idempotency_key": "k1", "evidence": evidence("acte-de-naissance.jpg")},
    )
    assert Claim.unscoped.count() == 1
    client.force_login(world.clerk)
    assert client.get(reverse("cash_benefit_new")).status_code == 403
