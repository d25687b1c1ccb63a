from django.contrib import admin
from django.urls import include, path

from mutuelle.core.admin_site import restrict_admin_to_platform_admins
from mutuelle.core.views.account import set_language

restrict_admin_to_platform_admins(admin.site)

urlpatterns = [
    path("", include("mutuelle.core.urls")),
    path("households/", include("mutuelle.members.urls")),
    path("accounts/", include("mutuelle.accounting.urls")),
    path("cards/", include("mutuelle.cards.urls")),
    path("benefits/", include("mutuelle.benefits.urls")),
    path("contributions/", include("mutuelle.contributions.urls")),
    path("providers/", include("mutuelle.providers.urls")),
    path("claims/", include("mutuelle.claims.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
