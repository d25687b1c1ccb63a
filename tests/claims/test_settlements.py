"""Settlements from the statement to the payment: claims move in bulk with their events, the
payment order is approved by someone other than its maker, the payment posts its entries;
flat rates, capitation, advances recovered over two settlements; PDF and XLSX statements."""

import io
from datetime import date
from decimal import Decimal

import pypdfium2
import pytest
import time_machine
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from mutuelle.accounting.models import Entry
from mutuelle.claims import actions, statements
from mutuelle.claims.actions import settlements as pay
from mutuelle.claims.models import Advance, Claim, ClaimEvent, Settlement
from mutuelle.core.actions import grant_role
from mutuelle.core.models import Scope, User
from mutuelle.core.roles import Role
from mutuelle.members.models import Membership
from mutuelle.providers import actions as providers
from mutuelle.providers.models import Convention

from .helpers import claims_world

pytestmark = pytest.mark.django_db
CARE = date(2026, 5, 4)
MAY = (date(2026, 5, 1), date(2026, 5, 31))
D = Decimal


@pytest.fixture(autouse=True)
def two_days_after_the_care():
    with time_machine.travel(date(2026, 5, 6), tick=False):
        yield


def approved(world, home, lines, **extra):
    data = actions.NewClaim(
        provider=world.provider_a,
        number=Membership.unscoped.get(person=home.head).number,
        lines=[actions.NewLine(*x) for x in lines],
        **{"care_from": CARE, **extra},
    )
    claim = actions.submit_claim(world.clerk, data)
    actions.adjudicate(world.claims, [claim])
    return actions.approve(world.claims, claim)


def entries(world, source):
    rows = Entry.unscoped.filter(
        organization=world.mutual_a, source_id=str(source.pk), source_type=source._meta.label_lower
    )
    return {
        (x.account.number, x.debit, x.credit)
        for e in rows
        for x in e.lines.select_related("account")
    }


def statement_for(world, start=MAY[0], end=MAY[1], actor=None):
    return pay.prepare_statement(
        actor or world.claims, world.mutual_a, pay.Payee(provider=world.provider_a), start, end
    )


def test_it_settles_a_month_from_the_statement_to_the_payment(world):
    home, _version = claims_world(world)
    first = approved(world, home, [("CONS-MG", 1, "2000")])  # 80 %: 1,600
    second = approved(world, home, [("HOSP-J", 2, "5000")], visit_type="inpatient")  # 7,000
    s = statement_for(world)
    assert s.number == "BR-MA-2026-0001" and s.status == "draft"
    assert (s.claims_count, s.claims_amount, s.other_amount, s.net_amount) == (2, 8600, 0, 8600)
    assert set(Claim.unscoped.filter(settlement=s).values_list("status", flat=True)) == {
        "in_settlement"
    }
    assert ClaimEvent.unscoped.filter(to_status="in_settlement").count() == 2
    # The maker prepares the order; a claims officer cannot approve it.
    pay.prepare_order(world.claims, s)
    with pytest.raises(ValidationError) as refused:
        pay.approve_order(world.claims, s)
    assert refused.value.code == "settlement.not_allowed"
    with pytest.raises(ValidationError) as early:
        pay.pay(world.manager, s, date(2026, 5, 6), "VIR-1")
    assert early.value.code == "settlement.wrong_status"
    pay.approve_order(world.manager, s)
    assert (s.status, s.prepared_by, s.approved_by) == ("approved", world.claims, world.manager)
    paid = pay.pay(world.manager, s, date(2026, 5, 6), " VIR  0042 ")
    assert (paid.status, paid.payment_reference, paid.paid_on) == (
        "paid",
        "VIR 0042",
        date(2026, 5, 6),
    )
    for claim in (first, second):
        claim.refresh_from_db()
        assert claim.status == "paid"
        assert list(claim.events.values_list("to_status", flat=True))[-2:] == [
            "in_settlement",
            "paid",
        ]
    assert entries(world, s) == {("402", D(8600), D(0)), ("521", D(0), D(8600))}
    # Recording the same payment again changes nothing.
    again = pay.pay(world.manager, s, date(2026, 5, 6), "VIR 0042")
    assert again.pk == s.pk and entries(world, s) == {("402", D(8600), 0), ("521", 0, D(8600))}
    assert Entry.unscoped.filter(source_type="claims.settlement").count() == 1
    # The next statement of the same mutual and year follows without a gap.
    later = approved(world, home, [("CONS-MG", 1, "2000")], care_from=date(2026, 5, 5))
    june = statement_for(world, date(2026, 6, 1), date(2026, 6, 30))
    assert june.number == "BR-MA-2026-0002"
    assert list(Claim.unscoped.filter(settlement=june)) == [later]  # care before June, not paid


