"""The medical adviser's writes: adjust a line of a claim in review, finish the review, and
disputes (opened by the provider's clerk or the mutual's claims officer, decided by the
adviser, the difference posted).

How a claim is re-decided after an adjustment
---------------------------------------------
The line keeps the adviser's figures (quantity, unit price) and the `LineAdjustment` row keeps
the old ones and the new amounts, with the justification. The claim is then re-decided by the
engine (`claims.context` + `claims.rules.adjudicate_one`) against everything the household
consumed except the claim itself, so rates, tariffs, quantity limits and ceilings still apply
and every line keeps covered + copayment + excess + rejected == tariff_adjusted. A line the
adviser rejects leaves the engine (it consumes nothing): its reason is `review.line_rejected`,
its whole tariff-adjusted amount is rejected; accepting it again gives it back to the engine.
The adviser never pays more than the package allows: to pay more, the quantity or the price is
changed and the engine decides. The claim's totals are the sums of its lines; its decision is
the engine's over the lines it saw, partial when the adviser rejected some lines, rejected when
they rejected them all.

Disputes: a provider's clerk (for a claim of their provider) or the mutual's claims officer
opens one on an approved or rejected claim, with grounds. The adviser decides: dismissed (the
decision stands, a note says why) or upheld with adjustments (the same re-decision); the
difference of what the mutual pays is posted at once: more → one more `claim_approved` (or
`reimbursement_approved`) entry; less → an entry with the same accounts inverted. A rejected
claim that now pays moves to approved, an approved one that no longer pays to rejected. A claim
already in a settlement is not changed by a dispute (recoveries belong to settlements)."""

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.accounting import actions as ledger
from mutuelle.accounting.rules import LineValue
from mutuelle.core import audit
from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm
from mutuelle.lib.bulk import update_rows

from .. import context, rules
from ..models import (
    Claim,
    ClaimEvent,
    ClaimLine,
    ClaimStatus,
    Decision,
    Dispute,
    DisputeStatus,
    FlagOutcome,
    LineAdjustment,
    ReviewFlag,
)
from .claims import LINE_FIELDS, TOTALS, _as_json, _lock_households, _operation, _with_everything
from .claims import approve as approve_claim

LINE_REJECTED = "review.line_rejected"

ERRORS = {
    "review.not_allowed": _("You may not review this claim."),
    "review.wrong_status": _("This claim is not in review (it is %(status)s)."),
    "review.justification_required": _("Say why: a justification is required."),
    "review.bad_quantity": _("The quantity must be a whole number of at least 1."),
    "review.bad_price": _("The unit price must be an amount of at least 0."),
    "review.no_change": _("Nothing was changed."),
    "review.wrong_claim": _("This line belongs to another claim."),
    "dispute.not_allowed": _("You may not contest this claim."),
    "dispute.wrong_status": _("Only an approved or rejected claim can be contested."),
    "dispute.grounds_required": _("Give the grounds of the dispute."),
    "dispute.already_open": _("A dispute of this claim is already open."),
    "dispute.not_open": _("This dispute is already decided."),
    "dispute.note_required": _("Say why: the outcome needs a note."),
    "dispute.no_adjustment": _("An upheld dispute changes at least one line."),
    "dispute.settled": _(
        "The claim is already in a settlement: correct it through the settlement (recovery)."
    ),
}

# The texts of the review's own reason codes on a line (shown next to the engine's).
LINE_REASONS = {LINE_REJECTED: _("Rejected by the medical adviser after review.")}


def error(code: str, **params) -> ValidationError:
    return ValidationError(ERRORS[code], code=code, params=params or None)


@dataclass
class LineChange:
    """What the adviser changes on one line (None: unchanged). `reject`: True rejects the
    line, False gives it back to the engine."""

    line: ClaimLine
    quantity: object = None
    unit_price: object = None
    reject: bool | None = None


def rejected_by_adviser(line: ClaimLine) -> bool:
    return bool(line.reasons) and line.reasons[0][0] == LINE_REJECTED


def _snapshot(line: ClaimLine) -> dict:
    return {
        "quantity": line.quantity,
        "unit_price": str(line.unit_price),
        "decision": line.decision,
        **{name: str(getattr(line, name)) for name in TOTALS},
    }


