"""The default chart of accounts and journals a mutual starts with (docs/decisions/0007):
OHADA numbering, following SYCEBNL (the OHADA system for non-profit entities), French and
English names. A compact set of what a mutual books; each mutual adds its own accounts."""

from django.utils.translation import gettext_lazy as _

# (number, French, English)
DEFAULT_ACCOUNTS: list[tuple[str, str, str]] = [
    ("101", "Fonds associatifs sans droit de reprise", "Association funds without right of return"),
    ("106", "Réserves", "Reserves"),
    ("1061", "Réserve de sécurité (fonds de garantie)", "Safety reserve (guarantee fund)"),
    ("121", "Report à nouveau créditeur", "Retained surplus"),
    ("129", "Report à nouveau débiteur", "Retained deficit"),
    ("131", "Résultat net : excédent", "Net result: surplus"),
    ("139", "Résultat net : déficit", "Net result: deficit"),
    ("14", "Subventions d'investissement", "Investment grants"),
    ("16", "Fonds dédiés (ressources affectées)", "Dedicated funds (restricted resources)"),
    ("196", "Provisions pour prestations à payer", "Provisions for benefits payable"),
    ("244", "Matériel et mobilier de bureau", "Office equipment and furniture"),
    ("245", "Matériel de transport", "Vehicles"),
    ("2844", "Amortissements du matériel de bureau", "Depreciation of office equipment"),
    ("2845", "Amortissements du matériel de transport", "Depreciation of vehicles"),
    ("401", "Fournisseurs", "Suppliers"),
    ("402", "Prestataires de soins", "Health care providers"),
    ("408", "Factures non parvenues", "Invoices not yet received"),
    (
        "409",
        "Prestataires de soins : avances et trop-perçus à récupérer",
        "Health care providers: advances and overpayments to recover",
    ),
    ("411", "Adhérents : cotisations à recevoir", "Members: contributions receivable"),
    ("4191", "Adhérents : cotisations perçues d'avance", "Members: contributions paid in advance"),
    ("4192", "Adhérents : avoirs", "Members: credit balances"),
    ("4193", "Adhérents : remboursements à payer", "Members: reimbursements payable"),
    ("422", "Personnel : rémunérations dues", "Staff: wages payable"),
    ("447", "État : impôts retenus à la source", "State: taxes withheld"),
    ("4581", "Subventions à recevoir (tiers payants)", "Grants receivable (third-party payers)"),
    ("471", "Débiteurs et créditeurs divers", "Sundry debtors and creditors"),
    ("476", "Charges constatées d'avance", "Prepaid expenses"),
    ("477", "Produits constatés d'avance", "Deferred income"),
    ("521", "Banque", "Bank"),
    ("555", "Monnaie électronique (mobile money)", "Electronic money (mobile money)"),
    ("571", "Caisse", "Cash"),
    ("585", "Virements de fonds", "Transfers between accounts"),
    ("604", "Achats de fournitures", "Supplies"),
    ("622", "Locations", "Rent"),
    ("631", "Frais bancaires", "Bank charges"),
    ("632", "Commissions des collecteurs", "Collectors' commissions"),
    ("638", "Autres charges externes", "Other external charges"),
    ("6581", "Prestations de soins (tiers payant)", "Health care benefits (third-party payment)"),
    ("6582", "Prestations en espèces", "Cash benefits"),
    ("659", "Manquants de caisse", "Cash shortages"),
    ("661", "Rémunérations du personnel", "Staff wages"),
    ("681", "Dotations aux amortissements", "Depreciation"),
    ("691", "Dotations aux provisions", "Provisions"),
    ("7561", "Droits d'adhésion", "Entry fees"),
    ("7562", "Cotisations des adhérents", "Members' contributions"),
    ("7563", "Frais de carte", "Card fees"),
    ("718", "Subventions d'exploitation (tiers payants)", "Operating grants (third-party payers)"),
    ("759", "Excédents de caisse", "Cash surpluses"),
    ("771", "Intérêts et produits financiers", "Interest and financial income"),
    ("791", "Reprises de provisions", "Provisions written back"),
    ("860", "Emplois des contributions volontaires en nature", "Use of voluntary work and gifts"),
    ("870", "Contributions volontaires en nature (bénévolat)", "Voluntary work and gifts in kind"),
]

