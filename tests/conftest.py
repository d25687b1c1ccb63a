"""Shared fixtures: a small network with two countries, two unions, two mutuals, a provider in
each, and one user per role (the personas). Tests name them by what they are."""

import os

import pytest
from hypothesis import settings as hypothesis_settings

from mutuelle.core import actions
from mutuelle.core.models import User
from mutuelle.core.roles import Role, Scope

hypothesis_settings.register_profile("ci", max_examples=60, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=200, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

PASSWORD = "correct-horse-battery"
# Planted only in the second tenant's data: no response to the first tenant may contain it.
SENTINEL = "ZZSENTINELQX"


def make_org(kind, code, parent=None, country="SN", currency="XOF", tz="Africa/Dakar", name=None):
    return actions.create_organization(
        None,
        parent=parent,
        kind=kind,
        code=code,
        name=name or f"{kind.title()} {code}",
        country=country,
        currency=currency,
        time_zone=tz,
    )


def make_user(username, role=None, scope=Scope.ORGANIZATION, org=None, country="", **extra):
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        full_name=extra.pop("full_name", username.title()),
        home_organization=org if scope in (Scope.ORGANIZATION, Scope.PROVIDER) else None,
        **extra,
    )
    if role:
        actions.grant_role(None, user, role=role, scope=scope, organization=org, country=country)
    return user


class World:
    """The network: A side (Senegal) is the tester's; B side (Cameroon) is the other tenant."""

    def __init__(self):
        self.network = make_org("network", "NET", name="Réseau de concertation")
        self.union_a = make_org("union", "UA", self.network, name="Union Thiès")
        self.mutual_a = make_org("mutual", "MA", self.union_a, name="Mutuelle de Keur Massar")
        self.section_a = make_org("section", "MA-S1", self.mutual_a, name="Section Ndiaye")
        self.provider_a = make_org("provider", "PA", self.union_a, name="Centre de santé Thiès")
        self.union_b = make_org(
            "union",
            "UB",
            self.network,
            country="CM",
            currency="XAF",
            tz="Africa/Douala",
            name=f"Union Bamenda {SENTINEL}",
        )
        self.mutual_b = make_org(
            "mutual",
            "MB",
            self.union_b,
            country="CM",
            currency="XAF",
            tz="Africa/Douala",
            name=f"Mutuelle Bafut {SENTINEL}",
        )
        self.provider_b = make_org(
            "provider",
            "PB",
            self.union_b,
            country="CM",
            currency="XAF",
            tz="Africa/Douala",
            name=f"Hôpital Bafut {SENTINEL}",
        )
        self.admin = make_user("admin", Role.PLATFORM_ADMIN, Scope.GLOBAL)
        self.coordinator = make_user("coordinator", Role.NETWORK_COORDINATOR, org=self.network)
        self.focal_sn = make_user("focal", Role.COUNTRY_FOCAL_POINT, Scope.COUNTRY, country="SN")
        self.union_manager = make_user("umanager", Role.UNION_MANAGER, org=self.union_a)
        self.manager = make_user(
            "manager",
            Role.MUTUAL_MANAGER,
            org=self.mutual_a,
            phone="+221 77 000 00 01",
            email="manager@example.org",
        )
        self.enrolment = make_user("agent", Role.ENROLMENT_OFFICER, org=self.mutual_a)
        self.cashier = make_user("cashier", Role.CASHIER, org=self.mutual_a)
        self.claims = make_user("claims", Role.CLAIMS_OFFICER, org=self.mutual_a)
        self.adviser = make_user("adviser", Role.MEDICAL_ADVISER, org=self.mutual_a)
        self.accountant = make_user("accountant", Role.ACCOUNTANT, org=self.mutual_a)
        self.auditor = make_user("auditor", Role.AUDITOR, org=self.mutual_a)
        self.clerk = make_user("clerk", Role.PROVIDER_CLERK, Scope.PROVIDER, org=self.provider_a)
        self.manager_b = make_user(
            "managerb", Role.MUTUAL_MANAGER, org=self.mutual_b, full_name=f"Manager {SENTINEL}"
        )

    def persona(self, role: str) -> User:
        return {
            Role.PLATFORM_ADMIN: self.admin,
            Role.NETWORK_COORDINATOR: self.coordinator,
            Role.COUNTRY_FOCAL_POINT: self.focal_sn,
            Role.UNION_MANAGER: self.union_manager,
            Role.MUTUAL_MANAGER: self.manager,
            Role.ENROLMENT_OFFICER: self.enrolment,
            Role.CASHIER: self.cashier,
            Role.CLAIMS_OFFICER: self.claims,
            Role.MEDICAL_ADVISER: self.adviser,
            Role.ACCOUNTANT: self.accountant,
            Role.AUDITOR: self.auditor,
            Role.PROVIDER_CLERK: self.clerk,
        }[role]


@pytest.fixture
def world(db):
    return World()


@pytest.fixture(autouse=True)
def _fresh_tariff_tables():
    # Adopted tariff tables are cached per process; a rolled-back test database gives row ids
    # (and frozen clocks give adoption times) back to the next test's schedules.
    from mutuelle.benefits.queries import clear_terms_cache
    from mutuelle.claims.triage import clear_statistics
    from mutuelle.providers.queries import clear_served_cache, clear_table_cache

    clear_table_cache()
    clear_terms_cache()  # adopted package versions' terms, kept per process too
    clear_served_cache()
    clear_statistics()  # the triage's window statistics, kept per process too


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Tests see French by default like the field; tests that need English switch explicitly.
    settings.LANGUAGE_CODE = "fr"
    # Argon2 is deliberately slow; unit tests use a fast hasher (browser journeys do not).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No collectstatic manifest in unit tests (browser journeys use the real one).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# --- Run report: which test passed, failed or skipped in this pass (see scripts/test.sh) ----
def pytest_runtest_logreport(report):
    path = os.environ.get("MUTUELLE_TEST_REPORT")
    # Under xdist the controller sees every worker's reports: write from the controller only.
    if not path or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    import json

    if report.when == "call" or report.outcome != "passed":
        rec = {"nodeid": report.nodeid, "outcome": report.outcome}
        if report.skipped and isinstance(report.longrepr, tuple):
            rec["reason"] = report.longrepr[2]
        with open(path, "a") as fh:
            fh.write(json.dumps(rec) + "\n")
