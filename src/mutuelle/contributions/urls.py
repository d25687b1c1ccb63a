from django.urls import path

from .views import cash, cashier, collection, coverage, followup, plans, subsidies

urlpatterns = [
    path("rules/", plans.rule_list, name="rule_list"),
    path("rules/<uuid:org_uuid>/new/", plans.rule_new, name="rule_new"),
    path("rules/version/<int:version_id>/", plans.rule_detail, name="rule_detail"),
    path("rules/version/<int:version_id>/copy/", plans.rule_copy, name="rule_copy"),
    path("rules/version/<int:version_id>/adopt/", plans.rule_adopt, name="rule_adopt"),
    path("billing/<uuid:org_uuid>/", plans.billing, name="billing"),
    path("billing/union/<uuid:org_uuid>/", plans.union_billing, name="union_billing"),
    path("arrears/<uuid:org_uuid>/", followup.arrears, name="arrears"),
    path("arrears/<uuid:org_uuid>/remind/", followup.arrears_remind, name="arrears_remind"),
    path("cashier/", cashier.cashier, name="cashier"),
    path("cashier/<uuid:household_uuid>/", cashier.cashier_household, name="cashier_household"),
    path("receipts/<uuid:payment_uuid>/", cashier.receipt_detail, name="receipt_detail"),
    path("receipts/<uuid:payment_uuid>/pdf/", cashier.receipt_pdf, name="receipt_pdf"),
    path(
        "receipts/<uuid:payment_uuid>/correct/",
        cash.correction_request,
        name="correction_request",
    ),
    path("till/", cash.till, name="till"),
    path("collection/", collection.collection_list, name="collection_list"),
    path("collection/<uuid:sheet_uuid>/", collection.collection_sheet, name="collection_sheet"),
    path(
        "collection/<uuid:sheet_uuid>/pdf/",
        collection.collection_sheet_pdf,
        name="collection_sheet_pdf",
    ),
    path("statements/", collection.statement_lines, name="statement_lines"),
    path("statements/<int:line_id>/assign/", collection.statement_assign, name="statement_assign"),
    path("statements/<int:line_id>/ignore/", collection.statement_ignore, name="statement_ignore"),
    path(
        "coverage/<uuid:household_uuid>/",
        coverage.household_coverage,
        name="household_coverage",
    ),
    path("corrections/", cash.correction_list, name="correction_list"),
    path(
        "corrections/<int:correction_id>/decide/",
        cash.correction_decide,
        name="correction_decide",
    ),
    path("subsidies/", subsidies.subsidy_index, name="subsidy_index"),
    path("subsidies/payers/new/", subsidies.payer_create, name="payer_create"),
    path("subsidies/payers/<uuid:payer_uuid>/", subsidies.payer_detail, name="payer_detail"),
    path(
        "subsidies/payers/<uuid:payer_uuid>/programmes/new/",
        subsidies.subsidy_programme_create,
        name="subsidy_programme_create",
    ),
    path(
        "subsidies/payers/<uuid:payer_uuid>/statement/",
        subsidies.payer_statement,
        name="payer_statement",
    ),
    path(
        "subsidies/payers/<uuid:payer_uuid>/statement.pdf",
        subsidies.payer_statement_pdf,
        name="payer_statement_pdf",
    ),
    path(
        "subsidies/payers/<uuid:payer_uuid>/statement.xlsx",
        subsidies.payer_statement_xlsx,
        name="payer_statement_xlsx",
    ),
    path(
        "subsidies/payers/<uuid:payer_uuid>/payments/",
        subsidies.payer_payment,
        name="payer_payment",
    ),
    path(
        "subsidies/programmes/<uuid:programme_uuid>/",
        subsidies.subsidy_programme_edit,
        name="subsidy_programme_edit",
    ),
    path(
        "subsidies/programmes/<uuid:programme_uuid>/enrol/",
        subsidies.subsidy_enrol,
        name="subsidy_enrol",
    ),
    path(
        "subsidies/programmes/<uuid:programme_uuid>/list/",
        subsidies.subsidy_enrol_upload,
        name="subsidy_enrol_upload",
    ),
    path(
        "subsidies/solidarity/<uuid:org_uuid>/",
        subsidies.solidarity_report,
        name="solidarity_report",
    ),
    path(
        "subsidies/solidarity/<uuid:org_uuid>/xlsx/",
        subsidies.solidarity_report_xlsx,
        name="solidarity_report_xlsx",
    ),
]