# The generic chart, for mutuals outside the OHADA area (decision 0007): English-first names in
# the vocabulary of IFRS for SMEs, no SYCEBNL-specific accounts (association funds, class 8
# contributions in kind). It keeps the numbering by classes 1-7 — assets, liabilities and funds
# in 1-5, expenses in 6, income in 7 — because the posting rules and the year-end closing read
# those numbers; a mutual renames or adds accounts, and changes its posting rules, as it needs.
GENERIC_ACCOUNTS: list[tuple[str, str, str]] = [
    ("101", "Fonds propres de la mutuelle", "Members' equity"),
    ("106", "Réserves", "Reserves"),
    ("1061", "Fonds de garantie", "Guarantee fund"),
    ("121", "Excédents cumulés", "Accumulated surplus"),
    ("129", "Déficits cumulés", "Accumulated deficit"),
    ("131", "Résultat de l'exercice : excédent", "Surplus for the year"),
    ("139", "Résultat de l'exercice : déficit", "Deficit for the year"),
    ("16", "Fonds affectés", "Restricted funds"),
    ("196", "Provision pour prestations à payer", "Claims incurred but not reported"),
    ("24", "Immobilisations corporelles", "Property and equipment"),
    ("284", "Amortissements cumulés", "Accumulated depreciation"),
    ("401", "Fournisseurs", "Trade payables"),
    ("402", "Prestataires de soins à payer", "Health care providers payable"),
    ("408", "Charges à payer", "Accrued expenses"),
    (
        "409",
        "Avances et trop-perçus à récupérer sur les prestataires",
        "Advances and overpayments recoverable from providers",
    ),
    ("411", "Cotisations à recevoir", "Contributions receivable"),
    ("4191", "Cotisations reçues d'avance", "Contributions received in advance"),
    ("4192", "Avoirs des adhérents", "Members' credit balances"),
    ("4193", "Remboursements à payer aux adhérents", "Members' reimbursements payable"),
    ("422", "Salaires à payer", "Wages payable"),
    ("447", "Impôts retenus à la source", "Taxes withheld"),
    ("4581", "Subventions à recevoir", "Grants receivable"),
    ("471", "Comptes d'attente", "Suspense account"),
    ("476", "Charges payées d'avance", "Prepayments"),
    ("477", "Produits reçus d'avance", "Deferred income"),
    ("521", "Banque", "Bank"),
    ("555", "Porte-monnaie électronique", "Mobile money wallet"),
    ("571", "Caisse", "Cash on hand"),
    ("585", "Virements internes", "Transfers in transit"),
    ("604", "Fournitures", "Supplies"),
    ("622", "Loyers", "Rent"),
    ("631", "Frais bancaires", "Bank charges"),
    ("632", "Commissions des collecteurs", "Collectors' commissions"),
    ("638", "Autres charges de fonctionnement", "Other operating expenses"),
    ("6581", "Prestations de soins", "Health care benefits"),
    ("6582", "Prestations en espèces", "Cash benefits"),
    ("659", "Manquants de caisse", "Cash shortages"),
    ("661", "Salaires", "Salaries"),
    ("681", "Amortissements", "Depreciation"),
    ("691", "Dotations aux provisions", "Provisions"),
    ("7561", "Droits d'adhésion", "Entry fees"),
    ("7562", "Cotisations", "Contributions"),
    ("7563", "Frais de carte", "Card fees"),
    ("718", "Subventions d'exploitation", "Grants and subsidies"),
    ("759", "Excédents de caisse", "Cash overages"),
    ("771", "Produits financiers", "Interest income"),
    ("791", "Reprises de provisions", "Provisions released"),
]

# OHADA's member states (ISO 3166-1 alpha-2): their mutuals start with the SYCEBNL chart;
# mutuals elsewhere with the generic one.
OHADA_COUNTRIES = frozenset(
    {"BJ", "BF", "CM", "CF", "KM", "CG", "CI", "GA", "GN", "GQ", "GW", "ML", "NE", "CD", "SN",
     "TD", "TG"}
)  # fmt: skip


def accounts_for(country: str) -> list[tuple[str, str, str]]:
    """The chart a new organization of this country starts with."""
    return DEFAULT_ACCOUNTS if country.upper() in OHADA_COUNTRIES else GENERIC_ACCOUNTS


