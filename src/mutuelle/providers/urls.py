from django.urls import path

from . import views

urlpatterns = [
    path("", views.provider_list, name="provider_list"),
    path("<uuid:org_uuid>/", views.provider_detail, name="provider_detail"),
    path("<uuid:org_uuid>/profile/", views.provider_profile, name="provider_profile"),
    path("<uuid:org_uuid>/attachments/", views.attachment_list, name="attachment_list"),
    path("attachments/<uuid:attachment_uuid>/end/", views.attachment_end, name="attachment_end"),
    path("conventions/", views.convention_list, name="convention_list"),
    path("conventions/new/", views.convention_create, name="convention_create"),
    path("conventions/<uuid:convention_uuid>/", views.convention_detail, name="convention_detail"),
    path(
        "conventions/<uuid:convention_uuid>/edit/",
        views.convention_edit,
        name="convention_edit",
    ),
    path(
        "conventions/<uuid:convention_uuid>/schedules/new/",
        views.schedule_create,
        name="schedule_create",
    ),
    path("schedules/<uuid:schedule_uuid>/", views.schedule_detail, name="schedule_detail"),
    path(
        "schedules/<uuid:schedule_uuid>/lines/new/",
        views.tariff_line_create,
        name="tariff_line_create",
    ),
    path("schedules/<uuid:schedule_uuid>/copy/", views.schedule_copy, name="schedule_copy"),
    path("schedules/<uuid:schedule_uuid>/adopt/", views.schedule_adopt, name="schedule_adopt"),
    path("schedules/<uuid:schedule_uuid>/import/", views.schedule_import, name="schedule_import"),
    path("lines/<uuid:line_uuid>/delete/", views.tariff_line_delete, name="tariff_line_delete"),
]
