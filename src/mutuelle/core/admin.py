"""Django admin for reference data, open to platform administrators only (see admin_site)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import actions
from .models import AuditEvent, Job, Organization, Place, PlaceLevel, RoleGrant, User


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "country", "currency", "parent", "is_active"]
    list_filter = ["kind", "country", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "uuid"]

    def get_queryset(self, request):
        return Organization.unscoped.select_related("parent")

    def get_readonly_fields(self, request, obj=None):
        # Moving an organization rewrites its subtree's paths and everyone's scopes: not a
        # field edit. Creation goes through the action, which sets the path.
        if obj is not None:
            return [*self.readonly_fields, "parent", "kind"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {f: form.cleaned_data[f] for f in form.cleaned_data if f != "parent"}
        created = actions.create_organization(
            request.user, parent=form.cleaned_data.get("parent"), **fields
        )
        obj.pk, obj.path, obj.uuid = created.pk, created.path, created.uuid


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

    def get_readonly_fields(self, request, obj=None):
        return (
            [*self.readonly_fields, "parent", "depth"] if obj else [*self.readonly_fields, "depth"]
        )

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = actions.create_place(
            country=obj.country, code=obj.code, name=obj.name, parent=obj.parent
        )
        obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


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
