"""The tenant-isolation harness's part for the providers app: its URL rules, the other tenant's
objects it plants (each carrying the sentinel), and what a cross-tenant write would change.
test_tenant_isolation merges every such module (see EXTENSIONS there)."""

from .base import DENIED, NOT_ALLOWED, OWN_LIST, Rule

WRITE = frozenset(DENIED | {NOT_ALLOWED})

RULES: dict[str, Rule] = {
    "provider_list": Rule(expect=OWN_LIST),
    "provider_detail": Rule({"org_uuid": "provider_org.uuid"}),
    "provider_profile": Rule({"org_uuid": "provider_org.uuid"}),
    "attachment_list": Rule({"org_uuid": "provider_org.uuid"}),
    "attachment_end": Rule({"attachment_uuid": "attachment.uuid"}, WRITE),
    "convention_list": Rule(expect=OWN_LIST),
    "convention_create": Rule(expect=OWN_LIST),
    "convention_detail": Rule({"convention_uuid": "convention.uuid"}),
    "convention_edit": Rule({"convention_uuid": "convention.uuid"}),
    "schedule_create": Rule({"convention_uuid": "convention.uuid"}, WRITE),
    "schedule_detail": Rule({"schedule_uuid": "tariff_draft.uuid"}),
    "tariff_line_create": Rule({"schedule_uuid": "tariff_draft.uuid"}),
    "schedule_copy": Rule({"schedule_uuid": "tariff_schedule.uuid"}, WRITE),
    "schedule_adopt": Rule({"schedule_uuid": "tariff_draft.uuid"}, WRITE),
    "schedule_import": Rule({"schedule_uuid": "tariff_draft.uuid"}),
    "tariff_line_delete": Rule({"line_uuid": "tariff_line.uuid"}, WRITE),
}


def plant(world, others) -> None:
    """The other tenant's provider profile (its contact person carries the sentinel), a
    convention of their mutual (its reference does) with flat rates and their package, an
    adopted tariff schedule and a draft copied from it, and an attached beneficiary."""
    from datetime import date
    from decimal import Decimal

    from mutuelle.providers import actions

    from ..conftest import SENTINEL

    others.provider_org = world.provider_b
    others.profile = actions.save_profile(
        world.admin,
        world.provider_b,
        "district_hospital",
        "faith_based",
        contact_person=f"Dr {SENTINEL}",
        address=SENTINEL,
    )
    package = others.adopted.package
    others.convention = actions.create_convention(
        world.admin,
        world.mutual_b,
        world.provider_b,
        actions.ConventionData(
            reference=f"CONV-{SENTINEL}",
            start=date(2026, 1, 1),
            payment_mode="flat_rate",
            flat_rates={"outpatient": Decimal(3000)},
            packages=[package],
            notes=SENTINEL,
        ),
    )
    schedule = actions.new_schedule(world.admin, others.convention, notes=SENTINEL)
    actions.add_line(world.admin, schedule, others.act, Decimal(5000))
    others.tariff_schedule = actions.adopt_schedule(world.admin, schedule, date(2026, 1, 1))
    others.tariff_draft = actions.copy_schedule(world.admin, others.tariff_schedule)
    others.tariff_line = others.tariff_draft.lines.get()
    others.attachment = actions.attach(
        world.admin, world.provider_b, others.household.head, date(2026, 2, 1)
    )


def snapshot(others) -> dict:
    from mutuelle.providers.models import (
        Attachment,
        Convention,
        FlatRate,
        ProviderProfile,
        TariffLine,
        TariffSchedule,
    )

    return {
        "provider_profiles": list(
            ProviderProfile.unscoped.values_list("organization_id", "type", "contact_person")
        ),
        "conventions": list(
            Convention.unscoped.values_list(
                "reference", "payment_mode", "start", "end", "capitation_amount"
            ).order_by("pk")
        ),
        "flat_rates": list(FlatRate.unscoped.values_list("episode_type", "amount").order_by("pk")),
        "schedules": list(
            TariffSchedule.unscoped.values_list(
                "convention_id", "number", "status", "effective_from", "effective_to"
            ).order_by("pk")
        ),
        "tariff_lines": list(
            TariffLine.unscoped.values_list("schedule_id", "price").order_by("pk")
        ),
        "attachments": list(
            Attachment.unscoped.values_list("person_id", "valid_to").order_by("pk")
        ),
    }
