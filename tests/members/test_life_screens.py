"""The household-life and duplicate screens through HTTP: split, transfer, duplicate suspects,
the village filter of the search, the whole-household statute on the enrolment form."""

import pytest
from django.urls import reverse

from mutuelle.core.models import Job, Place
from mutuelle.members import actions
from mutuelle.members.models import Decision, DuplicatePair, Household, Person, RegisterSettings
from tests.conftest import make_org
from tests.members.test_enrolment import ON, family
from tests.members.test_screens import FAMILY, enrol_post

pytestmark = pytest.mark.django_db


def enrolled(world, mutual=None, **changes):
    actor = world.enrolment if mutual is None else None
    return actions.enrol_household(actor, mutual or world.mutual_a, family(**changes), ON)


def test_an_officer_splits_a_household_from_its_page(client, world):
    household = enrolled(world)
    moussa = Person.unscoped.get(given_names="Moussa")
    fatou = Person.unscoped.get(given_names="Fatou")
    client.force_login(world.enrolment)
    page = client.get(reverse("household_detail", args=[household.uuid])).content.decode()
    assert reverse("household_split", args=[household.uuid]) in page
    response = client.post(
        reverse("household_split", args=[household.uuid]),
        {
            "movers": [moussa.uuid, fatou.uuid],
            "new_head": moussa.uuid,
            f"relationship-{fatou.uuid}": "child",
        },
    )
    founded = Household.unscoped.get(head=moussa)
    assert response.url == reverse("household_detail", args=[founded.uuid])
    fatou.refresh_from_db()
    assert fatou.household == founded and fatou.relationship == "child"


def test_a_split_without_a_head_among_the_movers_changes_nothing(client, world):
    household = enrolled(world)
    moussa = Person.unscoped.get(given_names="Moussa")
    client.force_login(world.enrolment)
    client.post(
        reverse("household_split", args=[household.uuid]),
        {"movers": [moussa.uuid], "new_head": household.head.uuid},
    )
    assert Household.unscoped.count() == 1


def test_union_staff_move_a_household_and_officers_are_not_offered_it(client, world):
    sister = make_org("mutual", "MC", world.union_a, name="Mutuelle de Pout")
    household = enrolled(world)
    client.force_login(world.enrolment)
    page = client.get(reverse("household_detail", args=[household.uuid])).content.decode()
    assert "Mutuelle de Pout" not in page
    response = client.post(
        reverse("household_transfer", args=[household.uuid]), {"mutual": sister.uuid}
    )
    assert Household.unscoped.get().organization == world.mutual_a and response.status_code == 302
    client.force_login(world.union_manager)
    page = client.get(reverse("household_detail", args=[household.uuid])).content.decode()
    assert "Mutuelle de Pout" in page
    client.post(reverse("household_transfer", args=[household.uuid]), {"mutual": sister.uuid})
    assert Household.unscoped.get().organization == sister


def test_an_officer_sees_only_the_other_mutual_of_a_cross_mutual_pair(client, world):
    sister = make_org("mutual", "MC", world.union_a, name="Mutuelle de Pout")
    sister.phone = "+221 33 900 00 00"
    sister.save()
    enrolled(world)
    enrolled(world, mutual=sister, confirmed_warnings={"household.duplicate_suspect"})
    DuplicatePair.unscoped.update(decision=Decision.OPEN, decided_by=None)
    client.force_login(world.enrolment)
    page = client.get(reverse("duplicate_list")).content.decode()
    assert "Mutuelle de Pout" in page and "+221 33 900 00 00" in page
    sister_numbers = Person.unscoped.filter(organization=sister).values_list(
        "memberships__number", flat=True
    )
    assert not any(number in page for number in sister_numbers)
    client.force_login(world.union_manager)
    page = client.get(reverse("duplicate_list")).content.decode()
    assert all(number in page for number in sister_numbers)
    pair = DuplicatePair.unscoped.first()
    client.force_login(world.enrolment)
    client.post(reverse("duplicate_decide", args=[pair.pk]), {"decision": "distinct"})
    pair.refresh_from_db()
    assert pair.decision == Decision.DISTINCT
    decide = reverse("duplicate_decide", args=[pair.pk])
    assert decide not in client.get(reverse("duplicate_list")).content.decode()


def test_a_merge_from_the_list_keeps_the_chosen_record(client, world):
    enrolled(world)
    enrolled(world, confirmed_warnings={"household.duplicate_suspect"})
    DuplicatePair.unscoped.update(decision=Decision.OPEN, decided_by=None)
    pair = DuplicatePair.unscoped.order_by("pk").first()
    client.force_login(world.enrolment)
    client.post(
        reverse("duplicate_decide", args=[pair.pk]),
        {"decision": "merged", "keep": str(pair.second.uuid)},
    )
    pair.refresh_from_db()
    assert pair.decision == Decision.MERGED
    assert Person.unscoped.get(pk=pair.first_id).merged_into_id == pair.second_id


