from django.urls import path

from . import views

urlpatterns = [
    path("", views.ledger_list, name="ledger_list"),
    path("<uuid:org_uuid>/trial-balance/", views.trial_balance, name="trial_balance"),
    path("<uuid:org_uuid>/chart/install/", views.install_chart, name="install_chart"),
]
