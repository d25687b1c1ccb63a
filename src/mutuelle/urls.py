from django.contrib import admin
from django.urls import include, path

from mutuelle.core.admin_site import restrict_admin_to_platform_admins

restrict_admin_to_platform_admins(admin.site)

urlpatterns = [
    path("", include("mutuelle.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