def test_the_scan_runs_as_a_job_on_ones_own_mutual_only(client, world):
    client.force_login(world.enrolment)
    client.post(reverse("duplicate_scan"), {"mutual": world.mutual_b.uuid})
    assert not Job.unscoped.filter(kind="members.scan_duplicates").exists()
    response = client.post(reverse("duplicate_scan"), {"mutual": world.mutual_a.uuid})
    job = Job.unscoped.get(kind="members.scan_duplicates")
    assert response.url == reverse("job_detail", args=[job.uuid])


def test_search_by_name_within_a_village(client, world):
    village = Place.unscoped.filter(country="SN").first() or Place.unscoped.create(
        country="SN", code="SN-X", name="Keur Mbaye", depth=4
    )
    enrolled(world, place_id=village.pk)
    enrolled(world, confirmed_warnings={"household.duplicate_suspect"})
    client.force_login(world.enrolment)
    url = reverse("household_list")
    everywhere = client.get(url, {"q": "Mamadu Diop"}).context["found"]
    in_village = client.get(url, {"q": "Mamadu Diop", "place": village.pk}).context["found"]
    assert len(everywhere) == 2 and len(in_village) == 1
    assert client.get(url, {"q": "Diop", "place": "x"}).status_code == 200


def test_the_whole_household_statute_asks_for_confirmation_on_the_form(client, world):
    RegisterSettings.unscoped.update_or_create(
        organization=world.mutual_a, defaults={"whole_household": True}
    )
    client.force_login(world.enrolment)
    assert "all_members_listed" in client.get(reverse("household_enrol")).content.decode()
    client.post(reverse("household_enrol"), enrol_post(world, FAMILY[:2]))
    assert not Household.unscoped.exists()
    client.post(reverse("household_enrol"), enrol_post(world, FAMILY[:2], all_members_listed="on"))
    assert Household.unscoped.count() == 1


def jpeg_bytes(size=(2000, 3000), fmt="JPEG") -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt)
    return out.getvalue()


def test_an_officer_corrects_a_person_adds_a_photo_and_search_follows(
    client, world, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    household = enrolled(world)
    moussa = Person.unscoped.get(given_names="Moussa")
    client.force_login(world.enrolment)
    photo = SimpleUploadedFile("p.png", jpeg_bytes(fmt="PNG"), content_type="image/png")
    response = client.post(
        reverse("person_edit", args=[moussa.uuid]),
        {
            "given_names": "Moustapha",
            "family_name": "Diop",
            "sex": "M",
            "birth_date": "2012-07-14",
            "photo": photo,
        },
    )
    assert response.status_code == 302
    moussa.refresh_from_db()
    assert moussa.given_names == "Moustapha" and moussa.name_normalized == "moustapha diop"
    from mutuelle.members import queries

    assert queries.search_persons(world.enrolment, "Mustapha Diop")[0].pk == moussa.pk
    served = client.get(reverse("person_photo", args=[moussa.uuid]))
    from io import BytesIO

    image = Image.open(BytesIO(b"".join(served.streaming_content)))
    assert image.format == "JPEG" and image.width <= 480 and image.height <= 600
    assert household.pk


def test_a_file_that_is_not_a_photo_is_refused_and_changes_nothing(
    client, world, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    enrolled(world)
    moussa = Person.unscoped.get(given_names="Moussa")
    client.force_login(world.enrolment)
    bad = SimpleUploadedFile("p.jpg", b"not a picture", content_type="image/jpeg")
    page = client.post(
        reverse("person_edit", args=[moussa.uuid]),
        {
            "given_names": "Other",
            "family_name": "Diop",
            "sex": "M",
            "birth_year": 2012,
            "photo": bad,
        },
    )
    assert page.status_code == 200
    moussa.refresh_from_db()
    assert moussa.given_names == "Moussa" and not moussa.photo


def test_an_officer_corrects_the_household(client, world):
    household = enrolled(world)
    client.force_login(world.enrolment)
    client.post(
        reverse("household_edit", args=[household.uuid]),
        {"address": "Quartier Médina", "phone": "77 555 44 33", "notes": ""},
    )
    household.refresh_from_db()
    assert household.address == "Quartier Médina" and household.phone == "775554433"
    from mutuelle.members import queries

    assert queries.search_persons(world.enrolment, "+221 77 555 44 33")[0].pk == household.head_id


def test_a_number_with_a_mistyped_digit_is_explained(client, world):
    household = enrolled(world)
    number = household.head.memberships.get().number
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    client.force_login(world.enrolment)
    page = client.get(reverse("household_list"), {"q": wrong}, follow=True).content.decode()
    assert "clé de contrôle" in page.lower() or "check digit" in page.lower()
    found = client.get(reverse("household_list"), {"q": number.lower()}).context["found"]
    assert [p.pk for p in found] == [household.head_id]
