"""The demo network's providers, conventions and tariffs (called by
tests/core/test_commands.py, which loads the demo once for every area's checks)."""

from decimal import Decimal

from django.utils import timezone

from mutuelle.core.models import Organization, Place
from mutuelle.core.roles import Perm
from mutuelle.providers import queries
from mutuelle.providers.models import ProviderProfile
from mutuelle.providers.rules import place_chain


def check_profiles_conventions_and_adopted_tariffs():
    today = timezone.localdate()
    org = {o.code: o for o in Organization.unscoped.all()}
    levels = dict(ProviderProfile.unscoped.values_list("organization__code", "care_level"))
    assert levels == {"CSTH": "centre", "HRTH": "regional", "CSBF": "centre"}

    # Keur Massar: its own convention with the health centre, the union's with the hospital.
    assert [c.reference for c in queries.conventions_in_force(org["HRTH"].pk, org["MSKM"], today)]
    centre = queries.conventions_in_force(org["CSTH"].pk, org["MSKM"], today)
    assert len(centre) == 1 and centre[0].payment_mode == "flat_rate"
    assert centre[0].terms().flat_rates["delivery"] == Decimal(12000)
    assert queries.mutuals_served(org["HRTH"].pk, today) == {
        org[c].pk for c in ("MSKM", "MSAF", "MSFD")
    }
    table = queries.tariff_table(queries.schedule_in_force(centre[0], today))
    in_area = place_chain(Place.unscoped.get(code="SN-TH-TH-KM-01").path)
    out_of_area = place_chain(Place.unscoped.get(code="SN-DK-PK-KMS").path)
    assert table.price("CONS-INF", "BASE", in_area) == Decimal(1000)
    assert table.price("CONS-INF", "BASE", out_of_area) == Decimal(1500)
    assert table.price("DENT-EXT", "PLUS", out_of_area) == Decimal(3500)
    assert table.price("DENT-EXT", "BASE", out_of_area) == Decimal(4000)

    # Bafut: capitation for its attached beneficiaries.
    bafut = queries.conventions_in_force(org["CSBF"].pk, org["MSBF"], today)
    assert bafut[0].payment_mode == "capitation" and bafut[0].capitation_amount == Decimal(350)
    assert queries.attached_per_month(org["CSBF"].pk, today.year)[today.month] == 25
    hrth = queries.schedule_in_force(
        queries.conventions_in_force(org["HRTH"].pk, org["MSAF"], today)[0], today
    )
    assert queries.tariff_table(hrth).price("ACC-CES") == Decimal(85000)


def check_logins_see_their_conventions():
    from mutuelle.core.models import User

    visible = {
        u.username: sorted(
            queries.visible_conventions(u, Perm.VIEW_PROVIDERS).values_list(
                "provider__code", flat=True
            )
        )
        for u in User.objects.all()
    }
    assert any(codes == ["CSTH", "HRTH"] for codes in visible.values())
    assert any(codes == ["CSBF"] for codes in visible.values())
