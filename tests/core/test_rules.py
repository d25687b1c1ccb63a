"""Pure rules of the core, tested without a database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mutuelle.core import rules
from mutuelle.core.roles import GRANTABLE, PERMISSIONS, ROLE_SCOPES, Perm, Role, Scope
from mutuelle.lib.checkdigit import verhoeff_digit, verhoeff_valid

UNION = rules.Target(org_id=2, path="/1/2/", country="SN")
MUTUAL = rules.Target(org_id=3, path="/1/2/3/", country="SN")
OTHER_MUTUAL = rules.Target(org_id=5, path="/1/4/5/", country="CM")


@pytest.mark.parametrize(
    "kind,parent,reason",
    [
        ("network", None, None),
        ("mutual", None, "org.parent_required"),
        ("union", "network", None),
        ("mutual", "union", None),
        ("mutual", "network", None),
        ("section", "mutual", None),
        ("section", "union", "org.parent_kind_not_allowed"),
        ("union", "mutual", "org.parent_kind_not_allowed"),
        ("provider", "union", None),
        ("provider", "section", "org.parent_kind_not_allowed"),
    ],
)
def test_it_allows_only_downward_trees(kind, parent, reason):
    assert rules.parent_error(kind, parent) == reason


def test_it_covers_subtrees_countries_and_providers():
    union_grant = rules.Grant(Role.UNION_MANAGER, Scope.ORGANIZATION, 2, "/1/2/")
    assert rules.grant_covers(union_grant, MUTUAL)
    assert rules.grant_covers(union_grant, UNION)
    assert not rules.grant_covers(union_grant, OTHER_MUTUAL)
    # "/1/2/" must not cover "/1/23/": the trailing slash matters.
    assert not rules.grant_covers(union_grant, rules.Target(23, "/1/23/", "SN"))
    country = rules.Grant(Role.COUNTRY_FOCAL_POINT, Scope.COUNTRY, country="CM")
    assert rules.grant_covers(country, OTHER_MUTUAL) and not rules.grant_covers(country, MUTUAL)
    provider = rules.Grant(Role.PROVIDER_CLERK, Scope.PROVIDER, 9, "/1/2/9/")
    assert rules.grant_covers(provider, rules.Target(9, "/1/2/9/", "SN"))
    assert not rules.grant_covers(provider, MUTUAL)
    assert rules.grant_covers(rules.Grant(Role.PLATFORM_ADMIN, Scope.GLOBAL), OTHER_MUTUAL)


def test_it_gives_permissions_only_inside_the_scope():
    grants = [rules.Grant(Role.MUTUAL_MANAGER, Scope.ORGANIZATION, 3, "/1/2/3/")]
    assert rules.has_perm(grants, Perm.MANAGE_USERS, MUTUAL)
    assert not rules.has_perm(grants, Perm.MANAGE_USERS, OTHER_MUTUAL)
    assert not rules.has_perm(grants, Perm.MANAGE_ORGANIZATIONS, MUTUAL)
    auditor = [rules.Grant(Role.AUDITOR, Scope.ORGANIZATION, 3, "/1/2/3/")]
    assert rules.has_perm(auditor, Perm.VIEW_AUDIT, MUTUAL)
    assert not any(
        rules.has_perm(auditor, p, MUTUAL)
        for p in (Perm.MANAGE_USERS, Perm.GRANT_ROLES, Perm.RUN_IMPORTS, Perm.MANAGE_BACKUPS)
    )


def test_it_lets_managers_grant_only_below_them_and_inside_their_scope():
    manager = [rules.Grant(Role.MUTUAL_MANAGER, Scope.ORGANIZATION, 3, "/1/2/3/")]
    assert rules.may_grant(manager, Role.CASHIER, Scope.ORGANIZATION, MUTUAL) is None
    assert rules.may_grant(manager, Role.CASHIER, Scope.ORGANIZATION, UNION) is not None
    assert rules.may_grant(manager, Role.UNION_MANAGER, Scope.ORGANIZATION, MUTUAL) is not None
    assert rules.may_grant(manager, Role.PLATFORM_ADMIN, Scope.GLOBAL, None) is not None
    assert rules.may_grant(manager, Role.CASHIER, Scope.ORGANIZATION, OTHER_MUTUAL) is not None
    admin = [rules.Grant(Role.PLATFORM_ADMIN, Scope.GLOBAL)]
    assert rules.may_grant(admin, Role.COUNTRY_FOCAL_POINT, Scope.COUNTRY, None, "CM") is None


def test_it_checks_role_scopes():
    assert rules.grant_scope_error(Role.CASHIER, Scope.COUNTRY, None)
    assert rules.grant_scope_error(Role.PROVIDER_CLERK, Scope.PROVIDER, "mutual")
    assert rules.grant_scope_error(Role.PROVIDER_CLERK, Scope.PROVIDER, "provider") is None
    assert rules.grant_scope_error(Role.CASHIER, Scope.ORGANIZATION, "provider")


def test_every_role_is_declared_everywhere():
    for role in Role.values:
        assert role in PERMISSIONS and role in ROLE_SCOPES
    for granter, grantable in GRANTABLE.items():
        assert grantable <= set(Role.values), granter
    assert Perm.MANAGE_USERS not in PERMISSIONS[Role.AUDITOR]


@given(st.text(alphabet="0123456789", min_size=1, max_size=18))
def test_verhoeff_catches_single_digit_errors(digits):
    number = digits + verhoeff_digit(digits)
    assert verhoeff_valid(number)
    for i, ch in enumerate(number):
        for d in "0123456789":
            if d != ch:
                assert not verhoeff_valid(number[:i] + d + number[i + 1 :])


@given(st.text(alphabet="0123456789", min_size=2, max_size=18))
def test_verhoeff_catches_adjacent_transpositions(digits):
    number = digits + verhoeff_digit(digits)
    for i in range(len(number) - 1):
        if number[i] != number[i + 1]:
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            assert not verhoeff_valid(swapped)


def test_verhoeff_matches_the_published_example():
    assert verhoeff_digit("236") == "3" and verhoeff_valid("2363")
