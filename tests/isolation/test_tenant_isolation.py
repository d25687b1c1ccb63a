"""The tenant-isolation harness. Every later issue extends RULES with its URL patterns.

It resolves every URL pattern of the project, fills its parameters with objects of the OTHER
tenant (a second mutual in a second country, with its own provider), requests each one as
users of the first tenant (GET and POST, as a page and as an htmx partial), and
  - fails on any URL pattern it has no rule for;
  - checks the status the rule expects (404 for another tenant's object, 403/302 otherwise);
  - greps every response for a sentinel string planted only in the other tenant's data.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from mutuelle.cards.actions import issue_cards
from mutuelle.cards.models import Card, CardDesign
from mutuelle.core import jobs
from mutuelle.core.imports import actions as import_actions
from mutuelle.core.models import Notification, RoleGrant
from mutuelle.core.roles import Role

from ..conftest import SENTINEL
from . import claims as claims_part
from . import claims_entry as claims_entry_part
from . import claims_letters as claims_letters_part
from . import claims_offline as claims_offline_part
from . import claims_review as claims_review_part
from . import claims_settlements as claims_settlements_part
from . import providers as providers_part
from .base import DENIED, NOT_ALLOWED, OWN_LIST, REDIRECTS, Rule

# Later apps keep their rules, planted objects and snapshots in their own module.
EXTENSIONS = (
    providers_part,
    claims_part,
    claims_offline_part,
    claims_entry_part,
    claims_letters_part,
    claims_review_part,
    claims_settlements_part,
)

RULES: dict[str, Rule] = {
    "cashier": Rule(expect=OWN_LIST),
    "rule_list": Rule(expect=OWN_LIST),
    "rule_new": Rule({"org_uuid": "mutual.uuid"}),
    "rule_detail": Rule({"version_id": "rule_version.pk"}),
    "rule_copy": Rule({"version_id": "rule_version.pk"}, frozenset(DENIED | {NOT_ALLOWED})),
    "rule_adopt": Rule({"version_id": "rule_version.pk"}, frozenset(DENIED | {NOT_ALLOWED})),
    "billing": Rule({"org_uuid": "mutual.uuid"}),
    "union_billing": Rule({"org_uuid": "union.uuid"}),
    "arrears": Rule({"org_uuid": "mutual.uuid"}),
    "arrears_remind": Rule({"org_uuid": "mutual.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "cashier_household": Rule({"household_uuid": "household.uuid"}),
    "receipt_detail": Rule({"payment_uuid": "payment.uuid"}),
    "receipt_pdf": Rule({"payment_uuid": "payment.uuid"}),
    "correction_request": Rule({"payment_uuid": "payment.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "till": Rule(expect=OWN_LIST),
    "collection_list": Rule(expect=OWN_LIST),
    "collection_sheet": Rule({"sheet_uuid": "sheet.uuid"}),
    "collection_sheet_pdf": Rule({"sheet_uuid": "sheet.uuid"}),
    "statement_lines": Rule(expect=OWN_LIST),
    "statement_assign": Rule({"line_id": "statement_line.pk"}, frozenset(DENIED | {NOT_ALLOWED})),
    "statement_ignore": Rule({"line_id": "statement_line.pk"}, frozenset(DENIED | {NOT_ALLOWED})),
    "household_coverage": Rule({"household_uuid": "household.uuid"}),
    "correction_list": Rule(expect=OWN_LIST),
    "correction_decide": Rule(
        {"correction_id": "correction.pk"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "home": Rule(expect=frozenset({200})),
    "healthz": Rule(expect=frozenset({200})),
    "whoami": Rule(expect=frozenset({200})),
    "login": Rule(expect=frozenset({200, 302})),
    "logout": Rule(expect=frozenset({200, 302, NOT_ALLOWED})),
    "password_change": Rule(expect=frozenset({200})),
    "two_factor_setup": Rule(expect=frozenset({200})),
    "two_factor_verify": Rule(expect=frozenset({200})),
    "set_language": Rule(expect=frozenset({302, 200, NOT_ALLOWED})),
    "organization_list": Rule(expect=OWN_LIST),
    "organization_detail": Rule({"org_uuid": "mutual.uuid"}),
    "organization_create": Rule({"org_uuid": "mutual.uuid"}),
    "place_list": Rule(expect=frozenset({200})),  # shared geography, no tenant data
    "user_list": Rule(expect=OWN_LIST),
    "user_create": Rule(expect=OWN_LIST),
    "user_detail": Rule({"user_uuid": "user.uuid"}),
    "grant_create": Rule({"user_uuid": "user.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "user_password_reset": Rule({"user_uuid": "user.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "user_set_active": Rule({"user_uuid": "user.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "grant_revoke": Rule({"grant_id": "grant.pk"}, frozenset(DENIED | {NOT_ALLOWED})),
    "audit_list": Rule(expect=OWN_LIST),
    "job_list": Rule(expect=OWN_LIST),
    "job_detail": Rule({"job_uuid": "job.uuid"}),
    "job_progress": Rule({"job_uuid": "job.uuid"}),
    "job_cancel": Rule({"job_uuid": "job.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "import_index": Rule(expect=OWN_LIST),
    "import_template": Rule({"importer": "importer", "fmt": "fmt"}, OWN_LIST),
    "import_upload": Rule({"importer": "importer"}, OWN_LIST),
    "import_report": Rule({"job_uuid": "check.uuid"}),
    "import_report_csv": Rule({"job_uuid": "check.uuid"}),
    "import_commit": Rule({"job_uuid": "check.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "notification_list": Rule(expect=OWN_LIST),
    "household_list": Rule(expect=OWN_LIST),
    "register_export": Rule({"fmt": "fmt"}, OWN_LIST),
    "household_enrol": Rule(expect=frozenset({200, 403})),
    "household_person_row": Rule(expect=frozenset({200, 403})),
    "household_detail": Rule({"household_uuid": "household.uuid"}),
    "household_withdraw": Rule(
        {"household_uuid": "household.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "household_birth": Rule(
        {"household_uuid": "household.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "household_head": Rule({"household_uuid": "household.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "person_death": Rule({"person_uuid": "household.head.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "membership_status": Rule(
        {"membership_uuid": "membership.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "household_split": Rule(
        {"household_uuid": "household.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "household_transfer": Rule(
        {"household_uuid": "household.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "household_edit": Rule({"household_uuid": "household.uuid"}),
    "person_edit": Rule({"person_uuid": "household.head.uuid"}),
    "person_photo": Rule({"person_uuid": "household.head.uuid"}),
    "register_settings_list": Rule(expect=frozenset(OWN_LIST | REDIRECTS)),  # to own mutual
    "register_settings": Rule({"org_uuid": "mutual.uuid"}),
    "duplicate_list": Rule(expect=OWN_LIST),
    "ledger_list": Rule(expect=frozenset(OWN_LIST | REDIRECTS)),  # to one's own ledger
    "trial_balance": Rule({"org_uuid": "mutual.uuid"}),
    "install_chart": Rule({"org_uuid": "mutual.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "chart": Rule({"org_uuid": "mutual.uuid"}),
    "account_active": Rule(
        {"org_uuid": "mutual.uuid", "number": "account_number"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "account_ledger": Rule({"org_uuid": "mutual.uuid", "number": "account_number"}),
    "journal_list": Rule({"org_uuid": "mutual.uuid"}),
    "journal_entries": Rule({"org_uuid": "mutual.uuid", "code": "journal_code"}),
    "entry_detail": Rule(
        {"org_uuid": "mutual.uuid", "code": "journal_code", "number": "entry_number"},
        frozenset(DENIED | {NOT_ALLOWED}),
    ),
    "period_list": Rule({"org_uuid": "mutual.uuid"}),
    "year_open": Rule({"org_uuid": "mutual.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "period_close": Rule(
        {"org_uuid": "mutual.uuid", "start": "period_start"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "period_reopen": Rule(
        {"org_uuid": "mutual.uuid", "start": "closed_period_start"},
        frozenset(DENIED | {NOT_ALLOWED}),
    ),
    "year_close": Rule(
        {"org_uuid": "mutual.uuid", "start": "year_start"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "posting_rules": Rule({"org_uuid": "mutual.uuid"}),
    "posting_rule_edit": Rule({"org_uuid": "mutual.uuid", "operation": "operation"}),
    "duplicate_scan": Rule(expect=frozenset(DENIED | {NOT_ALLOWED})),
    "duplicate_decide": Rule({"pair_id": "pair.pk"}, frozenset(DENIED | {NOT_ALLOWED})),
    "notification_read": Rule(
        {"notification_uuid": "notification.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "household_cards": Rule(
        {"household_uuid": "household.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "household_cards_pdf": Rule(
        {"household_uuid": "household.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "household_cards_print": Rule(
        {"household_uuid": "household.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "card_revoke": Rule({"card_uuid": "card.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "card_reissue": Rule({"card_uuid": "card.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "village_cards": Rule(expect=OWN_LIST),
    "village_cards_job": Rule({"job_uuid": "print_job.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "village_cards_job_pdf": Rule(
        {"job_uuid": "print_job.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "card_design_list": Rule(expect=frozenset({200, 302, 403, NOT_ALLOWED})),
    "card_design": Rule({"org_uuid": "mutual.uuid"}),
    "card_public_keys": Rule(expect=frozenset({200, NOT_ALLOWED})),  # public keys, no tenant data
    "package_list": Rule(expect=OWN_LIST),
    "package_create": Rule(expect=OWN_LIST),
    "package_detail": Rule({"package_uuid": "version.package.uuid"}),
    "version_detail": Rule({"version_uuid": "version.uuid"}),
    "version_terms": Rule({"version_uuid": "version.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "line_create": Rule({"version_uuid": "version.uuid"}),
    "version_copy": Rule({"version_uuid": "adopted.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "version_adopt": Rule({"version_uuid": "version.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "version_preview": Rule({"version_uuid": "version.uuid"}),
    "line_delete": Rule({"line_uuid": "coverage_line.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "act_list": Rule(expect=OWN_LIST),
    "act_create": Rule(expect=OWN_LIST),
    "act_starter": Rule(expect=frozenset(DENIED | {NOT_ALLOWED})),
    "act_detail": Rule({"act_uuid": "act.uuid"}),
    "subsidy_index": Rule(expect=OWN_LIST),
    "payer_create": Rule(expect=OWN_LIST),
    "payer_detail": Rule({"payer_uuid": "payer.uuid"}),
    "subsidy_programme_create": Rule({"payer_uuid": "payer.uuid"}),
    "payer_statement": Rule({"payer_uuid": "payer.uuid"}),
    "payer_statement_pdf": Rule({"payer_uuid": "payer.uuid"}),
    "payer_statement_xlsx": Rule({"payer_uuid": "payer.uuid"}),
    "payer_payment": Rule({"payer_uuid": "payer.uuid"}),
    "subsidy_programme_edit": Rule({"programme_uuid": "programme.uuid"}),
    "subsidy_enrol": Rule({"programme_uuid": "programme.uuid"}, frozenset(DENIED | {NOT_ALLOWED})),
    "subsidy_enrol_upload": Rule(
        {"programme_uuid": "programme.uuid"}, frozenset(DENIED | {NOT_ALLOWED})
    ),
    "solidarity_report": Rule({"org_uuid": "mutual.uuid"}),
    "solidarity_report_xlsx": Rule({"org_uuid": "mutual.uuid"}),
}
# Django admin is for platform administrators only: everyone else is sent to its login.
for _part in EXTENSIONS:
    assert not set(_part.RULES) & set(RULES), f"{_part.__name__} redefines a rule"
    RULES.update(_part.RULES)
ADMIN_RULE = Rule(expect=REDIRECTS)
ADMIN_EXCEPTIONS = {"admin:login": Rule(expect=frozenset({200, 302}))}


class Others:
    """The other tenant's objects, each carrying the sentinel somewhere."""

    def __init__(self, world):
        self.mutual = world.mutual_b
        self.union = world.union_b
        self.user = world.manager_b
        self.grant = RoleGrant.objects.get(user=world.manager_b)
        # A job of the other tenant's manager: their name (with the sentinel) shows on job pages.
        self.job = jobs.start("core.backup", actor=world.manager_b, organization=world.mutual_b)
        content = f"Country code;Place code;Place name\nCM;CM-X;{SENTINEL}\n".encode()
        self.check = import_actions.start_check(
            world.manager_b.__class__.objects.get(pk=world.admin.pk),
            importer="places",
            organization=world.mutual_b,
            filename=f"{SENTINEL}.csv",
            content=content,
        )
        jobs.run(self.check.pk)
        self.notification = Notification.unscoped.create(
            channel="in_app",
            template="test",
            user=world.manager_b,
            body=SENTINEL,
            status="sent",
            organization=world.mutual_b,
        )
        self.household = enrol(world.admin, world.mutual_b, SENTINEL)
        self.membership = self.household.head.memberships.get()
        self.card = issue_cards(world.admin, [self.membership])[0]
        self.pair = plant_pair(self.household)
        plant_ledger(world.mutual_b)
        self.print_job = plant_print_job(world)
        self.act, self.adopted, self.version, self.coverage_line = plant_benefits(world)
        self.payment, self.correction, self.rule_version = plant_contributions(
            world, self.household
        )
        self.sheet, self.statement_line = plant_collection(world, self.household)
        self.payer, self.programme = plant_subsidies(
            world, world.mutual_b, SENTINEL, self.household
        )
        self.account_number = "4711"
        self.journal_code, self.entry_number = "OD", 1
        self.period_start, self.closed_period_start = "2026-11-01", "2026-10-01"
        self.year_start, self.operation = "2026-01-01", "contribution_paid_cash"
        self.importer = "places"
        self.fmt = "csv"
        for part in EXTENSIONS:
            part.plant(world, self)

    def snapshot(self) -> dict:
        """What a successful cross-tenant write would change."""
        from mutuelle.core.models import Job, User

        user = User.objects.get(pk=self.user.pk)
        return {
            "grant_revoked": RoleGrant.objects.get(pk=self.grant.pk).revoked_at,
            "grants": RoleGrant.objects.filter(user=self.user).count(),
            "user": (user.is_active, user.password, user.must_change_password),
            "job_cancel": Job.unscoped.get(pk=self.job.pk).cancel_requested,
            "commits": Job.unscoped.filter(kind="core.import_commit").count(),
            "notification": Notification.unscoped.get(pk=self.notification.pk).status,
            "children": self.mutual.children.count(),
            "persons": self.household.persons.count(),
            "status": self.membership.__class__.unscoped.get(pk=self.membership.pk).status,
            "cards": list(Card.unscoped.filter(organization=self.mutual).values_list("status")),
            "design": list(
                CardDesign.unscoped.filter(organization=self.mutual).values_list("footer", "logo")
            ),
            "pair": self.pair.__class__.unscoped.get(pk=self.pair.pk).decision,
            "register": register_settings_of(self.mutual),
            "ledger": ledger_of(self.mutual),
            "benefits": benefits_of(),
            "contributions": contributions_of(self.mutual),
            "subsidies": subsidies_of(self.mutual),
            "scans": Job.unscoped.filter(kind="members.scan_duplicates").count(),
            "households": self.household.__class__.unscoped.filter(
                organization=self.mutual
            ).count(),
            **{key: value for part in EXTENSIONS for key, value in part.snapshot(self).items()},
        }

    def value(self, path: str):
        obj = self
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj


