"""Tenant-scoped reads of the register for views, API and reports."""

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from mutuelle.core.roles import Perm
from mutuelle.core.scoping import get_for_user, scope

from . import rules
from .models import Household, Membership, Person


def households(user) -> QuerySet[Household]:
    return scope(Household.unscoped.all(), user, Perm.VIEW_REGISTER)


def household_list(user, *, place_id=None, status=None) -> QuerySet[Household]:
    qs = households(user).select_related("head", "place").annotate(size=Count("persons"))
    if place_id:
        qs = qs.filter(place_id=place_id)
    if status:
        qs = qs.filter(persons__memberships__status=status).distinct()
    return qs.order_by("-created_at")


def register_places(user) -> QuerySet:
    """The villages and places where the user's register has households (the search filter)."""
    from mutuelle.core.models import Place

    ids = households(user).exclude(place=None).values("place_id")
    return Place.unscoped.filter(pk__in=ids).order_by("name")


def household_detail(user, uuid) -> Household:
    memberships = Membership.unscoped.order_by("number")
    persons = Person.unscoped.prefetch_related(Prefetch("memberships", queryset=memberships))
    qs = Household.unscoped.select_related("place", "ability", "agent", "head").prefetch_related(
        Prefetch("persons", queryset=persons.order_by("relationship", "birth_year"))
    )
    return get_for_user(qs, user, Perm.VIEW_REGISTER, uuid=uuid)


def household_history(household: Household, limit: int = 50) -> list[dict]:
    """Who changed what and when, newest first: status events and edits of the household and
    its persons (django-simple-history)."""
    from .models import StatusEvent

    entries: list[dict[str, Any]] = []
    events = StatusEvent.unscoped.filter(membership__person__household=household).select_related(
        "membership__person", "actor"
    )
    for e in events.order_by("-at")[:limit]:
        entries.append({"at": e.at, "who": e.actor, "what": "status", "event": e})
    for record in household.history.select_related("history_user").order_by("-history_date")[
        :limit
    ]:
        entries.append(
            {
                "at": record.history_date,
                "who": record.history_user,
                "what": "household",
                "record": record,
            }
        )
    people = Person.history.filter(household_id=household.pk).select_related("history_user")
    for record in people.order_by("-history_date")[:limit]:
        entries.append(
            {
                "at": record.history_date,
                "who": record.history_user,
                "what": "person",
                "record": record,
            }
        )
    entries.sort(key=lambda x: x["at"], reverse=True)
    return entries[:limit]


def memberships(user) -> QuerySet[Membership]:
    return scope(Membership.unscoped.all(), user, Perm.VIEW_REGISTER)


def search_persons(user, text: str, limit: int = 20, place_id: int | None = None) -> list[Person]:
    """Persons matching a number, a phone or a name, best first, at most `limit`.

    Ranks: the exact membership number; a phone (its last digits); names starting with the
    words typed (either order); then names that sound alike (lib.names search keys: accents,
    apostrophes, West African spelling variants and typos folded), ranked by likeness. Each
    step is one indexed lookup of ids capped at a small number (no sort of all the matches, no
    join before the cap), and the persons found are read once at the end: the cost does not
    grow with the register."""
    from mutuelle.lib.names import jaro_winkler, normalize, search_key_for_query
    from mutuelle.lib.phone import phone_tail

    from .models import SearchKey

    text = text.strip()
    if not text:
        return []
    base = scope(
        Person.unscoped.filter(merged_into__isnull=True).order_by(), user, Perm.VIEW_REGISTER
    )  # .order_by(): the model's default ordering would sort every match before the cap
    if place_id:
        base = base.filter(household__place_id=place_id)
    found: dict[int, None] = {}  # ids, in rank order

    def take(ids) -> None:
        for pk in ids:
            if len(found) >= limit:
                return
            found.setdefault(pk)

    def keyed(key: str):
        return base.filter(pk__in=SearchKey.unscoped.filter(key=key).values("person_id"))

    number = text.upper().replace(" ", "")
    take(base.filter(memberships__number=number).values_list("pk", flat=True)[:limit])
    if rules.number_error(text) is None or sum(c.isdigit() for c in text) >= 6:
        # A membership number or a phone number: no name search on its letters.
        tail = phone_tail(text)
        if tail and not found:
            take(keyed(f"t:{tail}").values_list("pk", flat=True)[:limit])
        return _persons(found)
    name = normalize(text)
    if not name:
        return _persons(found)
    words = name.split()
    prefixes = [name] + ([" ".join(words[1:] + words[:1])] if len(words) > 1 else [])
    for prefix in prefixes:
        if len(found) < limit:
            # In the index's order (no ORDER BY: sorting every "mamadou d..." would cost more
            # than the search); sorted by name below.
            rows = base.filter(name_normalized__startswith=prefix).values_list(
                "pk", "name_normalized"
            )[:limit]
            take(pk for pk, _name in sorted(rows, key=lambda r: r[1]))
    key = search_key_for_query(text)
    if key and len(found) < limit:
        alike = [
            (pk, stored)
            for pk, stored in keyed(key).values_list("pk", "name_normalized")[: 15 * limit]
            if pk not in found
        ]
        scores: dict[str, float] = {}  # namesakes are many: score each spelling once
        for _pk, stored in alike:
            if stored not in scores:
                scores[stored] = _likeness(name, stored, jaro_winkler)
        alike.sort(key=lambda r: -scores[r[1]])
        take(pk for pk, _stored in alike)
    return _persons(found)


