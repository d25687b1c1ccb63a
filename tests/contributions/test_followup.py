"""Arrears follow-up by village, SMS reminders (once a day), and renewal rates."""

import json
from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from mutuelle.contributions import actions
from mutuelle.contributions.followup import arrears_by_village, renewal
from mutuelle.contributions.models import Due
from mutuelle.core import jobs
from mutuelle.core.models import Notification, Place

from .helpers import household, rule_in_force

pytestmark = pytest.mark.django_db


def test_arrears_by_village_reminders_and_renewal(
    client, world, django_capture_on_commit_callbacks
):
    village = Place.unscoped.create(country="SN", code="SN-NG-1", name="Ngaye", path="/ng/")
    with time_machine.travel(date(2025, 3, 1), tick=False):
        rule_in_force(world, start=date(2025, 1, 1))
        homes = [household(world, family=f, on=date(2025, 3, 1)) for f in ("Diop", "Fall", "Sow")]
        for h in homes:
            type(h).unscoped.filter(pk=h.pk).update(place=village, phone="771234567")
        jobs.run(actions.start_billing(world.manager, world.mutual_a, "2025").job.pk)
        for h in homes:
            actions.record_payment(world.cashier, h, Due.unscoped.get(household=h).amount, "cash")
    with time_machine.travel(date(2026, 2, 15), tick=False):
        jobs.run(actions.start_billing(world.manager, world.mutual_a, "2026").job.pk)
        owed = Due.unscoped.get(household=homes[0], period="2026").amount
        actions.record_payment(world.cashier, homes[0], owed, "cash")  # renewed
        rows = arrears_by_village(world.mutual_a, date(2026, 2, 15))
        assert [(r["village"], r["households"]) for r in rows] == [("Ngaye", 2)]
        summary = renewal(world.mutual_a, date(2026, 2, 15))
        assert (summary["due"], summary["renewed"], summary["rate"]) == (3, 1, 33)
        assert summary["pending"] == sorted([homes[1].number, homes[2].number])
        client.force_login(world.manager)
        page = client.get(reverse("arrears", args=[world.mutual_a.uuid]), {"place": village.pk})
        assert homes[1].number.encode() in page.content
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("arrears_remind", args=[world.mutual_a.uuid]), {"place": village.pk}
            )
            client.post(
                reverse("arrears_remind", args=[world.mutual_a.uuid]), {"place": village.pk}
            )
        sms = Notification.unscoped.filter(template="contribution_reminder")
        assert sms.count() == 2  # once a day, however often the button is pressed
        assert all(
            n.status == "sent" and homes[1].number in n.body or homes[2].number in n.body
            for n in sms
        )
        outbox = settings.VAR_DIR / "outbox" / "sms.jsonl"
        sent = [json.loads(line) for line in outbox.read_text().splitlines()]
        assert any(homes[1].number in m["text"] for m in sent)
        client.force_login(world.cashier)
        assert client.get(reverse("arrears", args=[world.mutual_a.uuid])).status_code == 404