def all_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from all_patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}" if p.name else None, prefix + str(p.pattern), p


def fill(route: str, kwargs: dict) -> str:
    """Build a path from a route and values (regex admin routes included)."""
    import re

    path = route.lstrip("^").rstrip("$").replace("\\Z", "")
    for name, value in kwargs.items():
        path = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", "1", path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", "1", path)
    return "/" + path.replace("\\", "")


def admin_kwargs(route: str, others: Others) -> dict:
    if "object_id" in route:
        return {"object_id": others.mutual.pk}
    return {"app_label": "core", "model_name": "organization"}


ATTACKERS = [r for r in Role if r != Role.PLATFORM_ADMIN]
# Roles whose legitimate scope does not include a sibling mutual of the same union and country:
# the sibling catches scope mix-ups that a tenant in another country would hide.
SIBLING_OUTSIDERS = {
    Role.MUTUAL_MANAGER,
    Role.ENROLMENT_OFFICER,
    Role.CASHIER,
    Role.CLAIMS_OFFICER,
    Role.MEDICAL_ADVISER,
    Role.ACCOUNTANT,
    Role.AUDITOR,
    Role.PROVIDER_CLERK,
}
SIBLING_SENTINEL = "ZZSIBLINGQX"


def enrol(actor, mutual, family_name):
    from datetime import date

    from mutuelle.members.actions import NewHousehold, NewPerson, enrol_household

    persons = [
        NewPerson("Grace", family_name, "F", "head", birth_year=1980),
        NewPerson("Emmanuel", family_name, "M", "child", birth_year=2010),
    ]
    return enrol_household(
        actor, mutual, NewHousehold(persons=persons, phone="+237670000000"), date(2026, 11, 24)
    )


