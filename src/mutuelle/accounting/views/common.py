"""What every ledger screen shares: the organizations whose ledger a user may read, and the
dates of a filter."""

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404

from mutuelle.core.models import Organization
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import visible_organizations


def ledgers(user):
    return visible_organizations(user, Perm.VIEW_LEDGER).filter(kind__in=["mutual", "union"])


def ledger(user, org_uuid) -> Organization:
    """The organization whose ledger the user reads (404 for anyone else's)."""
    try:
        return ledgers(user).get(uuid=org_uuid)
    except (Organization.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def day(params, name: str) -> date | None:
    """A date parameter (YYYY-MM-DD), None when absent or malformed."""
    try:
        return date.fromisoformat(params[name]) if params.get(name) else None
    except ValueError:
        return None
