from django.contrib.auth import views as auth_views
from django.urls import path

from .views import account, home, imports, jobs, notifications, organizations, places, users

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("whoami.json", home.whoami, name="whoami"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", account.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", account.two_factor_verify, name="two_factor_verify"),
    path("organizations/", organizations.organization_list, name="organization_list"),
    path(
        "organizations/<uuid:org_uuid>/",
        organizations.organization_detail,
        name="organization_detail",
    ),
    path(
        "organizations/<uuid:org_uuid>/new/",
        organizations.organization_create,
        name="organization_create",
    ),
    path("places/", places.place_list, name="place_list"),
    path("users/", users.user_list, name="user_list"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<uuid:user_uuid>/", users.user_detail, name="user_detail"),
    path("users/<uuid:user_uuid>/grant/", users.grant_create, name="grant_create"),
    path(
        "users/<uuid:user_uuid>/reset-password/", users.password_reset, name="user_password_reset"
    ),
    path("users/<uuid:user_uuid>/active/", users.user_set_active, name="user_set_active"),
    path("grants/<uuid:grant_uuid>/revoke/", users.grant_revoke, name="grant_revoke"),
    path("audit/", users.audit_list, name="audit_list"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<uuid:job_uuid>/", jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:job_uuid>/progress/", jobs.job_progress, name="job_progress"),
    path("jobs/<uuid:job_uuid>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("imports/", imports.import_index, name="import_index"),
    path(
        "imports/<slug:importer>/template.<str:fmt>",
        imports.import_template,
        name="import_template",
    ),
    path("imports/<slug:importer>/", imports.import_upload, name="import_upload"),
    path("imports/run/<uuid:job_uuid>/", imports.import_report, name="import_report"),
    path(
        "imports/run/<uuid:job_uuid>/report.csv",
        imports.import_report_csv,
        name="import_report_csv",
    ),
    path("imports/run/<uuid:job_uuid>/commit/", imports.import_commit, name="import_commit"),
    path("messages/", notifications.notification_list, name="notification_list"),
    path(
        "messages/<uuid:notification_uuid>/read/",
        notifications.notification_read,
        name="notification_read",
    ),
]