def plant_ledger(mutual) -> None:
    """The other tenant's accounts, one of them named with the sentinel, and an entry on it."""
    from datetime import date
    from decimal import Decimal

    from django.utils import timezone

    from mutuelle.accounting import actions as ledger
    from mutuelle.accounting.models import Account
    from mutuelle.accounting.rules import LineValue

    ledger.install_chart(mutual)
    Account.unscoped.create(organization=mutual, number="4711", name_fr=SENTINEL, name_en=SENTINEL)
    lines = [LineValue("4711", debit=Decimal(500)), LineValue("7562", credit=Decimal(500))]
    ledger.post(mutual, "OD", date(2026, 11, 24), SENTINEL, lines)
    # A posting rule of its own on the sentinel account, and a closed period.
    from mutuelle.accounting.models import Period, PostingRule

    PostingRule.unscoped.create(
        organization=mutual,
        operation="contribution_paid_cash",
        journal="CA",
        debit="4711",
        credit="411",
    )
    Period.unscoped.filter(organization=mutual, start=date(2026, 10, 1)).update(
        closed_at=timezone.now()
    )


def plant_contributions(world, household):
    """The other tenant's contribution rule, billed dues, a payment (its reference carries the
    sentinel) and a correction awaiting approval."""
    from datetime import date

    from mutuelle.contributions import actions as contributions

    config = {"basis": "household", "periodicity_kind": "year", "currency": "XAF", "amount": "9000"}
    draft = contributions.save_draft(world.admin, world.mutual_b, SENTINEL, config)
    version = contributions.adopt(world.admin, draft, date(2026, 1, 1))
    run = contributions.start_billing(world.admin, world.mutual_b, "2026")
    jobs.run(run.job.pk)
    payment = contributions.record_payment(
        world.admin, household, "4000", "mobile_money", reference=SENTINEL
    )
    correction = contributions.request_correction(world.admin, payment, SENTINEL)
    return payment, correction, version


