from django.urls import path

from . import views

urlpatterns = [
    path("households/<uuid:household_uuid>/", views.household_cards, name="household_cards"),
    path(
        "households/<uuid:household_uuid>/cards.pdf",
        views.household_cards_pdf,
        name="household_cards_pdf",
    ),
    path(
        "households/<uuid:household_uuid>/print/",
        views.household_cards_print,
        name="household_cards_print",
    ),
    path("<uuid:card_uuid>/revoke/", views.card_revoke, name="card_revoke"),
    path("<uuid:card_uuid>/reissue/", views.card_reissue, name="card_reissue"),
    path("village/", views.village_cards, name="village_cards"),
    path("village/<uuid:job_uuid>/", views.village_cards_job, name="village_cards_job"),
    path(
        "village/<uuid:job_uuid>/cards.pdf",
        views.village_cards_job_pdf,
        name="village_cards_job_pdf",
    ),
    path("design/", views.card_design_list, name="card_design_list"),
    path("design/<uuid:org_uuid>/", views.card_design, name="card_design"),
    path("keys.json", views.public_keys, name="card_public_keys"),
]
