from django.urls import path

from . import views

urlpatterns = [
    path("", views.package_list, name="package_list"),
    path("packages/new/", views.package_create, name="package_create"),
    path("packages/<uuid:package_uuid>/", views.package_detail, name="package_detail"),
    path("versions/<uuid:version_uuid>/", views.version_detail, name="version_detail"),
    path("versions/<uuid:version_uuid>/terms/", views.version_terms, name="version_terms"),
    path("versions/<uuid:version_uuid>/lines/new/", views.line_create, name="line_create"),
    path("versions/<uuid:version_uuid>/copy/", views.version_copy, name="version_copy"),
    path("versions/<uuid:version_uuid>/adopt/", views.version_adopt, name="version_adopt"),
    path("versions/<uuid:version_uuid>/preview/", views.version_preview, name="version_preview"),
    path("lines/<uuid:line_uuid>/delete/", views.line_delete, name="line_delete"),
    path("acts/", views.act_list, name="act_list"),
    path("acts/new/", views.act_create, name="act_create"),
    path("acts/starter/", views.act_starter, name="act_starter"),
    path("acts/<uuid:act_uuid>/", views.act_detail, name="act_detail"),
]
