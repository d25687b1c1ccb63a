"""The catalogue and package screens: managers write, cashiers read, other tenants get 404."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from mutuelle.benefits import actions
from mutuelle.benefits.models import Act, CoverageLine, Package, PackageVersion

from .helpers import adopted_package

pytestmark = pytest.mark.django_db


def in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})


def test_a_manager_walks_every_screen(client, world):
    package, v1 = adopted_package(world)
    client.force_login(world.manager)
    act = Act.unscoped.get(code="CONS-MG")
    for url in [
        reverse("package_list"),
        reverse("package_create"),
        reverse("package_detail", args=[package.uuid]),
        reverse("version_detail", args=[v1.uuid]),
        reverse("version_preview", args=[v1.uuid]),
        reverse("act_list"),
        reverse("act_list") + "?q=palu&category=laboratory",
        reverse("act_create"),
        reverse("act_detail", args=[act.uuid]),
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("act_list"), {"q": "paludisme"}).content.decode()
    assert "TDR-PALU" in page and "CONS-MG" not in page
    # The adopted version offers a new version, not a line form.
    page = client.get(reverse("version_detail", args=[v1.uuid])).content.decode()
    assert reverse("version_copy", args=[v1.uuid]) in page
    assert reverse("line_create", args=[v1.uuid]) not in page
    response = client.get(reverse("line_create", args=[v1.uuid]))
    assert response.status_code == 302  # a version in force takes no line


def test_a_manager_makes_adopts_and_previews_a_version(client, world):
    package, v1 = adopted_package(world)
    client.force_login(world.manager)
    in_english(client)
    response = client.post(reverse("version_copy", args=[v1.uuid]))
    v2 = PackageVersion.unscoped.get(package=package, number=2)
    assert response.url == reverse("version_detail", args=[v2.uuid])
    client.post(
        reverse("version_terms", args=[v2.uuid]),
        {"waiting_days": "60", "deductible": "0", "exclusions": "OPT-LUN, dental"},
    )
    v2.refresh_from_db()
    assert v2.waiting_days == 60 and v2.exclusion_codes == {"OPT-LUN", "dental"}
    act = Act.unscoped.get(code="RX-THX")
    response = client.post(
        reverse("line_create", args=[v2.uuid]),
        {
            "kind": "care",
            "act": act.pk,
            "rate": "75",
            "per_act_ceiling": "10000",
            "care_levels": ["district", "regional"],
            "authorization_required": "on",
            "applies_to": "all",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    line = CoverageLine.unscoped.get(version=v2, act=act)
    assert line.care_levels == "district,regional" and line.authorization_required
    refused = client.post(
        reverse("line_create", args=[v2.uuid]),
        {"kind": "care", "category": "dental", "act": act.pk, "rate": "50", "applies_to": "all"},
    )
    assert refused.status_code == 200 and "not both" in refused.content.decode()
    removable = client.post(
        reverse("line_create", args=[v2.uuid]),
        {"kind": "cash", "cash_benefit": "funeral", "amount": "50000", "applies_to": "all"},
    )
    assert removable.status_code == 302
    funeral = CoverageLine.unscoped.get(version=v2, kind="cash")
    client.post(reverse("line_delete", args=[funeral.uuid]))
    assert not CoverageLine.unscoped.filter(pk=funeral.pk).exists()
    client.post(reverse("version_adopt", args=[v2.uuid]), {"effective_from": "2027-01-01"})
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v2.status == "adopted" and v1.effective_to == date(2026, 12, 31)
    # The line of an adopted version cannot be removed any more.
    client.post(reverse("line_delete", args=[line.uuid]))
    assert CoverageLine.unscoped.filter(pk=line.pk).exists()

    preview = reverse("version_preview", args=[v2.uuid])
    ask = {
        "act": act.pk,
        "tariff": "12000",
        "quantity": "1",
        "relationship": "spouse",
        "sex": "F",
        "age": "30",
        "days_since_enrolment": "400",
        "care_level": "district",
        "authorization": "on",
    }
    response = client.get(preview, ask)
    result = response.context["result"]
    assert (result.mutual_pays, result.member_pays) == (Decimal(9000), Decimal(3000))
    page = response.content.decode()
    assert "The mutual pays 9,000 XOF" in page and "75% of the tariff" in page
    response = client.get(preview, {**ask, "authorization": ""})
    assert response.context["result"].mutual_pays == 0
    assert "prior authorization" in response.content.decode()
    delivery = Act.unscoped.get(code="ACC-NORM")
    response = client.get(preview, {**ask, "act": delivery.pk, "sex": "M", "tariff": "20000"})
    assert "only for men" not in response.content.decode()
    assert "possible only for women" in response.content.decode()


def test_a_cashier_reads_but_does_not_write(client, world):
    package, v1 = adopted_package(world)
    client.force_login(world.cashier)
    act = Act.unscoped.get(code="CONS-MG")
    assert client.get(reverse("package_list")).status_code == 200
    assert client.get(reverse("version_detail", args=[v1.uuid])).status_code == 200
    assert client.get(reverse("act_detail", args=[act.uuid])).status_code == 200
    assert client.get(reverse("version_preview", args=[v1.uuid])).status_code == 200
    page = client.get(reverse("version_detail", args=[v1.uuid])).content.decode()
    assert reverse("version_copy", args=[v1.uuid]) not in page
    for url in [
        reverse("version_copy", args=[v1.uuid]),
        reverse("version_adopt", args=[v1.uuid]),
        reverse("version_terms", args=[v1.uuid]),
        reverse("line_delete", args=[v1.lines.first().uuid]),
        reverse("act_detail", args=[act.uuid]),
        reverse("act_create"),
        reverse("package_create"),
        reverse("act_starter"),
    ]:
        assert client.post(url, {"name_fr": "x"}).status_code == 403, url
    assert client.get(reverse("line_create", args=[v1.uuid])).status_code == 403
    assert PackageVersion.unscoped.count() == 1 and Package.unscoped.count() == 1


def test_another_tenant_gets_404(client, world):
    package, v1 = adopted_package(world)
    act = Act.unscoped.get(code="CONS-MG")
    client.force_login(world.manager_b)
    for url in [
        reverse("package_detail", args=[package.uuid]),
        reverse("version_detail", args=[v1.uuid]),
        reverse("version_preview", args=[v1.uuid]),
        reverse("line_create", args=[v1.uuid]),
        reverse("act_detail", args=[act.uuid]),
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("version_copy", args=[v1.uuid]),
        reverse("version_adopt", args=[v1.uuid]),
        reverse("line_delete", args=[v1.lines.first().uuid]),
    ]:
        assert client.post(url).status_code == 404, url
    page = client.get(reverse("package_list")).content.decode()
    assert package.code not in page
    assert "CONS-MG" not in client.get(reverse("act_list")).content.decode()


def test_a_mutual_reads_its_unions_package_and_the_union_manager_writes_it(client, world):
    actions.install_starter_catalogue(world.union_manager, world.union_a)
    client.force_login(world.union_manager)
    response = client.post(
        reverse("package_create"),
        {
            "organization": world.union_a.pk,
            "code": "umt",
            "name_fr": "Paquet de l'union",
            "name_en": "Union package",
            "kind": "compulsory",
            "waiting_days": "90",
        },
    )
    package = Package.unscoped.get(code="UMT")
    assert package.organization == world.union_a and response.status_code == 302
    client.post(
        reverse("act_create"),
        {
            "organization": world.union_a.pk,
            "code": "vacc",
            "name_fr": "Vaccination",
            "name_en": "Vaccination",
            "category": "other",
            "unit": "act",
            "sex": "any",
            "is_active": "on",
        },
    )
    vacc = Act.unscoped.get(code="VACC")
    client.force_login(world.manager)
    draft = package.versions.get()
    page = client.get(reverse("version_detail", args=[draft.uuid])).content.decode()
    assert "Paquet de l&#x27;union" in page or "Union package" in page
    assert reverse("line_create", args=[draft.uuid]) not in page
    assert client.post(reverse("version_copy", args=[draft.uuid])).status_code == 403
    assert client.post(reverse("act_detail", args=[vacc.uuid]), {}).status_code == 403
    # The act's own mutual edits its own act.
    mine = actions.add_act(
        world.manager, world.mutual_a, "KINE", name_fr="Kiné", name_en="Physio", category="other"
    )
    client.post(
        reverse("act_detail", args=[mine.uuid]),
        {
            "name_fr": "Kinésithérapie",
            "name_en": "Physiotherapy",
            "category": "other",
            "unit": "act",
            "sex": "any",
            "min_age": "",
            "max_age": "",
        },
    )
    mine.refresh_from_db()
    assert mine.name_fr == "Kinésithérapie" and not mine.is_active