# (code, kind, French, English)
DEFAULT_JOURNALS: list[tuple[str, str, str, str]] = [
    ("CA", "cash", "Caisse", "Cash"),
    ("BQ", "bank", "Banque", "Bank"),
    ("MM", "mobile_money", "Monnaie électronique", "Mobile money"),
    ("CO", "contributions", "Cotisations", "Contributions"),
    ("PR", "claims", "Prestations", "Claims"),
    ("OD", "general", "Opérations diverses", "General"),
]

# What each operation books by default: (journal, debit account, credit account). A mutual may
# change any of them (PostingRule); the operations' code calls `post_operation()` by name.
DEFAULT_POSTING_RULES: dict[str, tuple[str, str, str]] = {
    "contribution_billed": ("CO", "411", "7562"),  # dues of a period, receivable
    "contribution_paid_cash": ("CA", "571", "411"),
    "contribution_paid_mobile": ("MM", "555", "411"),
    "contribution_paid_bank": ("BQ", "521", "411"),
    "contribution_advance_cash": ("CA", "571", "4191"),  # paid before it is due
    "entry_fee_cash": ("CA", "571", "7561"),
    "card_fee_cash": ("CA", "571", "7563"),
    "subsidy_billed": ("CO", "4581", "718"),
    "subsidy_received_bank": ("BQ", "521", "4581"),
    "claim_approved": ("PR", "6581", "402"),
    "reimbursement_approved": ("PR", "6581", "4193"),
    "claim_paid_bank": ("BQ", "402", "521"),
    # Settlements (claims.actions.settlements): flat rates and capitation adjust the benefit
    # expense booked at approval; advances and overpayments are owed by the provider (409)
    # and recovered against later settlements.
    "settlement_charge": ("PR", "6581", "402"),
    "member_paid_bank": ("BQ", "4193", "521"),
    "cash_benefit_approved": ("PR", "6582", "4193"),
    "provider_advance_bank": ("BQ", "409", "521"),
    "provider_overpayment": ("PR", "409", "6581"),
    "provider_advance_recovered": ("PR", "402", "409"),
    "cash_benefit_paid_cash": ("CA", "6582", "571"),
    "cash_shortage": ("CA", "659", "571"),
    "cash_surplus": ("CA", "571", "759"),
    "collector_commission_cash": ("CA", "632", "571"),
}

# What each operation is, in words, for the posting rules screen (an operation without a label
# shows its code).
OPERATION_LABELS = {
    "contribution_billed": _("Contributions billed (dues of a period)"),
    "contribution_paid_cash": _("Contribution paid in cash"),
    "contribution_paid_mobile": _("Contribution paid by mobile money"),
    "contribution_paid_bank": _("Contribution paid by bank transfer"),
    "contribution_advance_cash": _("Contribution paid in cash before it is due"),
    "entry_fee_cash": _("Entry fee paid in cash"),
    "card_fee_cash": _("Card fee paid in cash"),
    "subsidy_billed": _("Subsidy billed to a third-party payer"),
    "subsidy_received_bank": _("Subsidy received by bank transfer"),
    "claim_approved": _("Claim approved (owed to the provider)"),
    "reimbursement_approved": _("Member's reimbursement approved (owed to the member)"),
    "claim_paid_bank": _("Claim paid to the provider by bank transfer"),
    "settlement_charge": _("Flat rates and capitation of a provider's settlement"),
    "member_paid_bank": _("Reimbursement or cash benefit paid to a member by bank transfer"),
    "cash_benefit_approved": _("Cash benefit approved (owed to the member)"),
    "provider_advance_bank": _("Advance paid to a provider by bank transfer"),
    "provider_overpayment": _("Overpayment to a provider, to recover"),
    "provider_advance_recovered": _("Advance or overpayment recovered on a settlement"),
    "cash_benefit_paid_cash": _("Cash benefit paid in cash"),
    "cash_shortage": _("Cash shortage at till closing"),
    "cash_surplus": _("Cash surplus at till closing"),
    "collector_commission_cash": _("Collector's commission paid in cash"),
}

# Year-end closing (SYCEBNL): the balances of the income-statement classes (6 expenses,
# 7 income, 8 other expenses and income) go to the net result in class 1, a surplus to 131 and
# a deficit to 139; the balance-sheet classes (1 to 5) are carried to the next year ("à
# nouveau"). Both entries are written in the general journal.
RESULT_SURPLUS_ACCOUNT = "131"
RESULT_DEFICIT_ACCOUNT = "139"
CLOSING_JOURNAL = "OD"
