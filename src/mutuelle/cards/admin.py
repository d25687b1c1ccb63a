"""Django admin (platform administrators): card designs (logo, validity) and, read-only, the
signing keys."""

from django.contrib import admin

from .models import CardDesign, SigningKey


@admin.register(CardDesign)
class CardDesignAdmin(admin.ModelAdmin):
    list_display = ["organization", "validity_months", "logo"]

    def get_queryset(self, request):
        return CardDesign.unscoped.select_related("organization")


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["key_id", "organization", "is_active", "created_at", "retired_at"]
    readonly_fields = (
        "key_id",
        "organization",
        "public_key_b64",
        "is_active",
        "created_at",
        "retired_at",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return SigningKey.unscoped.select_related("organization")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
