"""The posting rules screen: which journal and accounts each operation books, per mutual."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm

from .. import actions, queries
from ..forms import PostingRuleForm
from ..models import Account, Journal
from .common import ledger


@login_required
def posting_rules(request, org_uuid):
    organization = ledger(request.user, org_uuid)
    return render(
        request,
        "accounting/posting_rules.html",
        {
            "organization": organization,
            "rules": queries.posting_rules(organization),
            "can_keep": can(request.user, Perm.KEEP_ACCOUNTS, organization),
        },
    )


@login_required
def posting_rule_edit(request, org_uuid, operation):
    """Change one operation's journal and accounts (those of the mutual's chart only)."""
    organization = ledger(request.user, org_uuid)
    require(request.user, Perm.KEEP_ACCOUNTS, organization)
    rule = next((r for r in queries.posting_rules(organization) if r.operation == operation), None)
    if rule is None:
        raise Http404
    form = PostingRuleForm(
        request.POST or None,
        initial={"journal": rule.journal, "debit": rule.debit, "credit": rule.credit},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_posting_rule(request.user, organization, operation, **form.cleaned_data)
        except ValidationError as exc:
            field = {"rule.unknown_journal": "journal", "rule.unknown_account": None}.get(
                exc.code or ""
            )
            form.add_error(field, exc)
        else:
            messages.success(request, _("Posting rule saved."))
            return redirect("posting_rules", org_uuid=organization.uuid)
    return render(
        request,
        "accounting/posting_rule_form.html",
        {
            "organization": organization,
            "rule": rule,
            "form": form,
            "journals": Journal.unscoped.filter(organization=organization).order_by("code"),
            "accounts": Account.unscoped.filter(organization=organization, is_active=True).order_by(
                "number"
            ),
        },
    )
