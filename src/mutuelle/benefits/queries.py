"""Reads of the catalogue and the packages, for screens and for the apps above (contributions,
coverage status, claims).

    visible_acts(user) / visible_packages(user)   what a user may read (404 across tenants)
    catalogue_for(organization)                   the acts an organization uses (its own and
                                                  its ancestors')
    packages_for(organization)                    the packages it offers (its own, its union's)
    versions_in_force(organization, on)           adopted versions in force at a date
    package_versions(package)                     all versions, oldest first
    version_in_force(package, on)                 one package's version at a date
    terms_of(version)                             the version as rules.Terms
    preview(version, act, tariff, quantity, who)  rules.assess on a stored version
"""

from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from mutuelle.core.models import Organization
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import scope

from . import rules
from .models import Act, CoverageLine, Package, PackageVersion, VersionStatus


def visible_acts(user, perm: str = Perm.VIEW_BENEFITS) -> QuerySet[Act]:
    """Acts of the catalogues the user reads: their organizations' and their ancestors'."""
    return scope(Act.unscoped.all(), user, perm, include_ancestors=True)


def visible_packages(user, perm: str = Perm.VIEW_BENEFITS) -> QuerySet[Package]:
    return scope(Package.unscoped.all(), user, perm, include_ancestors=True)


def visible_versions(user, perm: str = Perm.VIEW_BENEFITS) -> QuerySet[PackageVersion]:
    return scope(
        PackageVersion.unscoped.all(),
        user,
        perm,
        field="package__organization",
        include_ancestors=True,
    )


def visible_lines(user, perm: str = Perm.VIEW_BENEFITS) -> QuerySet[CoverageLine]:
    return scope(
        CoverageLine.unscoped.all(),
        user,
        perm,
        field="version__package__organization",
        include_ancestors=True,
    )


def _lineage(organization: Organization) -> list[int]:
    return [*organization.ancestor_ids(), organization.pk]


def catalogue_for(organization: Organization) -> QuerySet[Act]:
    """The acts an organization uses: its own catalogue and its ancestors'."""
    return Act.unscoped.filter(organization_id__in=_lineage(organization))


def packages_for(organization: Organization) -> QuerySet[Package]:
    """The packages an organization offers: its own and its ancestors' (a union's)."""
    return Package.unscoped.filter(organization_id__in=_lineage(organization))


def package_versions(package: Package) -> list[PackageVersion]:
    """Every version of a package, oldest first (drafts included)."""
    return list(PackageVersion.unscoped.filter(package=package).order_by("number"))


def _in_force(on: date) -> Q:
    return Q(status=VersionStatus.ADOPTED, effective_from__lte=on) & (
        Q(effective_to__isnull=True) | Q(effective_to__gte=on)
    )


def versions_in_force(organization: Organization, on: date) -> list[PackageVersion]:
    """The adopted versions in force on `on` of the active packages an organization offers
    (its own and its union's), compulsory packages first. At most one per package."""
    versions = PackageVersion.unscoped.filter(
        _in_force(on),
        package__organization_id__in=_lineage(organization),
        package__is_active=True,
    ).select_related("package")
    return sorted(versions, key=lambda v: (v.package.kind != "compulsory", v.package.code))


def version_in_force(package: Package, on: date) -> PackageVersion | None:
    return PackageVersion.unscoped.filter(_in_force(on), package=package).first()


_ADOPTED_TERMS: dict[tuple, rules.Terms] = {}


def terms_of(version: PackageVersion) -> rules.Terms:
    """The version's terms for the pure rules. An adopted version never changes ("a version in
    force is never changed"): its terms are read once per process, keyed by the adoption's
    time too (a rolled-back test gives its row id to another version)."""
    if version.status != VersionStatus.ADOPTED or version.adopted_at is None:
        return _read_terms(version)
    key = (version.pk, version.adopted_at)
    terms = _ADOPTED_TERMS.get(key)
    if terms is None:
        terms = _ADOPTED_TERMS[key] = _read_terms(version)
    return terms


def clear_terms_cache() -> None:
    _ADOPTED_TERMS.clear()


def _read_terms(version: PackageVersion) -> rules.Terms:
    lines = version.lines.select_related("act")
    return rules.Terms(
        lines=tuple(x.as_rule() for x in lines),
        waiting_days=version.waiting_days,
        ceiling_person=version.ceiling_person,
        ceiling_household=version.ceiling_household,
        deductible=version.deductible,
        exclusions=version.exclusion_codes,
    )


def preview(
    version: PackageVersion,
    act: Act,
    tariff: Decimal,
    quantity: int,
    who: rules.Beneficiary,
    consumed: rules.Consumed | None = None,
) -> rules.Assessment:
    """What the mutual and the member would pay under this version (nothing is stored)."""
    currency = version.package.organization.currency
    return rules.assess(terms_of(version), act.facts(), tariff, quantity, who, consumed, currency)
