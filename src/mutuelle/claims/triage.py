"""Review triage, database side: the statistics of a window of adjudicated claims, the facts of
a batch, and the flags written in bulk (`claims.triage_rules` decides).

    flag_claims(actor, claims, *, auto_approve=False) -> dict of counts

Flagged claims move adjudicated → in_review (one conditional update, one ClaimEvent each, the
flags as ReviewFlag rows); clean claims stay adjudicated, or are approved through
`claims.actions.approve` when the caller asks (`auto_approve=True`).

The statistics window is the last `window_days` days of adjudicated claims of the claim's mutual
(its adjudication date), the batch included; a mutual with fewer than `min_window_claims` such
claims is compared within its union (every mutual under its parent). Peers of a provider are
the other providers of its care level (providers.ProviderProfile.care_level) in that window."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core import audit
from mutuelle.core.models import Organization
from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm
from mutuelle.providers.models import ProviderProfile

from . import triage_rules as tr
from .actions.claims import approve, reason_error
from .models import (
    CONSUMING,
    Claim,
    ClaimEvent,
    ClaimLine,
    ClaimStatus,
    EligibilityCheck,
    ReviewFlag,
)

# Statuses of a decided claim (the statistics' population).
DECIDED = (*CONSUMING, ClaimStatus.REJECTED)

TRIAGE_REASONS = {
    tr.HIGH_AMOUNT: _("High amount: the mutual would pay %(amount)s (threshold %(threshold)s)."),
    tr.QUANTITY_OUTLIER: _(
        "Quantity %(quantity)s of %(code)s, far above the usual %(usual)s (limit %(limit)s)."
    ),
    tr.PROVIDER_DRIFT: _(
        "The provider's %(measure)s (%(provider)s) drifts from its peers' (%(peers)s); "
        "this claim: %(claim)s."
    ),
    tr.NO_ELIGIBILITY_CHECK: _("No eligibility check on the day of care%(never)s."),
    tr.REPEATED_ACROSS_PROVIDERS: _(
        "%(code)s was also claimed by %(providers)s other provider(s) within %(days)s days."
    ),
    tr.SPLIT_BILLING: _(
        "%(claims)s claims of this provider for this beneficiary within %(days)s days: "
        "one visit split?"
    ),
    tr.RANDOM_SAMPLE: _("Drawn in the random sample (%(rate)s %%)."),
}
MEASURES = {
    tr.ACTS_PER_VISIT: _("acts per visit"),
    tr.COST_PER_CASE: _("cost per case"),
}


def explain(code: str, params: dict | None = None) -> str:
    """A triage flag as a sentence in the active language."""
    from .reasons import _format

    template = TRIAGE_REASONS.get(code)
    if template is None:
        return code
    values = {k: _format(v) for k, v in (params or {}).items()}
    if code == tr.PROVIDER_DRIFT:
        values["measure"] = str(MEASURES.get(str(values.get("measure")), values.get("measure")))
    if code == tr.NO_ELIGIBILITY_CHECK:
        never = str(values.get("never_checked", "")).lower() in ("true", "1")
        values["never"] = str(_(", and the beneficiary was never checked")) if never else ""
    if code == tr.RANDOM_SAMPLE:
        try:
            rate = Decimal(str((params or {}).get("rate", "0"))) * 100
            values["rate"] = _format(rate.quantize(Decimal(1)) if rate == int(rate) else rate)
        except (InvalidOperation, ValueError):
            values["rate"] = ""
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)


# --- statistics ---------------------------------------------------------------------------


def _reference(mutual: Organization, since, thresholds: tr.Thresholds) -> Q:
    """The window's population: the mutual's decided claims, or its union's when too few."""
    own = Q(organization=mutual, adjudicated_at__gte=since, status__in=DECIDED)
    if mutual.parent_id is None:
        return own
    if Claim.unscoped.filter(own).count() >= thresholds.min_window_claims:
        return own
    parent = Organization.unscoped.get(pk=mutual.parent_id)
    return Q(organization__path__startswith=parent.path, adjudicated_at__gte=since) & Q(
        status__in=DECIDED
    )


