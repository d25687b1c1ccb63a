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


def search_persons(user, text: str, limit: int = 20) -> list[Person]:
    """Persons matching a number, a phone or a name, best first, at most `limit`.

    Ranks: exact membership number, then phone, then names starting with the words typed,
    then names containing them (accents, case and apostrophes folded). Each rank is one
    indexed query capped at `limit`, so the cost does not grow with the register."""
    from mutuelle.lib.names import normalize
    from mutuelle.lib.phone import normalize_phone

    text = text.strip()
    if not text:
        return []
    base = scope(Person.unscoped.all(), user, Perm.VIEW_REGISTER).select_related("household")
    found: dict[int, Person] = {}

    def take(qs) -> None:
        for person in qs[: limit - len(found)] if len(found) < limit else []:
            found.setdefault(person.pk, person)

    take(base.filter(memberships__number__iexact=text))
    if rules.number_error(text) is None or sum(c.isdigit() for c in text) >= 6:
        # A membership number or a phone number: no name search on its letters.
        phone = normalize_phone(text)
        if len(phone.lstrip("+")) >= 6 and not found:
            tail = phone.lstrip("+")[-8:]
            take(base.filter(Q(phone__endswith=tail) | Q(household__phone__endswith=tail)))
        return list(found.values())[:limit]
    name = normalize(text)
    if name:
        take(base.filter(name_normalized__startswith=name).order_by("name_normalized"))
        words = name.split()
        swapped = " ".join(words[1:] + words[:1]) if len(words) > 1 else ""
        if swapped:
            take(base.filter(name_normalized__startswith=swapped).order_by("name_normalized"))
        contains = base
        for word in words:
            contains = contains.filter(name_normalized__contains=word)
        take(contains.order_by("name_normalized"))
    return list(found.values())[:limit]
