"""The menu and the home page's tasks, derived from what the user may do."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import rules
from .roles import Perm, Role
from .scoping import grants_of


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: object
    perm: str | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MENU = [
    Entry("home", _("Home")),
    Entry("household_list", _("Households"), Perm.VIEW_REGISTER),
    Entry("village_cards", _("Membership cards"), Perm.ENROL_MEMBERS),
    Entry("cashier", _("Cashier"), Perm.COLLECT_PAYMENTS),
    Entry("rule_list", _("Contributions"), Perm.VIEW_BENEFITS),
    Entry("correction_list", _("Corrections to approve"), Perm.APPROVE_CORRECTIONS),
    Entry("ledger_list", _("Accounts"), Perm.VIEW_LEDGER),
    Entry("package_list", _("Benefit packages"), Perm.VIEW_BENEFITS),
    Entry("eligibility", _("Eligibility"), Perm.CHECK_ELIGIBILITY),
    Entry("claim_list", _("Claims"), Perm.SUBMIT_CLAIMS),
    Entry("letter_list", _("Guarantee letters"), Perm.CHECK_ELIGIBILITY),
    Entry("review_queue", _("Medical review"), Perm.REVIEW_CLAIMS),
    Entry("settlement_list", _("Settlements"), Perm.ADJUDICATE_CLAIMS),
    Entry("provider_list", _("Health care providers"), Perm.VIEW_PROVIDERS),
    Entry("organization_list", _("Organizations"), Perm.VIEW_ORGANIZATIONS),
    Entry("place_list", _("Places"), Perm.VIEW_ORGANIZATIONS),
    Entry("user_list", _("Users and roles"), Perm.VIEW_USERS),
    Entry("import_index", _("Imports"), Perm.RUN_IMPORTS),
    Entry("job_list", _("Background jobs"), Perm.VIEW_JOBS),
    Entry("audit_list", _("Audit trail"), Perm.VIEW_AUDIT),
]

# What each role comes to do, shown first on its home page. Later issues add their tasks here.
ROLE_TASKS: dict[str, list[tuple[str, object]]] = {
    Role.PLATFORM_ADMIN: [
        ("organization_list", _("Host networks, unions and mutuals")),
        ("user_list", _("Create users and grant roles")),
        ("job_list", _("Watch background jobs and backups")),
    ],
    Role.NETWORK_COORDINATOR: [
        ("organization_list", _("Follow the organizations of the network")),
        ("user_list", _("Appoint country focal points")),
    ],
    Role.COUNTRY_FOCAL_POINT: [
        ("organization_list", _("Follow the organizations of your country")),
        ("import_index", _("Import the places of your country")),
    ],
    Role.UNION_MANAGER: [
        ("organization_list", _("Follow the union's mutuals")),
        ("user_list", _("Manage the staff of the union and its mutuals")),
        ("package_list", _("Define the union's benefit packages and acts catalogue")),
        ("convention_list", _("Negotiate the union's conventions and tariffs with providers")),
    ],
    Role.MUTUAL_MANAGER: [
        ("household_list", _("The member register")),
        ("register_settings_list", _("Set the register: statutes and categories")),
        ("card_design_list", _("Design the membership cards")),
        ("package_list", _("Benefit packages: versions, coverage lines, preview")),
        ("rule_list", _("Contribution rules and billing")),
        ("settlement_list", _("Approve the payment orders of providers")),
        ("convention_list", _("Conventions and tariffs with health care providers")),
        ("user_list", _("Manage your mutual's staff and their roles")),
        ("import_index", _("Import data from spreadsheets")),
    ],
    Role.ENROLMENT_OFFICER: [
        ("household_enrol", _("Enrol a household")),
        ("household_list", _("Find a household")),
        ("village_cards", _("Print the cards of a village")),
    ],
    Role.CASHIER: [
        ("cashier", _("Take a contribution and print the receipt")),
        ("till", _("Close your till at the end of the day")),
    ],
    Role.CLAIMS_OFFICER: [
        ("claim_list", _("Follow the claims: adjudicate, close")),
        ("claim_new", _("Enter a provider's claim")),
        ("cash_benefit_new", _("Record a cash benefit: death, birth, incapacity")),
        ("import_index", _("Import provider invoice files")),
        ("settlement_new", _("Prepare the month's statements and payment orders")),
    ],
    Role.MEDICAL_ADVISER: [
        ("review_queue", _("Review the flagged claims")),
        ("letter_list", _("Decide the guarantee letters requested")),
        ("dispute_list", _("Re-examine the disputed claims")),
    ],
    Role.ACCOUNTANT: [
        ("ledger_list", _("Check the trial balance")),
        ("ledger_list", _("Read the journals, close the month and the fiscal year")),
        ("correction_list", _("Approve corrections of payments")),
        ("import_index", _("Import opening balances and statements")),
    ],
    Role.AUDITOR: [
        ("audit_list", _("Read the audit trail")),
        ("user_list", _("Review who holds which role")),
    ],
    Role.PROVIDER_CLERK: [
        ("eligibility", _("Check a patient's eligibility")),
        ("offline_verifier", _("Check cards without a connection")),
        ("letter_request", _("Request a guarantee letter")),
        ("claim_new", _("Submit a claim")),
        ("claim_list", _("Follow your claims")),
        ("settlement_list", _("Read the statements the mutuals pay you")),
    ],
}


def menu_for(user) -> list[Entry]:
    grants = grants_of(user)
    return [e for e in MENU if e.perm is None or rules.has_perm(grants, e.perm)]
