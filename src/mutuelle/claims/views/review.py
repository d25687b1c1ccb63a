"""The medical adviser's screens: the review queue (claims in review by score, each flag's
reason in words), a claim's review page (lines with the engine's reasons, the adjust forms,
flags, history; diagnoses only for those who may see them, each showing logged), and disputes
(list, open, decide). Reads are scoped (404 across tenants); writes go through
claims.actions.review. See tests/isolation/claims_review.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mutuelle.core.models import Scope
from mutuelle.core.roles import PERMISSIONS, Perm
from mutuelle.core.rules import has_perm
from mutuelle.core.scoping import grants_of, scope

from .. import medical, reasons, triage
from ..actions import review
from ..models import (
    Claim,
    ClaimEvent,
    ClaimLine,
    ClaimStatus,
    Dispute,
    DisputeStatus,
    FlagOutcome,
    LineAdjustment,
    ReviewFlag,
)

QUEUE_SIZE = 200

# --- reads ----------------------------------------------------------------------------------


def _provider_ids(user, perm: str) -> set[int]:
    """The providers whose clerk the user is, with `perm`."""
    return {
        g.org_id
        for g in grants_of(user)
        if g.scope == Scope.PROVIDER and g.org_id and perm in PERMISSIONS.get(g.role, frozenset())
    }


def reviewable(user) -> QuerySet[Claim]:
    """Claims of the mutuals where the user reviews (medical adviser)."""
    return scope(Claim.unscoped.all(), user, Perm.REVIEW_CLAIMS)


def contestable(user) -> QuerySet[Claim]:
    """Claims the user may contest: their mutuals' (claims officer) or their provider's
    (provider clerk; never through a mutual that happens to own the provider)."""
    own = scope(Claim.unscoped.all(), user, Perm.ADJUDICATE_CLAIMS).values("pk")
    return Claim.unscoped.filter(
        Q(pk__in=own) | Q(provider_id__in=_provider_ids(user, Perm.SUBMIT_CLAIMS))
    )


def _one(qs: QuerySet[Claim], claim_uuid) -> Claim:
    try:
        return qs.select_related("organization", "provider", "person", "membership").get(
            uuid=claim_uuid
        )
    except (Claim.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def _require(user, *perms: str) -> None:
    grants = grants_of(user)
    if not any(has_perm(grants, p) for p in perms):
        raise PermissionDenied(perms[0])


def _stored_reason(code: str, params: dict) -> str:
    if code in review.LINE_REASONS:
        return str(review.LINE_REASONS[code])
    return reasons.explain(code, params)


def _lines(claim: Claim) -> list[dict]:
    out = []
    for x in ClaimLine.unscoped.filter(claim=claim).order_by("position"):
        out.append(
            {
                "line": x,
                "reasons": [_stored_reason(c, p) for c, p in x.reasons],
                "trail": [reasons.explain_step(s, p) for s, p in x.trail],
                "rejected_by_adviser": review.rejected_by_adviser(x),
            }
        )
    return out


def _flags(claim: Claim) -> list[dict]:
    return [
        {"flag": f, "text": triage.explain(f.code, f.params)}
        for f in ReviewFlag.unscoped.filter(claim=claim).order_by("-score", "code")
    ]


def _history(claim: Claim) -> list[dict]:
    labels = dict(ClaimStatus.choices)
    events = ClaimEvent.unscoped.filter(claim=claim).select_related("actor").order_by("pk")
    return [{"event": e, "status": labels.get(e.to_status, e.to_status)} for e in events]


def _medical(request, claim: Claim) -> bool:
    """Whether the page shows the diagnoses; every showing is logged."""
    if not claim.diagnoses or not medical.may_see(request.user, claim.organization, claim.provider):
        return False
    medical.shown(request.user, claim, claim.organization)
    return True


# --- the review queue and page ------------------------------------------------------------


@login_required
def review_queue(request):
    _require(request.user, Perm.REVIEW_CLAIMS)
    open_flags = Q(flags__outcome=FlagOutcome.OPEN)
    claims = list(
        reviewable(request.user)
        .filter(status=ClaimStatus.IN_REVIEW)
        .select_related("provider", "organization")
        .annotate(score=Sum("flags__score", filter=open_flags))
        .order_by("-score", "care_from", "pk")[:QUEUE_SIZE]
    )
    flags: dict[int, list[str]] = {}
    for f in ReviewFlag.unscoped.filter(
        claim_id__in=[c.pk for c in claims], outcome=FlagOutcome.OPEN
    ).order_by("-score", "code"):
        flags.setdefault(f.claim_id, []).append(triage.explain(f.code, f.params))
    rows = [{"claim": c, "reasons": flags.get(c.pk, [])} for c in claims]
    return render(request, "claims/review/queue.html", {"rows": rows, "limit": QUEUE_SIZE})


class AdjustForm(forms.Form):
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, required=False)
    unit_price = forms.DecimalField(
        label=gettext_lazy("Unit price"), min_value=0, decimal_places=2, required=False
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("", gettext_lazy("As the engine decides")),
            ("reject", gettext_lazy("Reject the line")),
            ("accept", gettext_lazy("Give the line back to the engine")),
        ],
        required=False,
    )
    justification = forms.CharField(
        label=gettext_lazy("Justification"), widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
def review_claim(request, claim_uuid):
    _require(request.user, Perm.REVIEW_CLAIMS)
    claim = _one(reviewable(request.user), claim_uuid)
    adjustments = (
        LineAdjustment.unscoped.filter(line__claim=claim)
        .select_related("line", "actor")
        .order_by("at", "pk")
    )
    return render(
        request,
        "claims/review/claim.html",
        {
            "claim": claim,
            "lines": _lines(claim),
            "flags": _flags(claim),
            "events": _history(claim),
            "adjustments": adjustments,
            "disputes": Dispute.unscoped.filter(claim=claim).order_by("opened_at"),
            "show_medical": _medical(request, claim),
            "in_review": claim.status == ClaimStatus.IN_REVIEW,
            "note_form": NoteForm(),
        },
    )


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _change(line: ClaimLine, data: dict) -> review.LineChange:
    decision = data.get("decision") or ""
    return review.LineChange(
        line,
        quantity=data.get("quantity"),
        unit_price=data.get("unit_price"),
        reject={"reject": True, "accept": False}.get(decision),
    )


@login_required
@require_POST
def review_adjust(request, claim_uuid, position: int):
    _require(request.user, Perm.REVIEW_CLAIMS)
    claim = _one(reviewable(request.user), claim_uuid)
    line = ClaimLine.unscoped.filter(claim=claim, position=position).first()
    if line is None:
        raise Http404
    form = AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the figures and give a justification."))
    else:
        try:
            review.adjust_line(
                request.user,
                claim,
                _change(line, form.cleaned_data),
                form.cleaned_data["justification"],
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Line adjusted; the claim was decided again."))
    return redirect("review_claim", claim_uuid=claim.uuid)


@login_required
@require_POST
def review_finish(request, claim_uuid):
    _require(request.user, Perm.REVIEW_CLAIMS)
    claim = _one(reviewable(request.user), claim_uuid)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        done = review.finish_review(request.user, claim, note)
    except ValidationError as exc:
        _refused(request, exc)
        return redirect("review_claim", claim_uuid=claim.uuid)
    messages.success(
        request,
        _("Review finished: claim %(claim)s is %(status)s.")
        % {"claim": done, "status": done.get_status_display()},
    )
    return redirect("review_queue")


# --- disputes -------------------------------------------------------------------------------


@login_required
def dispute_list(request):
    _require(request.user, Perm.REVIEW_CLAIMS, Perm.ADJUDICATE_CLAIMS, Perm.SUBMIT_CLAIMS)
    mine = Q(claim__in=reviewable(request.user).values("pk")) | Q(
        claim__in=contestable(request.user).values("pk")
    )
    disputes = list(
        Dispute.unscoped.filter(mine)
        .select_related("claim__provider", "opened_by", "examined_by")
        .order_by("-opened_at")[:QUEUE_SIZE]
    )
    decides = set(
        reviewable(request.user)
        .filter(pk__in=[d.claim_id for d in disputes])
        .values_list("pk", flat=True)
    )
    rows = [{"dispute": d, "may_decide": d.claim_id in decides} for d in disputes]
    return render(request, "claims/review/disputes.html", {"rows": rows})


class GroundsForm(forms.Form):
    grounds = forms.CharField(
        label=gettext_lazy("Grounds of the dispute"), widget=forms.Textarea(attrs={"rows": 4})
    )


@login_required
def dispute_open(request, claim_uuid):
    _require(request.user, Perm.ADJUDICATE_CLAIMS, Perm.SUBMIT_CLAIMS)
    claim = _one(contestable(request.user), claim_uuid)
    form = GroundsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review.open_dispute(request.user, claim, form.cleaned_data["grounds"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Dispute opened: a medical adviser will examine it."))
            return redirect("dispute_list")
    return render(
        request,
        "claims/review/dispute_open.html",
        {"claim": claim, "form": form, "lines": _lines(claim)},
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (DisputeStatus.UPHELD, DisputeStatus.UPHELD.label),
            (
                DisputeStatus.DISMISSED,
                DisputeStatus.DISMISSED.label,
            ),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Why (the provider reads it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _line_changes(request, claim: Claim) -> tuple[list[review.LineChange], list[str]]:
    """The per-line fields of the decision form (quantity_N, unit_price_N, decision_N)."""
    changes, errors = [], []
    for line in ClaimLine.unscoped.filter(claim=claim).order_by("position"):
        n = line.position
        data = {
            "quantity": request.POST.get(f"quantity_{n}", "").strip(),
            "unit_price": request.POST.get(f"unit_price_{n}", "").strip(),
            "decision": request.POST.get(f"decision_{n}", "").strip(),
        }
        if data["quantity"] == str(line.quantity):
            data["quantity"] = ""
        if not any(data.values()):
            continue
        if data["decision"] not in ("", "reject", "accept"):
            errors.append(_("Line %(line)s: unknown decision.") % {"line": n})
            continue
        changes.append(_change(line, data))
    return changes, errors


@login_required
def dispute_decide(request, claim_uuid):
    _require(request.user, Perm.REVIEW_CLAIMS)
    claim = _one(reviewable(request.user), claim_uuid)
    dispute = (
        Dispute.unscoped.filter(claim=claim, status=DisputeStatus.OPEN)
        .select_related("opened_by")
        .first()
    )
    if dispute is None:
        raise Http404
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        changes, errors = _line_changes(request, claim)
        upheld = form.cleaned_data["outcome"] == DisputeStatus.UPHELD
        for e in errors:
            form.add_error(None, e)
        if not errors:
            try:
                review.decide_dispute(
                    request.user,
                    dispute,
                    upheld=upheld,
                    note=form.cleaned_data["note"],
                    changes=changes if upheld else None,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Dispute decided."))
                return redirect("dispute_list")
    return render(
        request,
        "claims/review/dispute_decide.html",
        {
            "claim": claim,
            "dispute": dispute,
            "form": form,
            "lines": _lines(claim),
            "show_medical": _medical(request, claim),
        },
    )


urlpatterns = [
    path("review/", review_queue, name="review_queue"),
    path("review/<uuid:claim_uuid>/", review_claim, name="review_claim"),
    path("review/<uuid:claim_uuid>/lines/<int:position>/", review_adjust, name="review_adjust"),
    path("review/<uuid:claim_uuid>/finish/", review_finish, name="review_finish"),
    path("disputes/", dispute_list, name="dispute_list"),
    path("disputes/open/<uuid:claim_uuid>/", dispute_open, name="dispute_open"),
    path("disputes/<uuid:claim_uuid>/decide/", dispute_decide, name="dispute_decide"),
]
