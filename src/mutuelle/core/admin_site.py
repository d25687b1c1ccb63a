"""Django admin is for reference data and is open to platform administrators only: admin
screens do not go through the scoping helper, so nobody scoped may reach them."""

from .roles import Role


def restrict_admin_to_platform_admins(site) -> None:
    def has_permission(request) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and user.is_staff
            and Role.PLATFORM_ADMIN in user.roles()
        )

    site.has_permission = has_permission
    site.site_header = "Mutuelle"
