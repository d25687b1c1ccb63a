"""Cards as PDF (WeasyPrint): CR80 (85.6 × 54 mm, one card per page, for PVC card printers)
or A4 sheets of ten cards with cut marks. Images are inlined as data: URIs; the renderer
fetches nothing."""

import base64
import mimetypes
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation

from mutuelle.core.models import Organization
from mutuelle.lib.pdf import render_pdf
from mutuelle.lib.qr import qr_svg_data_uri

from .models import Card, CardDesign

CR80 = "cr80"
A4 = "a4"
LAYOUTS = (CR80, A4)
PER_SHEET = 10  # 2 columns × 5 rows of CR80 cards on A4
MAX_IMAGE_BYTES = 2 * 1024 * 1024
# A4 sheet geometry, millimetres: the grid of cards is centred on the page.
CARD_W, CARD_H = 85.6, 54.0
SHEET_LEFT = round((210 - 2 * CARD_W) / 2, 2)
SHEET_TOP = round((297 - 5 * CARD_H) / 2, 2)


@dataclass(frozen=True)
class PrintedCard:
    """Everything one printed card shows, resolved for the template."""

    card: Card
    mutual_name: str
    logo: str  # data: URI, or "" for the placeholder
    initials: str
    given_names: str
    family_name: str
    household_number: str
    birth: str
    photo: str  # data: URI, or "" for the placeholder
    qr: str  # data: URI
    footer: str


def printed_cards(cards_: list[Card]) -> list[PrintedCard]:
    """Resolve the cards to print (one query for their relations, one for the designs)."""
    rows = (
        Card.unscoped.filter(pk__in=[c.pk for c in cards_])
        .select_related("organization", "membership__person__household")
        .in_bulk()
    )
    designs = {
        d.organization_id: d
        for d in CardDesign.unscoped.filter(organization_id__in={c.organization_id for c in cards_})
    }
    logos = {org_id: image_uri(d.logo) for org_id, d in designs.items()}
    out = []
    for c in cards_:
        row = rows[c.pk]
        person = row.membership.person
        design = designs.get(row.organization_id)
        birth = person.birth_date.strftime("%d/%m/%Y") if person.birth_date else ""
        out.append(
            PrintedCard(
                card=row,
                mutual_name=row.organization.name,
                logo=logos.get(row.organization_id, ""),
                initials=_initials(row.organization),
                given_names=person.given_names,
                family_name=person.family_name,
                household_number=person.household.number if person.household else "",
                birth=birth or (str(person.birth_year) if person.birth_year else ""),
                photo=image_uri(person.photo),
                qr=qr_svg_data_uri(row.payload),
                footer=design.footer if design else "",
            )
        )
    return out


def _initials(org: Organization) -> str:
    words = [w for w in org.name.replace("-", " ").split() if w[:1].isupper()]
    skip = {"Mutuelle", "Mutual", "De", "Du", "Des"}
    letters = "".join(w[0] for w in words if w not in skip)[:3]
    return letters or org.code[:3]


def image_uri(field) -> str:
    """A stored image as a data: URI, or "" when there is none or it cannot be read."""
    if not field or not field.name:
        return ""
    mime = mimetypes.guess_type(field.name)[0] or ""
    if mime not in {"image/png", "image/jpeg", "image/svg+xml", "image/webp", "image/gif"}:
        return ""
    try:
        if default_storage.size(field.name) > MAX_IMAGE_BYTES:
            return ""
        with default_storage.open(field.name, "rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def render(cards: list[Card], layout: str, language: str | None = None) -> bytes:
    """The PDF of `cards`, in their order, labels in `language` (default: the active one)."""
    if layout not in LAYOUTS:
        raise ValueError(layout)
    printed = printed_cards(cards)
    sheets = [printed[i : i + PER_SHEET] for i in range(0, len(printed), PER_SHEET)]
    context = {
        "layout": layout,
        "cards": printed,
        "sheets": [[_place(i, c) for i, c in enumerate(sheet)] for sheet in sheets],
        "cols": [SHEET_LEFT, round(SHEET_LEFT + CARD_W, 2), round(SHEET_LEFT + 2 * CARD_W, 2)],
        "rows": [round(SHEET_TOP + i * CARD_H, 2) for i in range(6)],
    }
    with translation.override(language or translation.get_language()):
        html = render_to_string("cards/cards.pdf.html", context)
    return render_pdf(html)


def _place(index: int, printed: "PrintedCard") -> dict:
    row, col = divmod(index, 2)
    return {
        "left": round(SHEET_LEFT + col * CARD_W, 2),
        "top": round(SHEET_TOP + row * CARD_H, 2),
        "c": printed,
    }
