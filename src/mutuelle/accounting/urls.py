from django.urls import path

from . import views

urlpatterns = [
    path("", views.ledger_list, name="ledger_list"),
    path("<uuid:org_uuid>/trial-balance/", views.trial_balance, name="trial_balance"),
    path("<uuid:org_uuid>/chart/install/", views.install_chart, name="install_chart"),
    path("<uuid:org_uuid>/chart/", views.chart, name="chart"),
    path("<uuid:org_uuid>/chart/<str:number>/active/", views.account_active, name="account_active"),
    path("<uuid:org_uuid>/chart/<str:number>/ledger/", views.account_ledger, name="account_ledger"),
    path("<uuid:org_uuid>/journals/", views.journal_list, name="journal_list"),
    path("<uuid:org_uuid>/journals/<str:code>/", views.journal_entries, name="journal_entries"),
    path(
        "<uuid:org_uuid>/journals/<str:code>/<int:number>/",
        views.entry_detail,
        name="entry_detail",
    ),
    path("<uuid:org_uuid>/periods/", views.period_list, name="period_list"),
    path("<uuid:org_uuid>/periods/open-year/", views.year_open, name="year_open"),
    path("<uuid:org_uuid>/periods/<str:start>/close/", views.period_close, name="period_close"),
    path("<uuid:org_uuid>/periods/<str:start>/reopen/", views.period_reopen, name="period_reopen"),
    path("<uuid:org_uuid>/years/<str:start>/close/", views.year_close, name="year_close"),
    path("<uuid:org_uuid>/posting-rules/", views.posting_rules, name="posting_rules"),
    path(
        "<uuid:org_uuid>/posting-rules/<str:operation>/",
        views.posting_rule_edit,
        name="posting_rule_edit",
    ),
]