def plant_collection(world, household):
    """The other tenant's collector's sheet (its collector's name carries the sentinel; places
    are shared geography, so the village does not) and a statement line nobody matched."""
    from datetime import date

    from mutuelle.contributions.actions import collection
    from mutuelle.contributions.models import StatementLine
    from mutuelle.core.models import Place

    place = Place.unscoped.create(country="CM", code="CM-ZZ", name="Mbengwi", path="/zz/")
    type(household).unscoped.filter(pk=household.pk).update(place=place)
    sheet = collection.create_sheet(world.admin, world.mutual_b, world.manager_b, place, 5)
    line = StatementLine.unscoped.create(
        organization=world.mutual_b,
        source="mobile_money",
        transaction_id=SENTINEL,
        on=date(2026, 11, 24),
        amount=700,
        name=SENTINEL,
        status="unmatched",
    )
    return sheet, line


def plant_subsidies(world, mutual, marker, household=None):
    """A tenant's payer and list programme (named with the marker); with a household (the
    other tenant), a payer of its union, the household enrolled with evidence, a payer due and
    a payer's payment whose bank reference carries the marker."""
    from datetime import date

    from mutuelle.contributions import actions as contributions
    from mutuelle.contributions.models import PayerDue

    payer = contributions.save_payer(world.admin, mutual, f"État {marker}", "state", marker)
    programme = contributions.save_programme(
        world.admin,
        mutual,
        {
            "payer": payer,
            "code": "ZZ",
            "name": marker,
            "start": date(2026, 1, 1),
            "mode": "all",
            "eligibility": "list",
        },
    )
    if household is not None:
        contributions.save_payer(world.admin, mutual.parent, f"Bailleur {marker}", "donor")
        contributions.enrol(
            world.admin,
            programme,
            household,
            start=date(2026, 1, 1),
            evidence_reference=marker,
            evidence_date=date(2026, 1, 1),
            evidence_by=marker,
        )
        PayerDue.unscoped.create(
            organization=mutual,
            programme=programme,
            payer=payer,
            household=household,
            kind="billed",
            period="2026",
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
            amount=1000,
        )
        contributions.record_payer_payment(
            world.admin, mutual, payer, "400", marker, date(2026, 11, 24)
        )
    return payer, programme


