from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language

from ..models import Place, PlaceLevel


@login_required
def place_list(request):
    """Browse the places tree one level at a time (shared geography, readable by all staff)."""
    parent = None
    if parent_id := request.GET.get("parent"):
        try:
            parent = Place.unscoped.get(pk=int(parent_id))
        except (ValueError, Place.DoesNotExist) as exc:
            raise Http404 from exc
    places = Place.unscoped.filter(parent=parent).annotate(n_children=Count("children"))
    ancestors = Place.unscoped.filter(pk__in=_ancestor_ids(parent)) if parent else []
    page = Paginator(places.order_by("name"), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "core/place_list.html",
        {
            "page": page,
            "parent": parent,
            "ancestors": sorted(ancestors, key=lambda p: p.depth),
            "level": _level_name(parent, get_language()),
        },
    )


def _level_name(parent: Place | None, language: str) -> str:
    """What the children of `parent` are called in that country (e.g. "Régions")."""
    if parent is None:
        return ""
    level = PlaceLevel.unscoped.filter(country=parent.country, depth=parent.depth + 1).first()
    if level is None:
        return ""
    return level.name_fr if language.startswith("fr") else level.name_en


def _ancestor_ids(place: Place) -> list[int]:
    return [int(p) for p in place.path.strip("/").split("/") if p][:-1]