def statistics(mutual: Organization, thresholds: tr.Thresholds, now=None) -> tr.Stats:
    """The statistics triage compares a claim of `mutual` with (a few aggregate queries)."""
    now = now or timezone.now()
    population = _reference(mutual, now - timedelta(days=thresholds.window_days), thresholds)
    lines = ClaimLine.unscoped.filter(
        claim__in=Claim.unscoped.filter(population).values("pk"), quantity__gt=0
    )
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for code, quantity, n in (
        lines.values("act_code", "quantity")
        .annotate(n=Count("pk"))
        .values_list("act_code", "quantity", "n")
    ):
        counts[code][quantity] = n
    per_provider = (
        Claim.unscoped.filter(population)
        .values("provider_id")
        .annotate(n=Count("pk"), cost=Sum("tariff_adjusted"))
        .values_list("provider_id", "n", "cost")
    )
    acts = dict(
        lines.values("claim__provider_id")
        .annotate(q=Sum("quantity"))
        .values_list("claim__provider_id", "q")
    )
    rows = list(per_provider)
    levels = dict(
        ProviderProfile.unscoped.filter(organization_id__in=[p for p, _n, _c in rows]).values_list(
            "organization_id", "care_level"
        )
    )
    totals = [
        tr.ProviderTotals(
            provider=p,
            level=levels.get(p, ""),
            claims=n,
            acts=acts.get(p) or 0,
            cost=cost or Decimal(0),
        )
        for p, n, cost in rows
    ]
    return tr.build_stats(counts, totals, thresholds)


@dataclass
class _Kept:
    stats: tr.Stats
    population: int  # decided claims in the window when computed
    added: int  # claims triaged against it since
    at: datetime


_KEPT: dict[tuple[int, tr.Thresholds], _Kept] = {}
# The window's statistics move slowly: they are computed again once the claims triaged since
# reach this share of the population they were computed on, or after this age. A batch of a
# million claims reads its window a few dozen times instead of once per chunk (each read
# aggregates the whole window), and a screen's one claim reads it every few minutes at most.
REFRESH_SHARE = Decimal("0.10")
REFRESH_AGE = timedelta(minutes=10)


def kept_statistics(mutual: Organization, thresholds: tr.Thresholds, now, batch: int) -> tr.Stats:
    """statistics(), computed again only when the window may have moved (see REFRESH_*)."""
    key = (mutual.pk, thresholds)
    kept = _KEPT.get(key)
    if (
        kept is not None
        and kept.added + batch <= kept.population * REFRESH_SHARE
        and timedelta(0) <= now - kept.at < REFRESH_AGE
    ):
        kept.added += batch
        return kept.stats
    stats = statistics(mutual, thresholds, now)
    population = sum(p.claims for p in stats.providers.values())
    _KEPT[key] = _Kept(stats, population, batch, now)
    return stats


def clear_statistics() -> None:
    _KEPT.clear()


# --- facts --------------------------------------------------------------------------------


def facts_of(claims: list[Claim], thresholds: tr.Thresholds) -> dict[int, tr.ClaimFacts]:
    """The triage facts of a batch (a few queries, whatever its size)."""
    if not claims:
        return {}
    ids = [c.pk for c in claims]
    lines: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for claim_id, code, quantity in (
        ClaimLine.unscoped.filter(claim_id__in=ids)
        .order_by("claim_id", "position")
        .values_list("claim_id", "act_code", "quantity")
    ):
        lines[claim_id].append((code, quantity))
    persons = {c.person_id for c in claims}
    checked = set(
        EligibilityCheck.unscoped.filter(person_id__in=persons)
        .values_list("person_id", flat=True)
        .distinct()
    )
    reach = max(thresholds.repeat_days, thresholds.split_days)
    first = min(c.care_from for c in claims) - timedelta(days=reach)
    last = max(c.care_from for c in claims) + timedelta(days=reach)
    # The beneficiaries' other decided claims around the batch's dates (the batch included).
    around = list(
        Claim.unscoped.filter(
            person_id__in=persons, care_from__range=(first, last), status__in=CONSUMING
        ).values_list("pk", "person_id", "provider_id", "care_from", "corrects_id")
    )
    by_person: dict[int, list[tuple]] = defaultdict(list)
    for row in around:
        by_person[row[1]].append(row)
    acts_of: dict[int, set[str]] = defaultdict(set)
    for claim_id, code in ClaimLine.unscoped.filter(
        claim_id__in=[r[0] for r in around], quantity__gt=0
    ).values_list("claim_id", "act_code"):
        acts_of[claim_id].add(code)
    for c in claims:
        acts_of[c.pk] |= {code for code, q in lines[c.pk] if q > 0}
    out = {}
    for c in claims:
        repeated: dict[str, set[int]] = defaultdict(set)
        split = 0
        mine = acts_of[c.pk]
        for other, _person, provider, on, corrects in by_person[c.person_id]:
            if other == c.pk or corrects == c.pk or other == c.corrects_id:
                continue
            gap = abs((on - c.care_from).days)
            if provider == c.provider_id:
                if gap <= thresholds.split_days:
                    split += 1
            elif gap <= thresholds.repeat_days:
                for code in mine & acts_of[other]:
                    repeated[code].add(provider)
        out[c.pk] = tr.ClaimFacts(
            key=c.pk,
            uuid=str(c.uuid),
            provider=c.provider_id,
            covered=c.covered,
            amount=c.tariff_adjusted,
            lines=tuple(lines[c.pk]),
            kind=c.kind,
            eligibility_checked=c.eligibility_checked,
            never_checked=c.person_id not in checked,
            repeated=tuple(sorted((code, len(p)) for code, p in repeated.items())),
            split_with=split,
        )
    return out


