"""Tenant-scoped reads of cards for views, API and PDFs."""

from datetime import date

from django.db.models import Prefetch, QuerySet

from mutuelle.core.models import Place
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import get_for_user, scope
from mutuelle.members.models import Household, Membership

from . import rules
from .models import Card, SigningKey


def cards(user) -> QuerySet[Card]:
    return scope(Card.unscoped.all(), user, Perm.VIEW_REGISTER)


def card(user, uuid) -> Card:
    qs = Card.unscoped.select_related("organization", "membership__person__household")
    return get_for_user(qs, user, Perm.VIEW_REGISTER, uuid=uuid)


def household(user, uuid) -> Household:
    return get_for_user(
        Household.unscoped.select_related("organization", "place"),
        user,
        Perm.VIEW_REGISTER,
        uuid=uuid,
    )


def household_memberships(household: Household) -> list[Membership]:
    """The household's memberships, head first, each with its cards (newest first)."""
    qs = (
        Membership.unscoped.filter(person__household=household)
        .select_related("person", "organization")
        .prefetch_related(Prefetch("cards", queryset=Card.unscoped.order_by("-created_at")))
        .order_by("person__relationship", "person__birth_year", "number")
    )
    memberships = list(qs)
    memberships.sort(key=lambda m: m.person_id != household.head_id)
    return memberships


def current_cards(memberships: list[Membership], today: date) -> list[Card]:
    """The issued, unexpired card of each membership that has one, in order."""
    found = []
    for m in memberships:
        for c in m.cards.all():
            if c.state(today) == rules.VALID:
                found.append(c)
                break
    return found


def village_places(user, perm: str = Perm.VIEW_REGISTER) -> QuerySet[Place]:
    """Places where households within the user's `perm` scope live (village cards form)."""
    households = scope(Household.unscoped.all(), user, perm)
    return Place.unscoped.filter(pk__in=households.values("place_id")).order_by("name")


def place_memberships(user, place: Place, perm: str, limit: int) -> list[Membership]:
    """Memberships that may hold a card, of households in `place` or below it, in scope."""
    qs = (
        scope(Membership.unscoped.all(), user, perm)
        .filter(
            person__household__place__path__startswith=place.path,
            status__in=rules.CARDABLE_STATUSES,
        )
        .select_related("person__household", "organization")
        .order_by("person__household__number", "person__relationship", "number")
    )
    return list(qs[:limit])


def place_membership_ids(user, place: Place, perm: str) -> list[int]:
    """The ids of every membership that may hold a card in `place` or below it, in scope, in
    print order (household by household), for a background print job."""
    qs = (
        scope(Membership.unscoped.all(), user, perm)
        .filter(
            person__household__place__path__startswith=place.path,
            status__in=rules.CARDABLE_STATUSES,
        )
        .order_by("person__household__number", "person__relationship", "number")
    )
    return list(qs.values_list("pk", flat=True))


def place_mutual_ids(user, place: Place, perm: str) -> set[int]:
    """The mutuals whose members in `place` (and below) would get a card."""
    qs = scope(Membership.unscoped.all(), user, perm).filter(
        person__household__place__path__startswith=place.path,
        status__in=rules.CARDABLE_STATUSES,
    )
    return set(qs.order_by().values_list("organization_id", flat=True).distinct())


def print_job(user, job_uuid):
    """A place printing job the user may follow (their organizations' jobs, or their own)."""
    from django.http import Http404

    from mutuelle.core.models import Job
    from mutuelle.core.views.jobs import visible_jobs

    try:
        return visible_jobs(user).get(uuid=job_uuid, kind="cards.print_place")
    except Job.DoesNotExist as exc:
        raise Http404 from exc


def public_keys() -> list[dict]:
    """Every card signing key's public half, retired keys included. Public keys are not
    tenant data: a provider checks the cards of every mutual it treats (decision 0005)."""
    return [
        {
            "key_id": k.key_id,
            "algorithm": "Ed25519",
            "public_key": k.public_key_b64,
            "organization": k.organization.code,
            "active": k.is_active,
            "created_at": k.created_at.isoformat(),
        }
        for k in SigningKey.unscoped.select_related("organization").order_by("key_id")
    ]