def subsidies_of(mutual) -> tuple:
    from mutuelle.contributions.models import (
        PayerDue,
        PayerPayment,
        ProgrammeEnrolment,
        SubsidyProgramme,
        ThirdPartyPayer,
    )

    return (
        list(ThirdPartyPayer.unscoped.filter(organization=mutual).values_list("name", "kind")),
        list(SubsidyProgramme.unscoped.filter(organization=mutual).values_list("name", "mode")),
        ProgrammeEnrolment.unscoped.filter(household__organization=mutual).count(),
        list(PayerDue.unscoped.filter(organization=mutual).values_list("amount", "paid")),
        PayerPayment.unscoped.filter(organization=mutual).count(),
    )


def contributions_of(mutual) -> tuple:
    from mutuelle.contributions.models import (
        CollectorSheet,
        Correction,
        Due,
        Payment,
        RuleVersion,
        StatementLine,
        TillClosing,
    )

    return (
        list(Payment.unscoped.filter(organization=mutual).values_list("pk", "status", "amount")),
        list(Due.unscoped.filter(organization=mutual).values_list("pk", "paid")),
        list(Correction.unscoped.filter(payment__organization=mutual).values_list("status")),
        list(RuleVersion.unscoped.filter(organization=mutual).values_list("label", "adopted_at")),
        TillClosing.unscoped.filter(organization=mutual).count(),
        list(CollectorSheet.unscoped.filter(organization=mutual).values_list("remitted_at")),
        list(StatementLine.unscoped.filter(organization=mutual).values_list("status")),
    )


