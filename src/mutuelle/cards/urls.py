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
    path("keys.json", views.public_keys, name="card_public_keys"),
]
