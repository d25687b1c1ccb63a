"""Who may do what: the one module that screens, API and exports all ask.

A role is granted on a scope (see models.RoleGrant). This module only declares; the checks
live in mutuelle.core.permissions and the pure coverage rules in mutuelle.core.rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    GLOBAL = "global", _("Whole platform")
    ORGANIZATION = "organization", _("Organization and its subtree")
    COUNTRY = "country", _("Country")
    PROVIDER = "provider", _("Health care provider")


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    NETWORK_COORDINATOR = "network_coordinator", _("Network coordinator")
    COUNTRY_FOCAL_POINT = "country_focal_point", _("Country focal point")
    UNION_MANAGER = "union_manager", _("Union manager")
    MUTUAL_MANAGER = "mutual_manager", _("Mutual manager")
    ENROLMENT_OFFICER = "enrolment_officer", _("Enrolment officer")
    CASHIER = "cashier", _("Cashier")
    CLAIMS_OFFICER = "claims_officer", _("Claims officer")
    MEDICAL_ADVISER = "medical_adviser", _("Medical adviser")
    ACCOUNTANT = "accountant", _("Accountant")
    AUDITOR = "auditor", _("Auditor (read-only)")
    PROVIDER_CLERK = "provider_clerk", _("Provider clerk")


class Perm(models.TextChoices):
    VIEW_ORGANIZATIONS = "view_organizations", _("See organizations")
    MANAGE_ORGANIZATIONS = "manage_organizations", _("Create and edit organizations")
    MANAGE_PLACES = "manage_places", _("Edit the places tree")
    VIEW_USERS = "view_users", _("See staff users")
    MANAGE_USERS = "manage_users", _("Create users and reset their passwords")
    GRANT_ROLES = "grant_roles", _("Grant and revoke roles")
    VIEW_JOBS = "view_jobs", _("Follow background jobs")
    RUN_IMPORTS = "run_imports", _("Run imports")
    VIEW_AUDIT = "view_audit", _("Read the audit trail")
    SEND_NOTIFICATIONS = "send_notifications", _("Send notifications")
    MANAGE_BACKUPS = "manage_backups", _("Run and restore backups")
    CHECK_ELIGIBILITY = "check_eligibility", _("Check a beneficiary's eligibility")
    VIEW_REGISTER = "view_register", _("See the member register")
    ENROL_MEMBERS = "enrol_members", _("Enrol households and record household life")
    CONFIGURE_MUTUAL = "configure_mutual", _("Set a mutual's statutes, categories and cards")
    VIEW_LEDGER = "view_ledger", _("Read the accounts")
    KEEP_ACCOUNTS = "keep_accounts", _("Keep the accounts: chart, entries, reversals")
    VIEW_BENEFITS = "view_benefits", _("See acts, benefit packages and contribution rules")
    MANAGE_BENEFITS = (
        "manage_benefits",
        _("Define acts, benefit packages, contribution rules and subsidy programmes"),
    )
    COLLECT_PAYMENTS = "collect_payments", _("Record payments and print receipts")
    BILL_DUES = "bill_dues", _("Bill dues and follow arrears")
    APPROVE_CORRECTIONS = (
        "approve_corrections",
        _("Approve a correction made by someone else (second person)"),
    )
    VIEW_PROVIDERS = "view_providers", _("See health care providers, conventions and tariffs")
    MANAGE_CONVENTIONS = (
        "manage_conventions",
        _("Register providers and negotiate conventions and tariffs"),
    )
    SUBMIT_CLAIMS = "submit_claims", _("Enter and submit claims and guarantee letter requests")
    ADJUDICATE_CLAIMS = (
        "adjudicate_claims",
        _("Adjudicate claims and prepare provider statements and payment orders"),
    )
    REVIEW_CLAIMS = (
        "review_claims",
        _("Review flagged claims, disputes and guarantee letters (medical adviser)"),
    )
    VIEW_MEDICAL = "view_medical", _("See diagnoses and medical details")
    APPROVE_SETTLEMENTS = (
        "approve_settlements",
        _("Approve a payment order prepared by someone else (second person)"),
    )


# Which scopes each role may be granted on.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.PLATFORM_ADMIN: frozenset({Scope.GLOBAL}),
    Role.NETWORK_COORDINATOR: frozenset({Scope.ORGANIZATION}),
    Role.COUNTRY_FOCAL_POINT: frozenset({Scope.COUNTRY}),
    Role.UNION_MANAGER: frozenset({Scope.ORGANIZATION}),
    Role.MUTUAL_MANAGER: frozenset({Scope.ORGANIZATION}),
    Role.ENROLMENT_OFFICER: frozenset({Scope.ORGANIZATION}),
    Role.CASHIER: frozenset({Scope.ORGANIZATION}),
    Role.CLAIMS_OFFICER: frozenset({Scope.ORGANIZATION}),
    Role.MEDICAL_ADVISER: frozenset({Scope.ORGANIZATION}),
    Role.ACCOUNTANT: frozenset({Scope.ORGANIZATION}),
    Role.AUDITOR: frozenset({Scope.ORGANIZATION, Scope.COUNTRY}),
    Role.PROVIDER_CLERK: frozenset({Scope.PROVIDER}),
}

_ALL = frozenset(Perm.values)
_READ = frozenset({Perm.VIEW_ORGANIZATIONS, Perm.VIEW_USERS, Perm.VIEW_JOBS, Perm.VIEW_AUDIT})
_MANAGER = _READ | {
    Perm.VIEW_REGISTER,
    Perm.ENROL_MEMBERS,
    Perm.MANAGE_USERS,
    Perm.GRANT_ROLES,
    Perm.RUN_IMPORTS,
    Perm.SEND_NOTIFICATIONS,
    Perm.CONFIGURE_MUTUAL,
    Perm.VIEW_LEDGER,
    Perm.KEEP_ACCOUNTS,
    Perm.VIEW_BENEFITS,
    Perm.MANAGE_BENEFITS,
    Perm.COLLECT_PAYMENTS,
    Perm.BILL_DUES,
    Perm.APPROVE_CORRECTIONS,
    Perm.VIEW_PROVIDERS,
    Perm.MANAGE_CONVENTIONS,
    Perm.APPROVE_SETTLEMENTS,
    Perm.CHECK_ELIGIBILITY,
}

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.PLATFORM_ADMIN: _ALL,
    Role.NETWORK_COORDINATOR: (
        _MANAGER
        - {
            Perm.VIEW_REGISTER,
            Perm.ENROL_MEMBERS,
            Perm.COLLECT_PAYMENTS,
            Perm.BILL_DUES,
            Perm.APPROVE_CORRECTIONS,
            Perm.APPROVE_SETTLEMENTS,
            Perm.CHECK_ELIGIBILITY,
        }
    )
    | {Perm.MANAGE_ORGANIZATIONS, Perm.MANAGE_PLACES},
    Role.COUNTRY_FOCAL_POINT: _READ | {Perm.RUN_IMPORTS, Perm.MANAGE_PLACES},
    Role.UNION_MANAGER: _MANAGER | {Perm.MANAGE_ORGANIZATIONS},
    Role.MUTUAL_MANAGER: _MANAGER,
    Role.ENROLMENT_OFFICER: frozenset(
        {
            Perm.VIEW_ORGANIZATIONS,
            Perm.VIEW_JOBS,
            Perm.RUN_IMPORTS,
            Perm.CHECK_ELIGIBILITY,
            Perm.VIEW_REGISTER,
            Perm.ENROL_MEMBERS,
            Perm.VIEW_BENEFITS,
        }
    ),
    Role.CASHIER: frozenset(
        {
            Perm.VIEW_ORGANIZATIONS,
            Perm.VIEW_JOBS,
            Perm.CHECK_ELIGIBILITY,
            Perm.VIEW_REGISTER,
            Perm.VIEW_BENEFITS,
            Perm.COLLECT_PAYMENTS,
        }
    ),
    Role.CLAIMS_OFFICER: frozenset(
        {
            Perm.VIEW_ORGANIZATIONS,
            Perm.VIEW_JOBS,
            Perm.RUN_IMPORTS,
            Perm.CHECK_ELIGIBILITY,
            Perm.VIEW_BENEFITS,
            Perm.VIEW_PROVIDERS,
            Perm.SUBMIT_CLAIMS,
            Perm.ADJUDICATE_CLAIMS,
        }
    ),
    # Medical details are for medical roles: the claims officer adjudicates without them.
    Role.MEDICAL_ADVISER: frozenset(
        {
            Perm.VIEW_ORGANIZATIONS,
            Perm.VIEW_JOBS,
            Perm.CHECK_ELIGIBILITY,
            Perm.VIEW_BENEFITS,
            Perm.VIEW_PROVIDERS,
            Perm.REVIEW_CLAIMS,
            Perm.VIEW_MEDICAL,
        }
    ),
    Role.ACCOUNTANT: frozenset(
        {
            Perm.VIEW_ORGANIZATIONS,
            Perm.VIEW_JOBS,
            Perm.RUN_IMPORTS,
            Perm.VIEW_LEDGER,
            Perm.KEEP_ACCOUNTS,
            Perm.VIEW_BENEFITS,
            Perm.BILL_DUES,
            Perm.APPROVE_CORRECTIONS,
            Perm.VIEW_PROVIDERS,
        }
    ),
    # Individuals' data is for the mutual's people; network roles see aggregates (later issues).
    Role.AUDITOR: _READ
    | {Perm.VIEW_REGISTER, Perm.VIEW_LEDGER, Perm.VIEW_BENEFITS, Perm.VIEW_PROVIDERS},
    # A clerk works on their own provider's patients and claims only (a provider scope); the
    # medical details they see are those of the care their provider gave.
    Role.PROVIDER_CLERK: frozenset(
        {Perm.CHECK_ELIGIBILITY, Perm.SUBMIT_CLAIMS, Perm.VIEW_PROVIDERS, Perm.VIEW_MEDICAL}
    ),
}

# Which roles a holder of each role may grant (always within the holder's own scope).
GRANTABLE: dict[str, frozenset[str]] = {
    Role.PLATFORM_ADMIN: frozenset(Role.values),
    Role.NETWORK_COORDINATOR: frozenset(Role.values) - {Role.PLATFORM_ADMIN},
    Role.UNION_MANAGER: frozenset(
        {
            Role.UNION_MANAGER,
            Role.MUTUAL_MANAGER,
            Role.ENROLMENT_OFFICER,
            Role.CASHIER,
            Role.CLAIMS_OFFICER,
            Role.MEDICAL_ADVISER,
            Role.ACCOUNTANT,
            Role.AUDITOR,
        }
    ),
    Role.MUTUAL_MANAGER: frozenset(
        {
            Role.MUTUAL_MANAGER,
            Role.ENROLMENT_OFFICER,
            Role.CASHIER,
            Role.CLAIMS_OFFICER,
            Role.MEDICAL_ADVISER,
            Role.ACCOUNTANT,
            Role.AUDITOR,
        }
    ),
}

# Roles whose holders must use two-factor authentication.
TWO_FACTOR_REQUIRED: frozenset[str] = frozenset({Role.PLATFORM_ADMIN})