def plant_benefits(world):
    """The other tenant's catalogue (at its union), package, adopted version and draft."""
    from datetime import date
    from decimal import Decimal

    from mutuelle.benefits import actions as benefits

    act = benefits.add_act(
        world.admin,
        world.union_b,
        "ZZ-ACT",
        name_fr=SENTINEL,
        name_en=SENTINEL,
        category="consultation",
    )
    package = benefits.create_package(
        world.admin, world.mutual_b, "ZZP", SENTINEL, SENTINEL, "compulsory"
    )
    adopted = package.versions.get()
    benefits.add_line(world.admin, adopted, benefits.LineSpec(act=act, rate=Decimal(80)))
    benefits.adopt(world.admin, adopted, date(2026, 1, 1))
    draft = benefits.new_version_from(world.admin, adopted)
    return act, adopted, draft, draft.lines.get()


def benefits_of() -> tuple:
    from mutuelle.benefits.models import Act, CoverageLine, Package, PackageVersion

    return (
        list(Act.unscoped.values_list("code", "name_fr", "is_active").order_by("code")),
        list(Package.unscoped.values_list("code", "name_fr").order_by("code")),
        list(
            PackageVersion.unscoped.values_list(
                "package__code",
                "number",
                "status",
                "effective_from",
                "effective_to",
                "waiting_days",
            ).order_by("package__code", "number")
        ),
        CoverageLine.unscoped.count(),
    )


