from django.urls import path

from .views import duplicates, households, life, settings

urlpatterns = [
    path("", households.household_list, name="household_list"),
    path("enrol/", households.household_enrol, name="household_enrol"),
    path("export.<str:fmt>", households.register_export, name="register_export"),
    path("enrol/row/", households.household_person_row, name="household_person_row"),
    path("<uuid:household_uuid>/", households.household_detail, name="household_detail"),
    path("<uuid:household_uuid>/birth/", households.household_birth, name="household_birth"),
    path("<uuid:household_uuid>/head/", households.household_head, name="household_head"),
    path(
        "<uuid:household_uuid>/withdraw/",
        households.household_withdraw,
        name="household_withdraw",
    ),
    path("<uuid:household_uuid>/split/", life.household_split, name="household_split"),
    path("<uuid:household_uuid>/transfer/", life.household_transfer, name="household_transfer"),
    path("<uuid:household_uuid>/edit/", life.household_edit, name="household_edit"),
    path("persons/<uuid:person_uuid>/edit/", life.person_edit, name="person_edit"),
    path("persons/<uuid:person_uuid>/photo.jpg", life.person_photo, name="person_photo"),
    path("settings/", settings.register_settings_list, name="register_settings_list"),
    path("settings/<uuid:org_uuid>/", settings.register_settings, name="register_settings"),
    path("duplicates/", duplicates.duplicate_list, name="duplicate_list"),
    path("duplicates/scan/", duplicates.duplicate_scan, name="duplicate_scan"),
    path("duplicates/<int:pair_id>/decide/", duplicates.duplicate_decide, name="duplicate_decide"),
    path("persons/<uuid:person_uuid>/death/", households.person_death, name="person_death"),
    path(
        "memberships/<uuid:membership_uuid>/status/",
        households.membership_status,
        name="membership_status",
    ),
]
