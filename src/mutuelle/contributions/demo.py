"""The demo's contributions: each mutual counts them its own way (per person with a children's
rate, by household size, by ability to pay, once after the harvest, monthly per household),
the current periods are billed, most households have paid — at the office, through a
collector, by mobile money — some are in arrears and suspended, and a correction awaits its
second signature. Called by `mutuelle.core.demo.network.load()` once the users exist."""

import random
from datetime import date, timedelta
from typing import Any

from django.db.models import F

from mutuelle.core import jobs
from mutuelle.core.models import Organization, Place, User
from mutuelle.lib import periods
from mutuelle.lib.money import quantize
from mutuelle.members.models import Household

from . import actions, rules
from .actions import collection, subsidies
from .actions.arrears import suspend_for_arrears
from .actions.cash import expected_in_till
from .models import ArrearsSettings, Payment
from .queries import open_dues

RULES: dict[str, dict[str, Any]] = {
    "MSKM": {
        "basis": "person",
        "periodicity_kind": "year",
        "amount": "3500",
        "child_amount": "1500",
        "child_age": 15,
        "entry_fee": "1000",
        "card_fee": "500",
    },
    "MSAF": {
        "basis": "size_bands",
        "periodicity_kind": "year",
        "bands": [[1, 3, "9000"], [4, 6, "14000"], [7, None, "18000"]],
        "entry_fee": "1000",
    },
    "MSFD": {
        "basis": "ability",
        "periodicity_kind": "year",
        "ability_amounts": {"indigent": "0", "faible": "2000", "moyen": "3500", "eleve": "5000"},
        "default_ability": "moyen",
    },
    "MSSG": {  # once a year, after the harvest
        "basis": "household",
        "periodicity_kind": "year",
        "anchor_month": 11,
        "anchor_day": 15,
        "amount": "12000",
        "assembly_fee": "500",
    },
    "MSBF": {"basis": "household", "periodicity_kind": "month", "amount": "1500"},
}
PAID_SHARE = 0.7


def load(orgs: dict[str, Organization], today: date) -> None:
    admin = User.objects.get(username="admin")
    cashier = User.objects.get(username="caisse.km")
    rng = random.Random(2026)  # noqa: S311  (reproducible demo data)
    _subsidies(admin, orgs, today)
    for code, config in RULES.items():
        mutual = orgs[code]
        draft = actions.save_draft(
            admin, mutual, f"Cotisations {today.year}", {**config, "currency": mutual.currency}
        )
        rule = rules.rule_from_config(draft.config)
        first = periods.period_of(rule.periodicity, date(today.year, 1, 1))
        actions.adopt(admin, draft, first.start)
        billed = periods.periods_between(rule.periodicity, first.start, today)[-3:]
        for period in billed:
            run = actions.start_billing(admin, mutual, period.code)
            assert run.job is not None
            jobs.run(run.job.pk)
        taker = cashier if code == "MSKM" else admin
        if code == "MSKM":
            actions.open_booklet(cashier, mutual, "KM-2026-07", 3401, 3700)
        _pay(taker, mutual, rng, today)
    _collector_round(cashier, orgs["MSKM"])
    # The tills were closed every evening; the last closing found 500 francs missing.
    yesterday = today - timedelta(days=1)
    expected = expected_in_till(orgs["MSKM"], cashier, yesterday)
    actions.close_till(
        cashier, orgs["MSKM"], expected - 500, yesterday, "Billet de 500 introuvable"
    )
    ArrearsSettings.unscoped.create(organization=orgs["MSBF"], grace_days=15, suspend_after=2)
    suspend_for_arrears(today)
    payment = _last_cash_payment(orgs["MSKM"])
    if payment is not None:  # awaits the accountant's second signature
        actions.request_correction(cashier, payment, "Montant saisi deux fois")


def _pay(actor, mutual: Organization, rng: random.Random, today: date) -> None:
    """Most households pay what they owe, at various dates and in various ways."""
    methods = ["cash"] * 6 + ["mobile_money"] * 3 + ["bank"]
    for household in Household.unscoped.filter(organization=mutual).order_by("pk"):
        dues = open_dues(household.pk)
        owed = sum(d.outstanding for d in dues)
        if not owed or rng.random() > PAID_SHARE:
            continue
        method = rng.choice(methods)
        part = owed if rng.random() < 0.8 else quantize(owed / 2, mutual.currency)
        reference = f"DEMO{household.pk:06d}" if method != "cash" else ""
        on = max(dues[0].period_start, today - timedelta(days=rng.randrange(0, 40)))
        actions.record_payment(actor, household, part, method, min(on, today), reference=reference)


def _last_cash_payment(mutual):
    return Payment.unscoped.filter(organization=mutual, method="cash").order_by("-pk").first()


def _subsidies(admin, orgs: dict[str, Organization], today: date) -> None:
    """Before billing: the State pays the contributions of Keur Massar's indigent households
    (a permanent programme), and an NGO matches what low-income households of And Fagaru pay
    (a temporary one, with a budget)."""
    from decimal import Decimal

    state = subsidies.save_payer(
        admin, orgs["UMT"], "Agence de la CMU", "state", "Agence de la couverture maladie"
    )
    ngo = subsidies.save_payer(admin, orgs["UMT"], "ONG Santé pour tous", "ngo", "Thiès")
    start = date(today.year, 1, 1)
    common = {
        "end": None, "rate": Decimal(100), "amount": Decimal(0), "ratio": Decimal(1),
        "cap": None, "covers_fees": False, "eligibility": "category",
        "names_on_statement": False, "priority": 10,
    }  # fmt: skip
    subsidies.save_programme(
        admin,
        orgs["MSKM"],
        {**common, "payer": state, "code": "CMU-INDIGENTS", "name": "Indigents pris en charge",
         "start": start, "budget": None, "is_permanent": True, "mode": "all",
         "categories": ["indigent"], "covers_fees": True},
    )  # fmt: skip
    subsidies.save_programme(
        admin,
        orgs["MSAF"],
        {**common, "payer": ngo, "code": "ABONDEMENT", "name": "Un franc pour un franc",
         "start": start, "budget": Decimal(500000), "is_permanent": False, "mode": "match",
         "categories": ["faible"], "cap": Decimal(5000)},
    )  # fmt: skip


def _collector_round(cashier, mutual: Organization) -> None:
    """A round in one village, remitted: three households paid the collector (here the
    cashier, with a 5 % commission), who handed over 200 francs less than collected."""
    place = (
        Household.unscoped.filter(organization=mutual, dues__paid__lt=F("dues__amount"))
        .exclude(place=None)
        .values_list("place", flat=True)
        .first()
    )
    if place is None:
        return
    sheet = collection.create_sheet(cashier, mutual, cashier, Place.unscoped.get(pk=place), 5)
    rows = [r for r in collection.sheet_rows(sheet) if r["owed"]][:3]
    amounts = {r["household"].pk: min(r["owed"], 2000) for r in rows}
    counted = sum(amounts.values()) - 200
    collection.remit_sheet(cashier, sheet, amounts, counted)
