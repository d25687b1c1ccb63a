"""Contribution rule versions: drafted, checked by the pure rules (which refuse any input that
would select risks), adopted with an effective date; a version in force is never edited."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm

from .. import rules
from ..models import RuleVersion
from .errors import REASONS, reason_error


def config_errors(config: dict) -> ValidationError | None:
    """The rule's own reason codes as one ValidationError (None when the rule is valid)."""
    problems = rules.rule_errors(config)
    if not problems:
        return None
    return ValidationError(
        [
            ValidationError(REASONS.get(code, code), code=code, params=params or None)
            for code, params in problems
        ]
    )


@transaction.atomic
def save_draft(
    actor, organization: Organization, label: str, config: dict, version: RuleVersion | None = None
) -> RuleVersion:
    require(actor, Perm.MANAGE_BENEFITS, organization)
    if version is not None and version.is_adopted:
        raise reason_error("rule.in_force")
    if (errors := config_errors(config)) is not None:
        raise errors
    if version is None:
        version = RuleVersion.unscoped.create(
            organization=organization, label=label.strip(), config=config, created_by=actor
        )
        event = "contribution_rule.drafted"
    else:
        RuleVersion.unscoped.filter(pk=version.pk, adopted_at__isnull=True).update(
            label=label.strip(), config=config
        )
        version.refresh_from_db()
        event = "contribution_rule.edited"
    audit.record(actor, event, version, organization=organization)
    return version


@transaction.atomic
def adopt(actor, version: RuleVersion, effective_from: date) -> RuleVersion:
    """Put a draft in force from a date; the version in force until then ends the day before
    (versions never overlap)."""
    organization = version.organization
    require(actor, Perm.MANAGE_BENEFITS, organization)
    if version.is_adopted:
        raise reason_error("rule.in_force")
    if (errors := config_errors(version.config)) is not None:
        raise errors
    current = (
        RuleVersion.unscoped.select_for_update()
        .filter(organization=organization, adopted_at__isnull=False)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=effective_from))
        .order_by("-effective_from")
    )
    for previous in current:
        if previous.effective_from is not None and previous.effective_from >= effective_from:
            raise reason_error("rule.adopt_date")
        RuleVersion.unscoped.filter(pk=previous.pk).update(
            effective_to=effective_from - timedelta(days=1)
        )
    RuleVersion.unscoped.filter(pk=version.pk, adopted_at__isnull=True).update(
        adopted_at=timezone.now(), effective_from=effective_from
    )
    version.refresh_from_db()
    audit.record(
        actor,
        "contribution_rule.adopted",
        version,
        organization=organization,
        effective_from=effective_from.isoformat(),
    )
    return version


@transaction.atomic
def copy_as_draft(actor, version: RuleVersion) -> RuleVersion:
    """A new draft from any version (the way to change a rule in force)."""
    return save_draft(actor, version.organization, version.label, dict(version.config))