# --- flagging -----------------------------------------------------------------------------


@transaction.atomic
def flag_claims(
    actor,
    claims: list[Claim],
    *,
    auto_approve: bool = False,
    thresholds: tr.Thresholds | None = None,
) -> dict:
    """Triage adjudicated claims: flag those worth the adviser's look (→ in_review), leave
    the others adjudicated, or approve them when `auto_approve`. Returns counts: checked,
    flagged, clean, approved, rejected, and one count per flag code."""
    thresholds = thresholds or tr.Thresholds()
    for org in {c.organization for c in claims}:
        if actor is not None and not can(actor, Perm.ADJUDICATE_CLAIMS, org):
            raise reason_error("claim.not_allowed")
    # Row locks: an approval or a second triage of the same claims waits for this one.
    loaded = list(
        Claim.unscoped.select_for_update()
        .filter(pk__in=[c.pk for c in claims], status=ClaimStatus.ADJUDICATED)
        .order_by("pk")
    )
    counts: dict = {"checked": len(loaded), "flagged": 0, "clean": 0, "approved": 0}
    counts["rejected"] = 0
    if not loaded:
        return counts
    orgs = {
        o.pk: o for o in Organization.unscoped.filter(pk__in={c.organization_id for c in loaded})
    }
    now = timezone.now()
    batch = len(loaded)
    stats = {pk: kept_statistics(org, thresholds, now, batch) for pk, org in orgs.items()}
    facts = facts_of(loaded, thresholds)
    flags: list[ReviewFlag] = []
    events: list[ClaimEvent] = []
    flagged: list[int] = []
    clean: list[Claim] = []
    who = actor if getattr(actor, "is_authenticated", False) else None
    for claim in loaded:
        found = tr.flags_for(facts[claim.pk], stats[claim.organization_id], thresholds)
        if not found:
            clean.append(claim)
            continue
        flagged.append(claim.pk)
        for f in found:
            counts[f.code] = counts.get(f.code, 0) + 1
            flags.append(
                ReviewFlag(
                    claim=claim,
                    code=f.code,
                    params={k: str(v) for k, v in f.params.items()},
                    score=f.score,
                    created_at=now,
                )
            )
        events.append(
            ClaimEvent(
                claim=claim,
                actor=who,
                at=now,
                from_status=ClaimStatus.ADJUDICATED,
                to_status=ClaimStatus.IN_REVIEW,
                data={"flags": [f.code for f in found], "score": str(tr.score(found))},
            )
        )
    if flagged:
        moved = Claim.unscoped.filter(pk__in=flagged, status=ClaimStatus.ADJUDICATED).update(
            status=ClaimStatus.IN_REVIEW
        )
        assert moved == len(flagged)  # the rows are locked: nothing else moved them
        ReviewFlag.unscoped.bulk_create(flags, batch_size=2000, ignore_conflicts=True)
        ClaimEvent.unscoped.bulk_create(events, batch_size=2000)
    counts["flagged"], counts["clean"] = len(flagged), len(clean)
    audit.record(
        actor,
        "claim.triaged",
        loaded[0] if len(loaded) == 1 else None,
        organization=orgs[loaded[0].organization_id],
        claims=len(loaded),
        flagged=len(flagged),
    )
    if auto_approve:
        for claim in clean:
            done = approve(actor, claim, str(_("No review flag: approved after triage.")))
            counts["approved" if done.status == ClaimStatus.APPROVED else "rejected"] += 1
    return counts
