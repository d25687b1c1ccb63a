"""Tenant-scoped reads of subsidies: payers and programmes a user may see, a payer's statement,
and the solidarity report (what each ability-to-pay category contributed and received)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, F, QuerySet, Sum
from django.http import Http404
from django.utils.translation import get_language

from mutuelle.core.models import Organization
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import scope, visible_organizations
from mutuelle.members.models import AbilityCategory, Household

from .models import (
    PayerDue,
    PayerPayment,
    Payment,
    PaymentStatus,
    ProgrammeEnrolment,
    SubsidyProgramme,
    ThirdPartyPayer,
)

ZERO = Decimal(0)


def payers(user, perm: str = Perm.VIEW_BENEFITS) -> QuerySet[ThirdPartyPayer]:
    """Payers of the user's organizations and of their ancestors (a union's payers serve its
    mutuals)."""
    return scope(ThirdPartyPayer.unscoped.all(), user, perm, include_ancestors=True)


def payer(user, uuid, perm: str = Perm.VIEW_BENEFITS) -> ThirdPartyPayer:
    return _one(payers(user, perm).select_related("organization"), uuid)


def _one(qs, uuid):
    """One row of a scoped queryset by uuid, or 404 (across tenants it does not exist)."""
    try:
        return qs.get(uuid=uuid)
    except (qs.model.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def programmes(user, perm: str = Perm.VIEW_BENEFITS) -> QuerySet[SubsidyProgramme]:
    return scope(
        SubsidyProgramme.unscoped.select_related("payer", "organization"),
        user,
        perm,
        include_ancestors=True,
    )


def programme(user, uuid, perm: str = Perm.VIEW_BENEFITS) -> SubsidyProgramme:
    return _one(programmes(user, perm), uuid)


def enrolments(user, programme: SubsidyProgramme) -> QuerySet[ProgrammeEnrolment]:
    """The programme's enrolled households and beneficiaries the user may see (a union
    programme's list, seen from one mutual, shows that mutual's households only)."""
    return scope(
        ProgrammeEnrolment.unscoped.filter(programme=programme).select_related(
            "household", "person", "recorded_by"
        ),
        user,
        Perm.VIEW_BENEFITS,
        field="household__organization",
    ).order_by("household__number", "pk")


def mutuals_for(user, perm: str, payer: ThirdPartyPayer | None = None) -> QuerySet[Organization]:
    """Mutuals where the user holds `perm` (and where the payer may serve, when given)."""
    qs = visible_organizations(user, perm).filter(kind="mutual")
    if payer is not None:
        qs = qs.filter(path__startswith=payer.organization.path)
    return qs.order_by("name")


# --- Payer's statement ------------------------------------------------------------------------
@dataclass
class StatementRow:
    household: str
    name: str
    period: str
    kind: str
    amount: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


@dataclass
class ProgrammeBlock:
    programme: SubsidyProgramme
    mutual: str
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def households(self) -> int:
        return len({r.household for r in self.rows})

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((r.paid for r in self.rows), ZERO)

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


@dataclass
class Statement:
    payer: ThirdPartyPayer
    start: date
    end: date
    blocks: list[ProgrammeBlock]
    payments: list[PayerPayment]
    currency: str

    @property
    def amount(self) -> Decimal:
        return sum((b.amount for b in self.blocks), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((b.paid for b in self.blocks), ZERO)

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid

    @property
    def unallocated(self) -> Decimal:
        return sum((p.unallocated for p in self.payments), ZERO)


def statement(user, payer: ThirdPartyPayer, start: date, end: date) -> Statement:
    """What the payer owes, per programme (and mutual) and household, for the periods that
    overlap [start, end], within the mutuals where the user bills dues. Households appear by
    number; the head's name only where the programme's contract allows names."""
    dues = (
        scope(PayerDue.unscoped.filter(payer=payer), user, Perm.BILL_DUES)
        .filter(period_start__lte=end, period_end__gte=start)
        .select_related("programme", "household__head", "organization")
        .order_by(
            "organization__name",
            "programme__priority",
            "programme_id",
            "household__number",
            "period_start",
            "pk",
        )
    )
    blocks: dict[tuple[int, int], ProgrammeBlock] = {}
    currency = payer.organization.currency
    for d in dues:
        currency = d.organization.currency
        key = (d.organization_id, d.programme_id)
        block = blocks.get(key)
        if block is None:
            block = blocks[key] = ProgrammeBlock(d.programme, d.organization.name)
        head = d.household.head
        name = str(head) if d.programme.names_on_statement and head is not None else ""
        block.rows.append(
            StatementRow(d.household.number, name, d.period, d.get_kind_display(), d.amount, d.paid)
        )
    received = list(
        scope(PayerPayment.unscoped.filter(payer=payer), user, Perm.BILL_DUES)
        .filter(received_on__gte=start, received_on__lte=end)
        .select_related("organization")
        .order_by("received_on", "pk")
    )
    return Statement(payer, start, end, list(blocks.values()), received, currency)


# --- Solidarity report ------------------------------------------------------------------------
@dataclass
class SolidarityRow:
    code: str
    name: str
    households: int
    contributed: Decimal  # the households' own payments received in the period
    received: Decimal  # subsidies billed for them, for periods starting in the period

    @property
    def subsidised_share(self) -> Decimal | None:
        total = self.contributed + self.received
        if not total:
            return None
        return (self.received * 100 / total).quantize(Decimal("0.1"))


def solidarity(mutual: Organization, start: date, end: date) -> list[SolidarityRow]:
    """Per ability-to-pay category (the household's category today): households, what they
    paid themselves in [start, end], and the subsidies billed for them for periods that start
    in [start, end]. Counts and sums only, never a name."""
    language = (get_language() or "fr")[:2]
    names = {
        c.code: (c.name_en if language == "en" else c.name_fr)
        for c in AbilityCategory.unscoped.filter(organization=mutual)
    }
    order = list(
        AbilityCategory.unscoped.filter(organization=mutual)
        .order_by("order", "code")
        .values_list("code", flat=True)
    )
    households = dict(
        Household.unscoped.filter(organization=mutual)
        .values("ability__code")
        .annotate(n=Count("pk"))
        .values_list("ability__code", "n")
    )
    paid = dict(
        Payment.unscoped.filter(
            organization=mutual,
            status=PaymentStatus.RECORDED,
            received_on__gte=start,
            received_on__lte=end,
        )
        .values("household__ability__code")
        .annotate(s=Sum("amount"))
        .values_list("household__ability__code", "s")
    )
    subsidies = dict(
        PayerDue.unscoped.filter(
            organization=mutual, period_start__gte=start, period_start__lte=end
        )
        .values("household__ability__code")
        .annotate(s=Sum("amount"))
        .values_list("household__ability__code", "s")
    )
    seen = set(households) | set(paid) | set(subsidies)
    codes: list[str | None] = [*order, *sorted(c for c in seen if c and c not in order)]
    if None in seen:
        codes.append(None)
    rows = []
    for code in codes:
        label = names.get(code or "", code or "")
        rows.append(
            SolidarityRow(
                code or "",
                label,
                households.get(code, 0),  # type: ignore[arg-type]  # None: no category
                paid.get(code) or ZERO,  # type: ignore[arg-type]
                subsidies.get(code) or ZERO,  # type: ignore[arg-type]
            )
        )
    return rows


def programme_use(programme: SubsidyProgramme) -> dict:
    """How much of a programme was billed and paid, and what is left of its budget."""
    totals = PayerDue.unscoped.filter(programme=programme).aggregate(
        billed=Sum("amount"), paid=Sum("paid"), households=Count("household", distinct=True)
    )
    billed = totals["billed"] or ZERO
    return {
        "billed": billed,
        "paid": totals["paid"] or ZERO,
        "households": totals["households"] or 0,
        "left": None if programme.budget is None else programme.budget - billed,
    }


def payer_owed_by_mutual(user, payer: ThirdPartyPayer) -> list[tuple[str, Decimal]]:
    rows = (
        scope(PayerDue.unscoped.filter(payer=payer), user, Perm.VIEW_BENEFITS)
        .values("organization__name")
        .annotate(s=Sum(F("amount") - F("paid")))
        .order_by("organization__name")
    )
    return [(r["organization__name"], r["s"] or ZERO) for r in rows]
