"""The providers screens, driven through the test client (French by default)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutuelle.core import jobs
from mutuelle.core.models import Job
from mutuelle.providers import actions
from mutuelle.providers.models import (
    Attachment,
    Convention,
    ProviderProfile,
    ScheduleStatus,
    TariffLine,
    TariffSchedule,
)
from tests.conftest import make_org

from .helpers import act, adopted_package, adopted_schedule, convention, places

pytestmark = pytest.mark.django_db
D = Decimal


def test_registry_filters_and_search(client, world):
    actions.save_profile(None, world.provider_a, "health_centre", "community")
    hospital = make_org("provider", "HRT", world.union_a, name="Hôpital régional de Thiès")
    actions.save_profile(None, hospital, "regional_hospital", "public", contact_person="Dr Ba")
    client.force_login(world.manager)
    centre = reverse("provider_detail", args=[world.provider_a.uuid])
    regional = reverse("provider_detail", args=[hospital.uuid])

    def listed(**filters):
        page = client.get(reverse("provider_list"), filters).content.decode()
        return {name for name, url in (("centre", centre), ("regional", regional)) if url in page}

    assert listed() == {"centre", "regional"}
    assert listed(level="regional") == {"regional"}
    assert listed(type="health_centre") == {"centre"}
    assert listed(q="Dr Ba") == {"regional"}
    assert listed(q="thiès") == {"centre", "regional"}
    root, region, area, village, elsewhere = places()
    type(hospital).unscoped.filter(pk=hospital.pk).update(place=village)
    assert listed(place=region.pk) == {"regional"}  # the region contains the village
    assert listed(place=village.pk) == {"regional"}
    client.force_login(world.cashier)
    assert client.get(reverse("provider_list")).status_code == 403


def test_profile_form_and_detail(client, world):
    client.force_login(world.union_manager)
    url = reverse("provider_profile", args=[world.provider_a.uuid])
    response = client.post(
        url, {"type": "health_post", "ownership": "community", "contact_person": "Awa Sarr"}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    profile = ProviderProfile.unscoped.get()
    assert (profile.type, profile.care_level, profile.contact_person) == (
        "health_post",
        "post",
        "Awa Sarr",
    )
    page = client.get(reverse("provider_detail", args=[world.provider_a.uuid])).content.decode()
    assert "Awa Sarr" in page and "Poste de santé" in page or "Health post" in page
    client.force_login(world.manager)  # reads the union's registry, does not edit it
    assert client.get(url).status_code == 403
    assert client.get(reverse("provider_detail", args=[world.provider_a.uuid])).status_code == 200
    client.force_login(world.clerk)
    assert client.get(reverse("provider_detail", args=[world.provider_a.uuid])).status_code == 200
    assert client.get(reverse("provider_detail", args=[world.provider_b.uuid])).status_code == 404


def test_a_convention_from_form_to_adopted_schedule(client, world):
    package, _ = adopted_package(world)
    places()
    client.force_login(world.manager)
    form = client.get(reverse("convention_create"), {"provider": str(world.provider_a.uuid)})
    assert form.status_code == 200
    response = client.post(
        reverse("convention_create"),
        {
            "party": world.mutual_a.pk,
            "provider": world.provider_a.pk,
            "reference": "MKM-CSTH-2026",
            "start": "2026-01-01",
            "payment_mode": "flat_rate",
            "submission_days": 30,
            "payment_days": 45,
            "diagnosis_required": "on",
            "flat_outpatient": "2500",
            "flat_delivery": "20000",
            "packages": [package.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    conv = Convention.unscoped.get()
    assert conv.diagnosis_required and conv.payment_days == 45
    assert conv.flat_rates.count() == 2 and list(conv.packages.all()) == [package]
    detail = client.get(reverse("convention_detail", args=[conv.uuid])).content.decode()
    assert "MKM-CSTH-2026" in detail and "20" in detail
    # Edit: capitation instead.
    response = client.post(
        reverse("convention_edit", args=[conv.uuid]),
        {
            "reference": "MKM-CSTH-2026",
            "start": "2026-01-01",
            "payment_mode": "capitation",
            "submission_days": 30,
            "payment_days": 45,
            "capitation_amount": "300",
        },
    )
    assert response.status_code == 302
    conv.refresh_from_db()
    assert conv.payment_mode == "capitation" and conv.capitation_amount == D(300)
    # A schedule: new, a price, an in-area price, adopt.
    response = client.post(reverse("schedule_create", args=[conv.uuid]))
    schedule = TariffSchedule.unscoped.get()
    assert response.url == reverse("schedule_detail", args=[schedule.uuid])
    add = reverse("tariff_line_create", args=[schedule.uuid])
    assert client.get(add).status_code == 200
    ok = client.post(add, {"act": act("CONS-INF").pk, "price": "1500"})
    assert ok.status_code == 302
    ok = client.post(
        add, {"act": act("CONS-INF").pk, "place": "sn-thiès-1", "price": "1000", "again": "1"}
    )
    assert ok.url == add
    bad = client.post(add, {"act": act("CONS-INF").pk, "place": "NOWHERE", "price": "1"})
    assert bad.status_code == 200 and TariffLine.unscoped.count() == 2
    page = client.get(reverse("schedule_detail", args=[schedule.uuid])).content.decode()
    assert "CONS-INF" in page and "Aire de santé de Thiès" in page
    client.post(reverse("schedule_adopt", args=[schedule.uuid]), {"effective_from": "2026-01-01"})
    schedule.refresh_from_db()
    assert schedule.status == ScheduleStatus.ADOPTED
    # Copy into a new draft, remove a line from the draft.
    response = client.post(reverse("schedule_copy", args=[schedule.uuid]))
    draft = TariffSchedule.unscoped.get(status=ScheduleStatus.DRAFT)
    assert draft.lines.count() == 2
    client.post(reverse("tariff_line_delete", args=[draft.lines.first().uuid]))
    assert draft.lines.count() == 1
    # Lines of the adopted schedule cannot be removed.
    client.post(reverse("tariff_line_delete", args=[schedule.lines.first().uuid]))
    assert schedule.lines.count() == 2


def test_import_from_the_schedule_page(client, world):
    conv = convention(world)
    draft = actions.new_schedule(world.manager, conv)
    client.force_login(world.manager)
    url = reverse("schedule_import", args=[draft.uuid])
    assert client.get(url).status_code == 200
    body = "Act code;Price\nGE;1200\nNFS;3 000\n".encode("cp1252")
    response = client.post(url, {"file": SimpleUploadedFile("tarifs.csv", body)})
    assert response.status_code == 302
    check = Job.unscoped.get(uuid=response.url.rstrip("/").split("/")[-1])
    jobs.run(check.pk)
    check.refresh_from_db()
    assert check.result["ready"]
    url = client.post(reverse("import_commit", args=[check.uuid])).url
    done = Job.unscoped.get(uuid=url.rstrip("/").split("/")[-1])
    jobs.run(done.pk)
    assert TariffLine.unscoped.filter(schedule=draft).count() == 2


def test_attachments_screen(client, world):
    from .test_actions import enrol

    conv = convention(world, payment_mode="capitation", capitation_amount=D(250))
    adopted_schedule(world, conv)
    person = enrol(world)
    number = person.memberships.get().number
    client.force_login(world.manager)
    url = reverse("attachment_list", args=[world.provider_a.uuid])
    response = client.post(url, {"number": number, "valid_from": "2026-02-01"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    attachment = Attachment.unscoped.get()
    page = client.get(url).content.decode()
    assert "Mamadou" in page
    client.post(reverse("attachment_end", args=[attachment.uuid]), {"on": "2026-05-31"})
    attachment.refresh_from_db()
    assert attachment.valid_to == date(2026, 5, 31)
    unknown = client.post(url, {"number": "MA-000", "valid_from": "2026-02-01"})
    assert unknown.status_code == 200 and Attachment.unscoped.count() == 1
    client.force_login(world.clerk)  # register data: not for a provider clerk
    assert client.get(url).status_code == 403


def test_english_pages(client, world):
    conv = convention(world)
    schedule = adopted_schedule(world, conv)
    client.force_login(world.manager)
    client.post(reverse("set_language"), {"language": "en"})
    for name, args in (
        ("provider_list", []),
        ("convention_list", []),
        ("convention_detail", [conv.uuid]),
        ("schedule_detail", [schedule.uuid]),
        ("provider_detail", [world.provider_a.uuid]),
    ):
        response = client.get(reverse(name, args=args), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, name


def test_registering_a_provider_leads_to_its_profile(client, world):
    from mutuelle.core.models import Organization

    client.force_login(world.union_manager)
    response = client.post(
        reverse("organization_create", args=[world.union_a.uuid]),
        {
            "kind": "provider",
            "code": "PSNB",
            "name": "Poste de santé de Ndiaye Bopp",
            "country": "SN",
            "currency": "XOF",
            "time_zone": "Africa/Dakar",
            "language": "fr",
        },
    )
    provider = Organization.unscoped.get(code="PSNB")
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert response.url == reverse("provider_profile", args=[provider.uuid])
    client.post(response.url, {"type": "health_post", "ownership": "community"})
    assert ProviderProfile.unscoped.get(organization=provider).care_level == "post"