def _persons(ids: dict[int, None]) -> list[Person]:
    by_id = Person.unscoped.select_related("household").in_bulk(list(ids))
    return [by_id[pk] for pk in ids if pk in by_id]


def _likeness(typed: str, stored: str, similarity) -> float:
    """How close a stored name is to the typed one, in either word order."""
    words = typed.split()
    swapped = " ".join(words[1:] + words[:1])
    head = stored[: len(typed) + 2]
    return max(similarity(typed, head), similarity(swapped, head), similarity(typed, stored))


def duplicate_pairs(user, decision: str = "open") -> QuerySet:
    """Suspect pairs of which at least one person is in the user's register scope."""
    from .models import DuplicatePair

    qs = DuplicatePair.unscoped.filter(decision=decision)
    mine = scope(qs, user, Perm.VIEW_REGISTER).values("pk")
    theirs = scope(qs, user, Perm.VIEW_REGISTER, field="other_organization").values("pk")
    return (
        DuplicatePair.unscoped.filter(Q(pk__in=mine) | Q(pk__in=theirs))
        .select_related(
            "first__household",
            "second__household",
            "organization",
            "other_organization",
            "decided_by",
        )
        .prefetch_related("first__memberships", "second__memberships")
        .order_by("-found_at", "pk")
    )


def duplicate_pair(user, pair_id: int):
    """An open pair the user may see, or Http404."""
    from django.core.exceptions import ObjectDoesNotExist
    from django.http import Http404

    try:
        return duplicate_pairs(user).get(pk=pair_id)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def pair_view(user, pair) -> dict:
    """What the user may see of each side: the record when it is in their register scope,
    otherwise only its mutual and whom to contact there."""
    from mutuelle.core.permissions import can

    sides = []
    for person, mutual in ((pair.first, pair.organization), (pair.second, pair.other_organization)):
        visible = can(user, Perm.VIEW_REGISTER, mutual)
        sides.append({"person": person if visible else None, "mutual": mutual})
    can_merge = pair.organization_id == pair.other_organization_id and can(
        user, Perm.ENROL_MEMBERS, pair.organization
    )
    can_confirm = all(side["person"] is not None for side in sides) and can(
        user, Perm.ENROL_MEMBERS, pair.other_organization
    )
    return {
        "pair": pair,
        "sides": sides,
        "can_decide": can(user, Perm.ENROL_MEMBERS, pair.organization)
        or can(user, Perm.ENROL_MEMBERS, pair.other_organization),
        "can_merge": can_merge,
        "can_confirm": can_confirm and not can_merge,
    }


def transfer_targets(user, household: Household) -> list:
    """The union's other mutuals the user may enrol in (union staff): where a household of
    theirs may move."""
    from mutuelle.core.models import Organization
    from mutuelle.core.permissions import can

    parent = household.organization.parent
    if parent is None or parent.kind != "union":
        return []
    sisters = Organization.unscoped.filter(parent=parent, kind="mutual").exclude(
        pk=household.organization_id
    )
    return [m for m in sisters.order_by("name") if can(user, Perm.ENROL_MEMBERS, m)]