def test_a_claim_under_an_open_dispute_waits_for_the_decision(world):
    from mutuelle.claims.actions import review

    home, _version = claims_world(world)
    clean = approved(world, home, [("CONS-MG", 1, "2000")])
    contested = approved(world, home, [("CONS-INF", 1, "1000")], care_from=date(2026, 5, 5))
    assert contested.status == "approved"
    dispute = review.open_dispute(world.clerk, contested, "Paid at the nurse's rate: see file.")
    may = statement_for(world)
    assert list(Claim.unscoped.filter(settlement=may)) == [clean]
    review.decide_dispute(world.adviser, dispute, upheld=False, note="The decision stands.")
    june = statement_for(world, date(2026, 6, 1), date(2026, 6, 30))
    assert list(Claim.unscoped.filter(settlement=june)) == [contested]


def test_the_maker_never_approves_their_own_payment_order(world):
    home, _version = claims_world(world)
    approved(world, home, [("CONS-MG", 1, "2000")])
    # A manager who also adjudicates prepares the order...
    grant_role(None, world.manager, role=Role.CLAIMS_OFFICER, scope=Scope.ORGANIZATION,
               organization=world.mutual_a)  # fmt: skip
    both = User.objects.get(pk=world.manager.pk)  # grants are cached on a user object
    s = statement_for(world, actor=both)
    pay.prepare_order(both, s)
    with pytest.raises(ValidationError) as refused:
        pay.approve_order(both, s)
    assert refused.value.code == "settlement.same_person"
    s.refresh_from_db()
    assert s.status == "prepared" and s.approved_by is None
    # ...and another manager approves it.
    pay.approve_order(world.union_manager, s)
    assert s.status == "approved" and s.approved_by == world.union_manager


def test_a_cancelled_statement_gives_its_claims_back_and_keeps_its_number(world):
    home, _version = claims_world(world)
    claim = approved(world, home, [("CONS-MG", 1, "2000")])
    s = statement_for(world)
    with pytest.raises(ValidationError) as overlap:
        statement_for(world, date(2026, 5, 15), date(2026, 6, 15))
    assert overlap.value.code == "settlement.overlap"
    pay.cancel(world.claims, s)
    claim.refresh_from_db()
    assert (claim.status, claim.settlement) == ("approved", None)
    again = statement_for(world)
    assert again.number == "BR-MA-2026-0002" and again.claims_count == 1
    with pytest.raises(ValidationError) as nothing:
        statement_for(world, date(2026, 7, 1), date(2026, 7, 31))
    assert nothing.value.code == "settlement.nothing"


def make_flat_rate(world, rates):
    convention = Convention.unscoped.get(provider=world.provider_a)
    providers.update_convention(
        None,
        convention,
        providers.ConventionData(
            reference=convention.reference,
            start=convention.start,
            payment_mode="flat_rate",
            flat_rates=rates,
        ),
    )


def test_a_flat_rate_convention_pays_per_episode_instead_of_the_claims(world):
    home, _version = claims_world(world)
    make_flat_rate(world, {"outpatient": D(2500), "inpatient": D(40000)})
    approved(world, home, [("CONS-MG", 1, "2000")])  # covered 1,600
    approved(world, home, [("CONS-INF", 1, "1000")], care_from=date(2026, 5, 5))  # 800
    approved(world, home, [("HOSP-J", 2, "5000")], visit_type="inpatient")  # 7,000
    s = statement_for(world)
    lines = {x.label: x for x in s.lines.all()}
    assert (lines["flat_rate.outpatient"].quantity, lines["flat_rate.outpatient"].amount) == (
        2,
        D(5000),
    )
    assert lines["flat_rate.inpatient"].amount == D(40000)
    assert lines["flat_rate.replaced"].amount == -D(9400)
    assert (s.claims_amount, s.net_amount) == (D(9400), D(45000))
    pay.prepare_order(world.claims, s)
    pay.approve_order(world.manager, s)
    pay.pay(world.manager, s, date(2026, 5, 6), "VIR-FR")
    # The benefit expense grows from the claims' 9,400 to the flat rates' 45,000.
    assert entries(world, s) == {
        ("6581", D(35600), D(0)),
        ("402", D(0), D(35600)),
        ("402", D(45000), D(0)),
        ("521", D(0), D(45000)),
    }


