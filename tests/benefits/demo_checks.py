"""The demo network's catalogues and packages."""

from django.utils import timezone

from mutuelle.benefits import queries
from mutuelle.benefits.models import Act, Package
from mutuelle.core.models import Organization


def check_catalogue_and_packages_in_force():
    today = timezone.localdate()
    mskm = Organization.unscoped.get(code="MSKM")
    assert queries.catalogue_for(mskm).count() >= 40
    assert not Act.unscoped.filter(organization=mskm).exists()  # read from the union
    in_force = queries.versions_in_force(mskm, today)
    assert [(v.package.code, v.package.kind) for v in in_force] == [
        ("BASE", "compulsory"),
        ("PLUS", "complementary"),
    ]
    base = in_force[0]
    assert base.package.organization.code == "UMT" and base.waiting_days == 90
    assert base.lines.get(category="delivery").waiting_days == 270
    for code in ("MSAF", "MSFD", "MSSG", "MSBF"):
        mutual = Organization.unscoped.get(code=code)
        assert [v.package.code for v in queries.versions_in_force(mutual, today)] == ["BASE"]
    assert Package.unscoped.count() == 4