def ledger_of(mutual) -> tuple:
    from mutuelle.accounting.models import Account, Entry, FiscalYear, Period, PostingRule

    return (
        Account.unscoped.filter(organization=mutual).count(),
        list(Account.unscoped.filter(organization=mutual, is_active=False).values_list("number")),
        Entry.unscoped.filter(organization=mutual).count(),
        list(
            Period.unscoped.filter(organization=mutual, closed_at__isnull=False).values_list(
                "start"
            )
        ),
        list(FiscalYear.unscoped.filter(organization=mutual).values_list("start", "closed_at")),
        list(PostingRule.unscoped.filter(organization=mutual).values_list("journal", "debit")),
    )


def register_settings_of(mutual) -> tuple:
    from mutuelle.members.models import AbilityCategory, RegisterSettings

    row = RegisterSettings.unscoped.filter(organization=mutual).first()
    categories = AbilityCategory.unscoped.filter(organization=mutual).values_list("code", "name_fr")
    return (row and (row.dependant_age_limit, row.whole_household), list(categories))


def plant_pair(household):
    """An open duplicate suspect pair inside the other tenant's mutual."""
    from mutuelle.members.models import DuplicatePair

    first, second = sorted(household.persons.all(), key=lambda p: p.pk)
    return DuplicatePair.unscoped.create(
        first=first,
        second=second,
        organization=household.organization,
        other_organization=household.organization,
        reasons="name",
    )


def plant_print_job(world):
    """The other tenant's finished village print job, its PDF holding the sentinel."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from mutuelle.cards.jobs import PRINT_PLACE, pdf_name
    from mutuelle.core.models import Job

    job = jobs.start(PRINT_PLACE, actor=world.manager_b, organization=world.mutual_b)
    name = default_storage.save(pdf_name(job), ContentFile(f"%PDF-1.7 {SENTINEL}".encode()))
    result = {"file": name, "cards": 1, "mutuals": [world.mutual_b.pk]}
    Job.unscoped.filter(pk=job.pk).update(state=Job.State.SUCCEEDED, result=result)
    return job


def plant_sibling(world):
    """A second mutual under the tester's own union, same country, with its own staff."""
    from ..conftest import make_org, make_user

    sibling = make_org("mutual", "MA2", world.union_a, name=f"Mutuelle de Pout {SIBLING_SENTINEL}")
    make_user(
        "sibmanager", Role.MUTUAL_MANAGER, org=sibling, full_name=f"Gérant {SIBLING_SENTINEL}"
    )
    jobs.start("core.backup", actor=world.admin, organization=sibling)
    enrol(world.admin, sibling, SIBLING_SENTINEL)
    plant_subsidies(world, sibling, SIBLING_SENTINEL)
    return sibling


