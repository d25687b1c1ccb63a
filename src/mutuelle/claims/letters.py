"""Guarantee letters and referrals: tenant-scoped reads for the screens, the PDF and the API.

    visible_letters(user)        letters of the mutuals where the user asks, decides or
                                 adjudicates, and those of the providers a clerk works for
    visible_referrals(user)      the same for referral slips (a clerk sees those from or to
                                 their provider)
    get_letter(user, uuid)       one of them, or 404 (likewise get_referral)
    usage_of(letters)            what each letter has consumed and what is left of it
    claims_citing(letter)        the claims that cite it

A letter's consumption is what the engine counts against it: the `covered` amounts of the
lines of the claims citing it that consume (adjudicated and not rejected: `CONSUMING`)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from mutuelle.core.models import Scope
from mutuelle.core.roles import PERMISSIONS, Perm
from mutuelle.core.scoping import grants_of

from .models import CONSUMING, Claim, ClaimLine, GuaranteeLetter, LetterStatus, Referral

ZERO = Decimal(0)
# The mutual's staff who see its letters: who ask for them, decide them, adjudicate claims.
MUTUAL_PERMS = (Perm.SUBMIT_CLAIMS, Perm.REVIEW_CLAIMS, Perm.ADJUDICATE_CLAIMS)
# A provider's clerks see the letters and referrals of their provider.
PROVIDER_PERMS = (Perm.SUBMIT_CLAIMS,)
_NOTHING = Q(pk__in=[])


def _q(user, provider_fields: tuple[str, ...]) -> Q | None:
    """A filter on letters or referrals; None means everything. Organization grants reach the
    mutual (`organization`); provider grants reach the provider fields only, so the staff of a
    union never see, through a provider of their tree, letters of another union's mutual."""
    q = _NOTHING
    for g in grants_of(user):
        perms = PERMISSIONS.get(g.role, frozenset())
        if g.scope == Scope.PROVIDER:
            if any(p in perms for p in PROVIDER_PERMS):
                for name in provider_fields:
                    q |= Q(**{f"{name}_id": g.org_id})
            continue
        if not any(p in perms for p in MUTUAL_PERMS):
            continue
        if g.scope == Scope.GLOBAL:
            return None
        if g.scope == Scope.COUNTRY:
            q |= Q(organization__country=g.country)
        elif g.scope == Scope.ORGANIZATION and g.org_path:
            q |= Q(organization__path__startswith=g.org_path)
    return q


def _filtered(qs: QuerySet, q: Q | None) -> QuerySet:
    return qs if q is None else qs.filter(q)


def visible_letters(user) -> QuerySet[GuaranteeLetter]:
    return _filtered(GuaranteeLetter.unscoped.all(), _q(user, ("provider",)))


def visible_referrals(user) -> QuerySet[Referral]:
    return _filtered(Referral.unscoped.all(), _q(user, ("from_provider", "to_provider")))


def get_letter(user, letter_uuid) -> GuaranteeLetter:
    try:
        return (
            visible_letters(user)
            .select_related("organization", "provider", "person", "requested_by", "decided_by")
            .get(uuid=letter_uuid)
        )
    except (GuaranteeLetter.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_referral(user, referral_uuid) -> Referral:
    try:
        return (
            visible_referrals(user)
            .select_related("organization", "from_provider", "to_provider", "person", "created_by")
            .get(uuid=referral_uuid)
        )
    except (Referral.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def queue(user) -> QuerySet[GuaranteeLetter]:
    """The requests a medical adviser has to decide, oldest first."""
    from mutuelle.core.scoping import scope

    return (
        scope(GuaranteeLetter.unscoped.all(), user, Perm.REVIEW_CLAIMS)
        .filter(status=LetterStatus.REQUESTED)
        .select_related("organization", "provider", "person")
        .order_by("requested_at", "pk")
    )


@dataclass(frozen=True)
class LetterUsage:
    consumed: Decimal  # paid under the letter by the claims that consume
    left: Decimal | None  # what is left of the maximum (None: no maximum, not approved)


def consumed_by(letter_ids) -> dict[int, Decimal]:
    """letter id -> the covered amounts of the consuming claims' lines that cite it."""
    rows = (
        ClaimLine.unscoped.filter(claim__letter_id__in=list(letter_ids))
        .filter(claim__status__in=CONSUMING)
        .values("claim__letter_id")
        .annotate(total=Sum("covered"))
        .order_by()
    )
    return {r["claim__letter_id"]: r["total"] or ZERO for r in rows}


def usage_of(letters) -> dict[int, LetterUsage]:
    """For each letter (by id): what it consumed and what is left (one query for all)."""
    letters = list(letters)
    consumed = consumed_by(x.pk for x in letters)
    out = {}
    for x in letters:
        used = consumed.get(x.pk, ZERO)
        left = None
        if x.status == LetterStatus.APPROVED and x.max_amount is not None:
            left = max(x.max_amount - used, ZERO)
        out[x.pk] = LetterUsage(consumed=used, left=left)
    return out


def claims_citing(letter: GuaranteeLetter) -> QuerySet[Claim]:
    return (
        Claim.unscoped.filter(letter=letter).select_related("provider").order_by("care_from", "pk")
    )


def referral_claims(referral: Referral) -> QuerySet[Claim]:
    return (
        Claim.unscoped.filter(referral=referral)
        .select_related("provider")
        .order_by("care_from", "pk")
    )
