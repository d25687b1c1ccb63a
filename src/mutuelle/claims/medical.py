"""Confidentiality of medical details (diagnoses, reasons for a letter, referral notes): only
medical roles of the paying mutual and the clerks of the provider that treated may see them,
and every time they are shown is logged.

    may_see(user, organization, provider)   the rule
    shown(user, obj, organization)          log one access (an audit row)
"""

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm


def may_see(user, organization: Organization, provider: Organization | None) -> bool:
    """Medical details of care paid by `organization` and given by `provider`."""
    if can(user, Perm.VIEW_MEDICAL, organization):
        return True
    return provider is not None and can(user, Perm.VIEW_MEDICAL, provider)


def shown(user, obj, organization: Organization) -> None:
    """Record that `obj`'s medical details were shown to `user`."""
    audit.record(user, "medical.viewed", obj, organization=organization)