@pytest.mark.django_db
@pytest.mark.parametrize("role", ATTACKERS)
def test_no_url_leaks_another_tenants_data(client, world, role):
    others = Others(world)
    plant_sibling(world)
    before = others.snapshot()
    attacker = world.persona(role)
    secrets = [SENTINEL.encode()] + (
        [SIBLING_SENTINEL.encode()] if role in SIBLING_OUTSIDERS else []
    )
    if role == Role.NETWORK_COORDINATOR:
        # The coordinator of the whole network sees both sides: make them coordinate a
        # sub-network that excludes the other tenant instead.
        RoleGrant.objects.filter(user=attacker).update(organization=world.union_a)
    unknown, leaks, wrong = [], [], []
    for name, route, _pattern in all_patterns():
        is_admin = (name or "").startswith("admin:") or route.startswith("admin/")
        rule = ADMIN_EXCEPTIONS.get(name, ADMIN_RULE) if is_admin else RULES.get(name or "")
        if rule is None:
            unknown.append(f"{name} ({route})")
            continue
        kwargs = (
            admin_kwargs(route, others)
            if is_admin
            else {k: others.value(v) for k, v in rule.kwargs.items()}
        )
        path = fill(route, kwargs)
        for method in ("get", "post"):
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                client.force_login(attacker)
                response = getattr(client, method)(path, **headers)
                body = b"".join(response) if response.streaming else response.content
                if any(secret in body for secret in secrets):
                    leaks.append(f"{method.upper()} {path} ({name})")
                ok = response.status_code in rule.expect or (
                    method == "post" and response.status_code in {NOT_ALLOWED, 302, 403}
                )
                if not ok:
                    wrong.append(f"{method.upper()} {path} ({name}): {response.status_code}")
    assert not unknown, "URL patterns without an isolation rule:\n" + "\n".join(unknown)
    assert not leaks, "responses containing another tenant's data:\n" + "\n".join(leaks)
    assert not wrong, "unexpected statuses:\n" + "\n".join(sorted(set(wrong)))
    # A POST answered 302 may still have done something: the other tenant must be untouched.
    assert others.snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MUTUAL_MANAGER, Role.UNION_MANAGER])
def test_forms_refuse_the_other_tenants_ids(client, world, role):
    """Choices in forms (organization, home organization) are scoped too: posting the other
    tenant's id is refused and stores nothing."""
    from mutuelle.core.models import Organization, User

    others = Others(world)
    before = others.snapshot()
    attacker = world.persona(role)
    client.force_login(attacker)
    own_user = world.cashier
    client.post(
        f"/users/{own_user.uuid}/grant/",
        {
            "role": "cashier",
            "scope": "organization",
            "organization": others.mutual.pk,
        },
    )
    assert not RoleGrant.objects.filter(user=own_user, organization=others.mutual).exists()
    client.post(
        "/users/new/",
        {
            "full_name": "Intrus",
            "username": "intrus",
            "language": "fr",
            "home_organization": others.mutual.pk,
        },
    )
    assert not User.objects.filter(username="intrus").exists()
    own = world.union_a if role == Role.UNION_MANAGER else world.mutual_a
    client.post(
        f"/organizations/{own.uuid}/new/",
        {
            "kind": "mutual",
            "code": "INTRUS",
            "name": "Intrus",
            "country": "CM",
            "currency": "XAF",
            "time_zone": "Africa/Douala",
            "language": "fr",
        },
    )
    assert not Organization.unscoped.filter(code="INTRUS", parent=others.mutual).exists()
    assert others.snapshot() == before


@pytest.mark.django_db
def test_the_harness_sees_a_leak(client, world):
    """The harness must catch a leak when there is one: the other tenant's own manager sees
    their data (so the sentinel is found)."""
    others = Others(world)
    client.force_login(world.manager_b)
    page = client.get(fill(get_route("organization_detail"), {"org_uuid": others.mutual.uuid}))
    assert SENTINEL.encode() in page.content


def get_route(name: str) -> str:
    return next(route for n, route, _ in all_patterns() if n == name)
