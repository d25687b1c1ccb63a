"""Village cards printed by a background job (resumed after a killed worker), the card design
screen, and the daily revocation of the cards of members who left."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from PIL import Image

from mutuelle.cards import actions, pdf, rules
from mutuelle.cards.jobs import PRINT_PLACE, current_cards, prune_print_files
from mutuelle.cards.models import Card, CardDesign
from mutuelle.core import jobs, scheduler
from mutuelle.core.models import AuditEvent, Job, Place
from mutuelle.members.models import Membership

from .test_cards import decode_pdf, household_of_five, memberships_of, published_keys

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 24)


def village_of_fifteen(world):
    village = Place.unscoped.create(country="SN", code="SN-KM-1", name="Keur Massar", path="/v1/")
    for family in ("Diop", "Fall", "Sow"):
        household_of_five(world, place=village, family=family)
    return village


def commit_chunk(job_id: int, worker: str) -> None:
    """One chunk as core.jobs.run commits it: the work and the cursor in one transaction."""
    with transaction.atomic():
        job = Job.unscoped.select_for_update().get(pk=job_id, worker_id=worker)
        outcome = jobs.JOB_KINDS[job.kind].run_chunk(job, job.cursor)
        job.cursor, job.done = outcome.cursor, job.done + outcome.done
        job.save(update_fields=["cursor", "done"])


def test_a_large_place_prints_in_a_job_that_resumes_after_a_killed_worker(client, world, settings):
    settings.MUTUELLE_CARDS_DIRECT_MAX = 8
    village = village_of_fifteen(world)
    client.force_login(world.enrolment)
    response = client.post(reverse("village_cards"), {"place": village.pk, "layout": "a4"})
    job = Job.unscoped.get(kind=PRINT_PLACE)
    assert response.status_code == 302
    assert response["Location"] == reverse("village_cards_job", args=[job.uuid])
    assert job.organization == world.mutual_a and not Card.unscoped.exists()
    Job.unscoped.filter(pk=job.pk).update(params={**job.params, "chunk": 4})

    # Worker w1 claims the job, commits the snapshot and two chunks, then dies in the third.
    Job.unscoped.filter(pk=job.pk).update(state=Job.State.RUNNING, worker_id="w1", attempts=1)
    for _ in range(3):
        commit_chunk(job.pk, "w1")
    with pytest.raises(RuntimeError), transaction.atomic():
        stuck = Job.unscoped.get(pk=job.pk)
        jobs.JOB_KINDS[PRINT_PLACE].run_chunk(stuck, stuck.cursor)
        raise RuntimeError("SIGKILL")
    job.refresh_from_db()
    assert (job.total, job.done, job.cursor["pos"]) == (16, 8, 8)
    assert Card.unscoped.count() == 8  # the chunk in flight left nothing behind
    page = client.get(reverse("village_cards_job", args=[job.uuid]))
    assert "8 / 16" in page.content.decode() or "8 sur 16" in page.content.decode()

    # w1 sends no heartbeat: the job is queued again and another worker finishes it.
    assert job.pk in jobs.recover_stale_jobs()
    job = jobs.run(job.pk, worker_id="w2")
    assert job is not None and job.state == Job.State.SUCCEEDED, job.error
    assert job.done == job.total == 16 and job.result["cards"] == 15
    assert Card.unscoped.count() == 15 == Card.unscoped.values("membership").distinct().count()
    assert sum(e.data["issued"] for e in AuditEvent.unscoped.filter(action="cards.issued")) == 15

    # The finished page links the PDF; it holds every card, household by household.
    page = client.get(reverse("village_cards_job", args=[job.uuid]), HTTP_HX_REQUEST="true")
    link = reverse("village_cards_job_pdf", args=[job.uuid])
    assert link in page.content.decode()
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    pages = decode_pdf(body, dpi=200)
    assert [len(p) for p in pages] == [10, 5]
    public = published_keys(client)
    serials = {rules.verify(t, public).claims.serial for p in pages for t in p}
    ids = job.cursor["ids"]
    cards = current_cards(ids, date.fromisoformat(job.params["on"]))
    assert serials == {c.serial for c in cards}
    # A render redone (a worker killed after writing the file) gives the same file.
    assert pdf.render(cards, "a4", language=job.params["language"]) == body


def test_only_those_who_see_the_register_download_a_village_pdf(client, world, settings):
    settings.MUTUELLE_CARDS_DIRECT_MAX = 8
    village = village_of_fifteen(world)
    client.force_login(world.enrolment)
    client.post(reverse("village_cards"), {"place": village.pk, "layout": "cr80"})
    job = jobs.run(Job.unscoped.get(kind=PRINT_PLACE).pk)
    assert job is not None and job.state == Job.State.SUCCEEDED, job.error
    link = reverse("village_cards_job_pdf", args=[job.uuid])
    client.force_login(world.auditor)  # sees the register: may download
    assert client.get(link).status_code == 200
    client.force_login(world.claims)  # follows the mutual's jobs, not its register
    page = client.get(reverse("village_cards_job", args=[job.uuid])).content.decode()
    assert link not in page and client.get(link).status_code == 404
    client.force_login(world.manager_b)  # another tenant
    assert client.get(reverse("village_cards_job", args=[job.uuid])).status_code == 404
    assert client.get(link).status_code == 404
    assert default_storage.exists(job.result["file"])
    # A week later the daily clean-up deletes the file; the page says so.
    assert prune_print_files(job.finished_at + timedelta(days=6)) == 0
    assert prune_print_files(job.finished_at + timedelta(days=8)) == 1
    assert not default_storage.exists(job.result["file"])
    client.force_login(world.auditor)
    assert client.get(link).status_code == 404
    page = client.get(reverse("village_cards_job", args=[job.uuid])).content.decode()
    assert link not in page


def test_a_small_place_still_prints_inside_the_request(client, world):
    village = village_of_fifteen(world)
    client.force_login(world.enrolment)
    response = client.post(reverse("village_cards"), {"place": village.pk, "layout": "cr80"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert not Job.unscoped.filter(kind=PRINT_PLACE).exists()


# --- Members who left -------------------------------------------------------------------------
def test_the_daily_job_revokes_the_cards_of_members_who_left(world):
    household = household_of_five(world)
    cards = actions.issue_cards(world.enrolment, memberships_of(household), on=ON)
    gone = {"withdrawn": cards[2], "deceased": cards[3], "excluded": cards[4]}
    for status, card in gone.items():
        Membership.unscoped.filter(pk=card.membership_id).update(status=status)
    Membership.unscoped.filter(pk=cards[1].membership_id).update(status="suspended")
    periodic = [p for p in scheduler.PERIODIC if p.name == "cards.revoke_cards_of_leavers"]
    assert len(periodic) == 1 and periodic[0].every.days == 1
    assert scheduler.tick("test-worker", registry=periodic) == ["cards.revoke_cards_of_leavers"]
    states = dict(Card.unscoped.values_list("pk", "revoke_reason"))
    assert {pk for pk, reason in states.items() if reason == "left"} == {
        c.pk for c in gone.values()
    }
    assert Card.unscoped.filter(status="issued").count() == 2  # active and suspended keep theirs
    event = AuditEvent.unscoped.get(action="cards.revoked_left")
    assert event.organization == world.mutual_a and event.data["revoked"] == 3
    # Idempotent: nothing more to do, no new audit row.
    assert actions.revoke_cards_of_leavers() == 0
    assert AuditEvent.unscoped.filter(action="cards.revoked_left").count() == 1


# --- Card design ------------------------------------------------------------------------------
def png_with_alpha(size=(900, 600)) -> bytes:
    img = Image.new("RGBA", size, (14, 94, 74, 0))
    img.paste((227, 162, 26, 255), (100, 100, 500, 400))
    out = BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_a_mutual_manager_sets_the_card_design(client, world):
    client.force_login(world.manager)
    assert client.get(reverse("card_design_list"))["Location"] == reverse(
        "card_design", args=[world.mutual_a.uuid]
    )
    url = reverse("card_design", args=[world.mutual_a.uuid])
    response = client.post(
        url,
        {
            "logo": upload("logo.png", png_with_alpha()),
            "validity_months": "24",
            "footer": "Santé pour tous",
        },
    )
    assert response.status_code == 302
    design = CardDesign.unscoped.get(organization=world.mutual_a)
    assert design.logo.name.endswith(".png") and design.validity_months == 24
    with default_storage.open(design.logo.name, "rb") as fh, Image.open(fh) as logo:
        assert logo.mode == "RGBA" and max(logo.size) == 400 and logo.getpixel((0, 0))[3] == 0
    household = household_of_five(world)
    card = actions.issue_cards(world.enrolment, memberships_of(household), on=ON)[0]
    assert card.expires_on == date(2028, 11, 23)
    (printed,) = pdf.printed_cards([card])
    assert printed.footer == "Santé pour tous" and printed.logo.startswith("data:image/png")
    assert AuditEvent.unscoped.filter(action="cards.design_set").count() == 1
    # A photo without transparency is stored as JPEG; the page shows the current logo.
    jpeg = BytesIO()
    Image.new("RGB", (300, 200), "white").save(jpeg, "JPEG")
    client.post(url, {"logo": upload("logo.jpg", jpeg.getvalue()), "validity_months": ""})
    design.refresh_from_db()
    assert design.logo.name.endswith(".jpg") and design.validity_months is None
    assert "data:image/jpeg" in client.get(url).content.decode()


@pytest.mark.parametrize(
    "name,data",
    [
        ("logo.png", b"this is not a picture"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("logo.png", b""),
    ],
)
def test_a_bad_logo_is_refused_with_a_clear_message(client, world, name, data):
    client.force_login(world.manager)
    url = reverse("card_design", args=[world.mutual_a.uuid])
    response = client.post(url, {"logo": upload(name, data), "footer": "x"})
    assert response.status_code == 200
    assert "PNG" in response.content.decode()
    assert not CardDesign.unscoped.filter(organization=world.mutual_a, footer="x").exists()


def test_only_the_mutuals_managers_set_its_card_design(client, world):
    url = reverse("card_design", args=[world.mutual_a.uuid])
    for user, status in [
        (world.enrolment, 403),
        (world.auditor, 403),
        (world.cashier, 403),
        (world.manager_b, 404),
        (world.union_manager, 200),
        (world.manager, 200),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user
        if status != 200:
            assert client.post(url, {"footer": "hacked"}).status_code == status, user
    assert not CardDesign.unscoped.filter(footer="hacked").exists()
    client.force_login(world.enrolment)
    assert client.get(reverse("card_design_list")).status_code == 403