def test_a_capitation_convention_pays_attached_beneficiaries_per_month(world):
    home, _version = claims_world(world)
    convention = Convention.unscoped.get(provider=world.provider_a)
    providers.update_convention(
        None,
        convention,
        providers.ConventionData(
            reference=convention.reference,
            start=convention.start,
            payment_mode="capitation",
            capitation_amount=D(300),
        ),
    )
    persons = list(home.persons.order_by("pk"))
    for person in persons:
        providers.attach(None, world.provider_a, person, date(2026, 4, 1))
    approved(world, home, [("CONS-MG", 1, "2000")])
    s = statement_for(world, date(2026, 4, 1), date(2026, 5, 31))
    assert [(x.label, x.quantity, x.amount) for x in s.lines.order_by("pk")] == [
        ("capitation.2026-04", len(persons), D(300) * len(persons)),
        ("capitation.2026-05", len(persons), D(300) * len(persons)),
        ("capitation.replaced", 0, -D(1600)),
    ]
    assert s.net_amount == D(600) * len(persons)


def test_an_advance_is_recovered_over_two_settlements(world):
    home, _version = claims_world(world)
    advance = pay.grant_advance(
        world.manager, world.mutual_a, world.provider_a, "advance", D(10000), date(2026, 4, 2),
        reference="AV-1",
    )  # fmt: skip
    assert entries(world, advance) == {("409", D(10000), D(0)), ("521", D(0), D(10000))}
    with pytest.raises(ValidationError):
        pay.grant_advance(world.claims, world.mutual_a, world.provider_a, "advance", D(5),
                          date(2026, 4, 2))  # fmt: skip
    approved(world, home, [("HOSP-J", 2, "5000")], visit_type="inpatient")  # 7,000
    may = statement_for(world)
    assert (may.claims_amount, may.other_amount, may.net_amount) == (D(7000), -D(7000), 0)
    advance.refresh_from_db()
    assert advance.recovered == D(7000)
    pay.prepare_order(world.claims, may)
    pay.approve_order(world.manager, may)
    pay.pay(world.manager, may, date(2026, 5, 6), "COMP-1")
    assert entries(world, may) == {("402", D(7000), D(0)), ("409", D(0), D(7000))}
    approved(
        world, home, [("HOSP-J", 1, "5000")], visit_type="inpatient", care_from=date(2026, 5, 5)
    )
    june = statement_for(world, date(2026, 6, 1), date(2026, 6, 30))
    assert (june.claims_amount, june.net_amount) == (D(3500), D(500))
    advance.refresh_from_db()
    assert advance.recovered == advance.amount == D(10000)
    assert pay.open_total(world.mutual_a, world.provider_a) == 0
    # Cancelling the June statement opens what it recovered again.
    pay.cancel(world.claims, june)
    assert Advance.unscoped.get(pk=advance.pk).recovered == D(7000)


def test_an_overpayment_reduces_the_expense_and_is_recovered(world):
    home, _version = claims_world(world)
    over = pay.grant_advance(
        world.manager, world.mutual_a, world.provider_a, "overpayment", D(1000), date(2026, 5, 1)
    )
    assert entries(world, over) == {("409", D(1000), D(0)), ("6581", D(0), D(1000))}
    approved(world, home, [("CONS-MG", 1, "2000")])
    s = statement_for(world)
    assert s.net_amount == D(600)
    assert s.lines.get().kind == "overpayment_recovery"


def test_a_member_is_reimbursed_through_the_same_path(world):
    home, _version = claims_world(world)
    claim = approved(world, home, [("CONS-MG", 1, "2000")], kind="reimbursement")
    s = pay.prepare_statement(world.claims, world.mutual_a, pay.Payee(member=home.head), *MAY)
    assert s.payee_kind == "member" and list(s.claims.all()) == [claim]
    pay.prepare_order(world.claims, s)
    pay.approve_order(world.manager, s)
    pay.pay(world.manager, s, date(2026, 5, 6), "MM-778")
    assert entries(world, s) == {("4193", D(1600), D(0)), ("521", D(0), D(1600))}
    with pytest.raises(ValidationError) as other:
        pay.prepare_statement(world.claims, world.mutual_b, pay.Payee(member=home.head), *MAY)
    assert other.value.code in ("settlement.not_allowed", "settlement.other_mutual")


