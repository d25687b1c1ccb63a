"""Django admin for reference data, open to platform administrators only (see admin_site)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AuditEvent, Job, Organization, Place, PlaceLevel, RoleGrant, User


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "country", "currency", "parent", "is_active"]
    list_filter = ["kind", "country", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "uuid"]

    def get_queryset(self, request):
        return Organization.unscoped.select_related("parent")


@admin.register(PlaceLevel)
class PlaceLevelAdmin(admin.ModelAdmin):
    list_display = ["country", "depth", "name_fr", "name_en"]
    list_filter = ["country"]


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "country", "depth", "parent"]
    list_filter = ["country", "depth"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Event tables are written by actions only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor", "organization", "object_type", "object_id"]
    list_filter = ["action"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "state", "done", "total", "attempts", "worker_id"]
    list_filter = ["kind", "state"]


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "scope", "organization", "country", "granted_at", "revoked_at"]
    list_filter = ["role", "scope"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["full_name", "username", "phone", "email", "home_organization", "is_active"]
    search_fields = ["full_name", "username", "phone", "email"]
    exclude = ["password", "user_permissions", "groups"]
    readonly_fields = ["uuid", "last_login", "date_joined"]
