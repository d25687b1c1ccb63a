"""Tenant-scoped reads of the register for views, API and reports."""

from django.db.models import Count, Prefetch, Q, QuerySet

from mutuelle.core.roles import Perm
from mutuelle.core.scoping import get_for_user, scope

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


def find_by_number(user, number: str) -> QuerySet[Membership]:
    return scope(
        Membership.unscoped.filter(number__iexact=number.strip()), user, Perm.VIEW_REGISTER
    )


def quick_filter(qs: QuerySet[Household], text: str) -> QuerySet[Household]:
    """Until ranked search lands: number, phone or name contains (normalized)."""
    from mutuelle.lib.names import normalize

    norm = normalize(text)
    return qs.filter(
        Q(number__icontains=text.strip())
        | Q(phone__icontains=text.strip())
        | Q(persons__name_normalized__contains=norm)
        | Q(persons__memberships__number__icontains=text.strip())
    ).distinct()