def test_the_statement_opens_as_pdf_and_xlsx_with_its_totals(world):
    home, _version = claims_world(world)
    approved(world, home, [("CONS-MG", 1, "2000")], external_reference="FAC-77")
    approved(world, home, [("HOSP-J", 2, "5000")], visit_type="inpatient")
    s = statement_for(world)
    s = Settlement.unscoped.select_related("organization", "provider").get(pk=s.pk)
    body = statements.render_pdf(s, "en")
    pdf = pypdfium2.PdfDocument(body)
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Provider statement BR-MA-2026-0001" in text
    assert "8,600" in text and "FAC-77" in text and "Net to pay" in text
    french = statements.render_pdf(s, "fr")
    pdf = pypdfium2.PdfDocument(french)
    assert "Imprimé le" in pdf[0].get_textpage().get_text_range()
    book = load_workbook(io.BytesIO(statements.render_xlsx(s, "en")), read_only=True)
    summary = [row for row in book.worksheets[0].iter_rows(values_only=True)]
    assert ("Net to pay", None, 8600) in summary
    claims = list(book.worksheets[1].iter_rows(values_only=True))
    assert claims[0][0] == "Claim" and len(claims) == 4  # header, two claims, total
    assert claims[-1][-1] == 8600


def test_a_long_statement_is_laid_out_in_chunks(world, monkeypatch):
    home, _version = claims_world(world)
    for day in (2, 3, 4):
        approved(world, home, [("CONS-INF", 1, "1000")], care_from=date(2026, 5, day))
    monkeypatch.setattr(statements, "CHUNK", 2)
    s = Settlement.unscoped.get(pk=statement_for(world).pk)
    pdf = pypdfium2.PdfDocument(statements.render_pdf(s, "en"))
    assert len(pdf) == 3  # the summary, then two parts of claims
    assert "3" in pdf[2].get_textpage().get_text_range()


def test_the_screens_walk_the_same_path(client, world):
    home, _version = claims_world(world)
    approved(world, home, [("CONS-MG", 1, "2000")])
    client.force_login(world.claims)
    assert client.get("/claims/settlements/").status_code == 200
    assert client.get("/claims/settlements/new/").status_code == 200
    answer = client.post(
        "/claims/settlements/new/",
        {
            "mutual": world.mutual_a.pk,
            "payee_kind": "provider",
            "provider": world.provider_a.pk,
            "start": "2026-05-01",
            "end": "2026-05-31",
        },
    )
    s = Settlement.unscoped.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/{s.uuid}/")
    page = client.get(answer["Location"])
    assert b"BR-MA-2026-0001" in page.content and b"prepare-order" in page.content
    client.post(f"/claims/settlements/{s.uuid}/order/")
    pdf = client.get(f"/claims/settlements/{s.uuid}/statement.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(f"/claims/settlements/{s.uuid}/statement.xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    client.force_login(world.manager)
    page = client.get(f"/claims/settlements/{s.uuid}/")
    assert b"approve-order" in page.content
    client.post(f"/claims/settlements/{s.uuid}/approve/")
    client.post(f"/claims/settlements/{s.uuid}/pay/", {"paid_on": "2026-05-06", "reference": "V-9"})
    s.refresh_from_db()
    assert (s.status, s.payment_reference) == ("paid", "V-9")
    assert client.get("/claims/advances/").status_code == 200
    answer = client.post(
        "/claims/advances/new/",
        {
            "mutual": world.mutual_a.pk,
            "provider": world.provider_a.pk,
            "kind": "advance",
            "amount": "5000",
            "granted_on": "2026-05-06",
            "reference": "AV-9",
        },
    )
    assert answer.status_code == 302 and Advance.unscoped.get().amount == 5000


def test_a_provider_clerk_reads_the_statements_of_their_provider_only(client, world):
    from tests.conftest import make_user

    home, _version = claims_world(world)
    approved(world, home, [("CONS-MG", 1, "2000")])
    s = statement_for(world)
    client.force_login(world.clerk)
    assert s.number.encode() in client.get("/claims/settlements/").content
    page = client.get(f"/claims/settlements/{s.uuid}/")
    assert page.status_code == 200 and b"prepare-order" not in page.content
    assert client.get(f"/claims/settlements/{s.uuid}/statement.pdf").status_code == 200
    assert client.post(f"/claims/settlements/{s.uuid}/order/").status_code in (302, 403, 404)
    assert Settlement.unscoped.get(pk=s.pk).status == "draft"  # reading only
    other = make_user("clerk-b", Role.PROVIDER_CLERK, Scope.PROVIDER, org=world.provider_b)
    client.force_login(other)
    assert s.number.encode() not in client.get("/claims/settlements/").content
    assert client.get(f"/claims/settlements/{s.uuid}/").status_code == 404
