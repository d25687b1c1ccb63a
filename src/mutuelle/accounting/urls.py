from django.urls import path

from . import views

urlpatterns = [
    path("", views.ledger_list, name="ledger_list"),
    path("<uuid:org_uuid>/trial-balance/", views.trial_balance, name="trial_balance"),
    path("<uuid:org_uuid>/chart/install/", views.install_chart, name="install_chart"),
    path("<uuid:org_uuid>/chart/", views.chart, name="chart"),
    path("<uuid:org_uuid>/chart/<str:number>/active/", views.account_active, name="account_active"),
]