def _who(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(claim: Claim, actor, from_status: str, to_status: str, note="", **data) -> None:
    ClaimEvent.unscoped.create(
        claim=claim,
        actor=_who(actor),
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
    )


def _locked(claim: Claim, statuses) -> Claim:
    """The claim under a row lock, its household locked first (the engine's order)."""
    _lock_households([claim])
    current = (
        Claim.unscoped.select_for_update()
        .select_related("organization", "provider")
        .get(pk=claim.pk)
    )
    if current.status not in statuses:
        raise error("review.wrong_status", status=current.get_status_display())
    return current


def _parse(change: LineChange) -> tuple[int | None, Decimal | None]:
    quantity = price = None
    if change.quantity not in (None, ""):
        try:
            quantity = int(str(change.quantity).strip())
        except ValueError as exc:
            raise error("review.bad_quantity") from exc
        if quantity < 1:
            raise error("review.bad_quantity")
    if change.unit_price not in (None, ""):
        try:
            price = Decimal(str(change.unit_price).strip().replace(" ", "").replace(",", "."))
        except InvalidOperation as exc:
            raise error("review.bad_price") from exc
        if not price.is_finite() or price < 0:
            raise error("review.bad_price")
        price = price.quantize(Decimal("0.01"))
    return quantity, price


def _apply(claim: Claim, change: LineChange) -> tuple[ClaimLine, dict] | None:
    """Write the adviser's figures on the line; (line, before) or None when nothing changes."""
    line = ClaimLine.unscoped.select_for_update().get(pk=change.line.pk)
    if line.claim_id != claim.pk:
        raise error("review.wrong_claim")
    quantity, price = _parse(change)
    before = _snapshot(line)
    changed = []
    if quantity is not None and quantity != line.quantity:
        line.quantity = quantity
        changed.append("quantity")
    if price is not None and price != line.unit_price:
        line.unit_price = price
        changed.append("unit_price")
    if change.reject is True and not rejected_by_adviser(line):
        line.reasons = [[LINE_REJECTED, {}]]
        changed.append("reasons")
    elif change.reject is False and rejected_by_adviser(line):
        line.reasons = []
        changed.append("reasons")
    if not changed:
        return None
    line.save(update_fields=changed)
    return line, before


def _claim_status(engine: rules.ClaimDecision | None, refused: int) -> str:
    if engine is None:
        return Decision.REJECTED
    if refused and engine.status != rules.REJECTED:
        return Decision.PARTIAL
    return engine.status


def redecide(claim: Claim) -> Claim:
    """Re-decide a claim with its lines as they now are (see the module's doc); its status is
    not changed. The caller holds the household's and the claim's locks."""
    [loaded] = list(_with_everything([claim.pk]))
    lines = list(loaded.lines.all())
    refused = {x.pk for x in lines if rejected_by_adviser(x)}
    batch = context.load_batch([loaded])
    claim_in = replace(
        batch.inputs[0], lines=tuple(x for x in batch.inputs[0].lines if x.key not in refused)
    )
    engine = None
    decided: dict = {}
    if claim_in.lines:
        engine = rules.adjudicate_one(claim_in, batch.contexts[loaded.pk], batch.usage)
        decided = {d.key: d for d in engine.lines}
    for line in lines:
        d = decided.get(line.pk)
        if d is None:  # rejected by the adviser: nothing paid, nothing consumed
            asked = line.quantity * line.unit_price
            kept = min(line.tariff_adjusted, asked) if line.tariff_adjusted else asked
            line.decision = Decision.REJECTED
            line.asked, line.tariff_adjusted = asked, kept
            line.covered = line.copayment = line.excess = line.deductible = rules.ZERO
            line.rejected = kept
            line.reasons = [[LINE_REJECTED, {}]]
            line.trail = []
            line.package_id_used = line.version_id_used = None
            line.target = ""
            line.covered_quantity = 0
            continue
        line.decision = d.decision
        for name in TOTALS:
            setattr(line, name, getattr(d, name))
        line.reasons = _as_json(d.reasons)
        line.trail = _as_json(d.trail)
        line.package_id_used = d.package
        line.version_id_used = d.version
        line.target = d.target
        line.covered_quantity = d.covered_quantity
        line.deductible = d.deductible
    update_rows(lines, LINE_FIELDS)
    loaded.decision = _claim_status(engine, len(refused))
    loaded.reasons = _as_json(engine.reasons) if engine else []
    for name in TOTALS:
        setattr(loaded, name, sum((getattr(x, name) for x in lines), rules.ZERO))
    loaded.save(update_fields=["decision", "reasons", *TOTALS])
    loaded.refresh_from_db(fields=TOTALS)  # as stored (two decimal places)
    return loaded


def _adjust(actor, claim: Claim, changes: list[LineChange], justification: str) -> Claim:
    """Apply the changes, re-decide, and keep one LineAdjustment per changed line."""
    applied = [x for x in (_apply(claim, c) for c in changes) if x is not None]
    if not applied:
        raise error("review.no_change")
    after = redecide(claim)
    fresh = {x.pk: x for x in ClaimLine.unscoped.filter(pk__in=[line.pk for line, _ in applied])}
    LineAdjustment.unscoped.bulk_create(
        LineAdjustment(
            line_id=line.pk,
            actor=_who(actor),
            before=before,
            after=_snapshot(fresh[line.pk]),
            justification=justification,
        )
        for line, before in applied
    )
    return after


def _require_review(actor, claim: Claim) -> None:
    if actor is not None and not can(actor, Perm.REVIEW_CLAIMS, claim.organization):
        raise error("review.not_allowed")


def _justified(text: str, code: str = "review.justification_required") -> str:
    text = (text or "").strip()
    if not text:
        raise error(code)
    return text


@transaction.atomic
def adjust_line(actor, claim: Claim, change: LineChange, justification: str) -> Claim:
    """The adviser changes a line of a claim in review (quantity, unit price, rejected or
    not), with a justification; the claim is re-decided. Returns the claim as it now is."""
    _require_review(actor, claim)
    justification = _justified(justification)
    current = _locked(claim, (ClaimStatus.IN_REVIEW,))
    covered = current.covered
    after = _adjust(actor, current, [change], justification)
    _event(
        current,
        actor,
        current.status,
        current.status,
        justification,
        line=change.line.position,
        covered_before=str(covered),
        covered_after=str(after.covered),
    )
    audit.record(
        actor,
        "claim.line_adjusted",
        current,
        organization=current.organization,
        line=change.line.position,
    )
    return after


@transaction.atomic
def finish_review(actor, claim: Claim, note: str = "") -> Claim:
    """Close the review: every open flag is resolved (adjusted when a line was changed during
    the review, confirmed otherwise), and the claim is approved (or rejected when the mutual
    pays nothing) through `claims.actions.approve`, which posts the entry."""
    _require_review(actor, claim)
    current = _locked(claim, (ClaimStatus.IN_REVIEW,))
    flags = ReviewFlag.unscoped.filter(claim=current, outcome=FlagOutcome.OPEN)
    since = min((f.created_at for f in flags), default=None)
    adjusted = LineAdjustment.unscoped.filter(line__claim=current)
    if since is not None:
        adjusted = adjusted.filter(at__gte=since)
    outcome = FlagOutcome.ADJUSTED if adjusted.exists() else FlagOutcome.CONFIRMED
    resolved = flags.update(outcome=outcome, resolved_by=_who(actor), resolved_at=timezone.now())
    audit.record(
        actor,
        "claim.review_finished",
        current,
        organization=current.organization,
        outcome=str(outcome),
        flags=resolved,
    )
    return approve_claim(actor, current, note.strip(), perm=Perm.REVIEW_CLAIMS)


# --- Disputes -----------------------------------------------------------------------------


def may_open_dispute(user, claim: Claim) -> bool:
    """The clerks of the claim's provider, or the mutual's claims officers."""
    return can(user, Perm.ADJUDICATE_CLAIMS, claim.organization) or can(
        user, Perm.SUBMIT_CLAIMS, claim.provider
    )


@transaction.atomic
def open_dispute(actor, claim: Claim, grounds: str) -> Dispute:
    if actor is not None and not may_open_dispute(actor, claim):
        raise error("dispute.not_allowed")
    grounds = _justified(grounds, "dispute.grounds_required")
    current = Claim.unscoped.select_for_update().select_related("organization").get(pk=claim.pk)
    if current.status not in (ClaimStatus.APPROVED, ClaimStatus.REJECTED):
        raise error("dispute.wrong_status")
    if Dispute.unscoped.filter(claim=current, status=DisputeStatus.OPEN).exists():
        raise error("dispute.already_open")
    dispute = Dispute.unscoped.create(claim=current, opened_by=_who(actor), grounds=grounds)
    _event(current, actor, current.status, current.status, grounds, dispute=dispute.pk)
    audit.record(actor, "claim.dispute_opened", current, organization=current.organization)
    return dispute


def _post_difference(actor, claim: Claim, difference: Decimal, label: str) -> None:
    """More paid: one more entry of the claim's operation; less: the same accounts inverted."""
    if not difference:
        return
    mutual = claim.organization
    ledger.install_chart(mutual)
    operation = _operation(claim)
    on = ledger.local_today(mutual)
    if difference > 0:
        ledger.post_operation(mutual, operation, on, difference, label, source=claim, actor=actor)
        return
    journal, debit, credit = ledger.rule_for(mutual, operation)
    amount = -difference
    lines = [
        LineValue(credit, debit=amount, label=label),
        LineValue(debit, credit=amount, label=label),
    ]
    ledger.post(mutual, journal, on, label, lines, source=claim, actor=actor)


@transaction.atomic
def decide_dispute(
    actor,
    dispute: Dispute,
    *,
    upheld: bool,
    note: str,
    changes: list[LineChange] | None = None,
) -> Dispute:
    """The adviser's decision on a dispute (see the module's doc)."""
    claim = Claim.unscoped.select_related("organization").get(pk=dispute.claim_id)
    _require_review(actor, claim)
    note = _justified(note, "dispute.note_required")
    current_dispute = Dispute.unscoped.select_for_update().get(pk=dispute.pk)
    if current_dispute.status != DisputeStatus.OPEN:
        raise error("dispute.not_open")
    try:
        current = _locked(claim, (ClaimStatus.APPROVED, ClaimStatus.REJECTED))
    except ValidationError as exc:
        raise error("dispute.settled") from exc
    difference = rules.ZERO
    status = current.status
    if upheld:
        if not changes:
            raise error("dispute.no_adjustment")
        before = current.covered
        try:
            after = _adjust(actor, current, changes, note)
        except ValidationError as exc:
            if exc.code == "review.no_change":
                raise error("dispute.no_adjustment") from exc
            raise
        difference = after.covered - before
        to = ClaimStatus.APPROVED if after.covered > 0 else ClaimStatus.REJECTED
        if to != status:
            stamp = {"approved_at": timezone.now()} if to == ClaimStatus.APPROVED else {}
            moved = Claim.unscoped.filter(pk=current.pk, status=status).update(status=to, **stamp)
            assert moved == 1  # the claim's row is locked
        label = f"{current} {current.provider.code} — {_('dispute')}"
        _post_difference(actor, current, difference, label)
        outcome = DisputeStatus.UPHELD
        _event(
            current,
            actor,
            status,
            to,
            note,
            dispute=current_dispute.pk,
            outcome=str(outcome),
            difference=str(difference),
        )
    else:
        outcome = DisputeStatus.DISMISSED
        _event(current, actor, status, status, note, dispute=current_dispute.pk, outcome=outcome)
    Dispute.unscoped.filter(pk=current_dispute.pk, status=DisputeStatus.OPEN).update(
        status=outcome,
        examined_by=_who(actor),
        decided_at=timezone.now(),
        outcome_note=note,
        amount_change=difference,
    )
    audit.record(
        actor,
        "claim.dispute_decided",
        current,
        organization=current.organization,
        outcome=str(outcome),
        difference=str(difference),
    )
    current_dispute.refresh_from_db()
    return current_dispute
