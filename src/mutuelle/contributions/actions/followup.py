"""Reminders to households in arrears (or not yet renewed), through the notification
interface: an SMS to the household's phone, once a day at most."""

from datetime import date

from django.db import transaction

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.notifications import notify
from mutuelle.core.permissions import require
from mutuelle.core.roles import Perm
from mutuelle.members.models import Household


@transaction.atomic
def send_reminders(actor, organization: Organization, owed: dict[int, object], on: date) -> int:
    """`owed`: household id → amount owed. Returns the reminders queued (households without
    a phone are skipped; a second reminder the same day is not sent)."""
    require(actor, Perm.BILL_DUES, organization)
    sent = 0
    households = Household.unscoped.filter(organization=organization, pk__in=list(owed))
    for household in households.exclude(phone=""):
        notify(
            channel="sms",
            template="contribution_reminder",
            context={
                "mutual": organization.name,
                "number": household.number,
                "amount": owed[household.pk],
                "currency": organization.currency,
            },
            to=household.phone,
            organization=organization,
            idempotency_key=f"contribution-reminder:{household.pk}:{on.isoformat()}",
        )
        sent += 1
    audit.record(actor, "contributions.reminders_sent", None, organization=organization, count=sent)
    return sent
