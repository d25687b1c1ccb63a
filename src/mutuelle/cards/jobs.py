"""Card jobs: a village's cards printed in the background, and the daily revocation of the
cards of members who left (declared to the scheduler by the app).

Printing a place (`cards.print_place`):

1. The first chunk takes a snapshot of the memberships to print, in print order (household,
   relationship, number), into the cursor: a resumed job prints exactly the same list.
2. Each following chunk issues the missing cards of `CHUNK` memberships of the snapshot
   (cards.actions.issue_cards, idempotent: a chunk redone after a crash reuses the cards it
   had issued) and commits with the cursor, which the progress bar follows.
3. The last chunk renders every card in one WeasyPrint call and stores the PDF (default
   storage, under cards/print/: the place where members' photos already live, shared by
   every web server and worker of a deployment; never served as a public media URL).

Why one render and not one PDF per chunk joined at the end: joining PDFs needs a PDF reader
(pypdf or pypdfium2), which is not a runtime dependency, and a hand-made joiner is not worth
the risk. Rendering is the step that takes time (about 0.1 s a card) but it only reads: redone
after a crash it gives the same cards in the same order, the same file. On SQLite the render
chunk holds the write lock while it runs (every chunk runs in an IMMEDIATE transaction), so
other writers queue for its duration (busy timeout 20 s): print a whole district at a quiet
hour, or village by village.
"""

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from mutuelle.core import jobs
from mutuelle.core.jobs import ChunkResult, JobKind, register
from mutuelle.core.models import Job, Place
from mutuelle.core.roles import Perm
from mutuelle.core.scheduler import Periodic, declare
from mutuelle.members.models import Membership

from . import actions, pdf, queries, rules
from .models import Card, CardStatus

PRINT_PLACE = "cards.print_place"
CHUNK = 100  # cards issued per committed chunk
STORAGE_DIR = "cards/print"


def pdf_name(job: Job) -> str:
    return f"{STORAGE_DIR}/{job.uuid}.pdf"


@register
class PrintPlace(JobKind):
    """The cards of every member living in a place (and below it), issued where missing,
    then printed in one PDF. Parameters: place (id), layout, on (ISO date), language, chunk."""

    kind = PRINT_PLACE
    label = _("Print the cards of a village")

    def total(self, job):
        return None  # known once the snapshot is taken (first chunk)

    def run_chunk(self, job, cursor):
        actor = job.created_by
        on = date.fromisoformat(job.params["on"])
        if cursor is None:
            place = Place.unscoped.get(pk=job.params["place"])
            ids = queries.place_membership_ids(actor, place, Perm.ENROL_MEMBERS)
            # One more step for the render, so the bar reaches 100 % only with the file.
            Job.unscoped.filter(pk=job.pk).update(total=len(ids) + 1)
            return ChunkResult(cursor={"ids": ids, "pos": 0}, done=0)
        ids, pos = cursor["ids"], int(cursor["pos"])
        if pos < len(ids):
            batch = ids[pos : pos + int(job.params.get("chunk", CHUNK))]
            rows = Membership.unscoped.select_related("organization").in_bulk(batch)
            actions.issue_cards(actor, [rows[pk] for pk in batch if pk in rows], on=on)
            return ChunkResult(cursor={"ids": ids, "pos": pos + len(batch)}, done=len(batch))
        cards = current_cards(ids, on)
        with translation.override(job.params.get("language") or translation.get_language()):
            body = pdf.render(cards, job.params["layout"])
        name = pdf_name(job)
        # A render redone after a crash replaces the file it may have left.
        default_storage.delete(name)
        stored = default_storage.save(name, ContentFile(body))
        return ChunkResult(
            cursor={
                "ids": ids,
                "pos": pos,
                "file": stored,
                "cards": len(cards),
                "mutuals": sorted({c.organization_id for c in cards}),
            },
            done=1,
            finished=True,
        )

    def finish(self, job):
        cursor = job.cursor or {}
        return {k: cursor.get(k) for k in ("file", "cards", "mutuals")}


def current_cards(membership_ids: list[int], on: date) -> list[Card]:
    """The issued card valid on `on` of each membership that has one, in the order given."""
    found: dict[int, Card] = {}
    for i in range(0, len(membership_ids), 1000):
        for card in Card.unscoped.filter(
            membership_id__in=membership_ids[i : i + 1000], status=CardStatus.ISSUED
        ):
            if card.state(on) == rules.VALID:
                found[card.membership_id] = card
    return [found[pk] for pk in membership_ids if pk in found]


def start_print_place(actor, place: Place, layout: str, mutual_ids: set[int]) -> Job:
    """Queue the printing of a place's cards. The job belongs to the mutual when the place's
    members all belong to one (its staff follow it), else to the actor's home organization."""
    from mutuelle.core.models import Organization

    organization = (
        Organization.unscoped.get(pk=next(iter(mutual_ids)))
        if len(mutual_ids) == 1
        else actor.home_organization
    )
    return jobs.start(
        PRINT_PLACE,
        actor=actor,
        organization=organization,
        params={
            "place": place.pk,
            "layout": layout,
            "on": timezone.localdate().isoformat(),
            "language": translation.get_language(),
        },
    )


KEEP_PRINT_FILES = timedelta(days=7)


def prune_print_files(now=None) -> int:
    """Delete the PDFs of print jobs finished more than a week ago (members' photos and
    names should not pile up in storage); their page then says the file is gone."""
    cutoff = (now or timezone.now()) - KEEP_PRINT_FILES
    done = 0
    old = Job.unscoped.filter(
        kind=PRINT_PLACE,
        state=Job.State.SUCCEEDED,
        finished_at__lt=cutoff,
        result__has_key="file",
    )
    for job in old.only("pk", "result"):
        result = dict(job.result or {})
        name = result.pop("file", None) or ""
        if name.startswith(f"{STORAGE_DIR}/"):
            default_storage.delete(name)
        Job.unscoped.filter(pk=job.pk).update(result=result)
        done += 1
    return done


def _revoke_leavers() -> object:
    return actions.revoke_cards_of_leavers()


def declare_periodic() -> None:
    declare(Periodic("cards.revoke_cards_of_leavers", timedelta(days=1), _revoke_leavers))
    declare(Periodic("cards.prune_print_files", timedelta(days=1), prune_print_files))
