import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutuelle.core.roles import Role, Scope
from mutuelle.lib.phone import normalize_phone

from .organizations import Organization, validate_country


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra) -> "User":
        if extra.get("phone"):
            extra["phone"] = normalize_phone(extra["phone"])
        if extra.get("email"):
            extra["email"] = self.normalize_email(extra["email"]).lower()
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self.create_user(username, password, **extra)
        RoleGrant.objects.create(user=user, role=Role.PLATFORM_ADMIN, scope=Scope.GLOBAL)
        return user

    def get_by_login(self, login: str) -> "User | None":
        """The active user whose username, email or phone is `login`."""
        login = (login or "").strip()
        if not login:
            return None
        q = Q(username__iexact=login) | Q(email__iexact=login)
        phone = normalize_phone(login)
        if len(phone.lstrip("+")) >= 6:
            q |= Q(phone=phone)
        matches = list(self.filter(q, is_active=True)[:2])
        return matches[0] if len(matches) == 1 else None


class User(AbstractBaseUser, PermissionsMixin):
    """A staff user: a person working for a network, union, mutual or provider.

    Members of mutuals are not staff users (the member portal has its own credentials)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    username = models.CharField(_("user name"), max_length=150, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("email"), blank=True, null=True, unique=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, null=True, unique=True)
    language = models.CharField(_("language"), max_length=5, default="fr")
    # The organization that created and manages this account (its managers reset passwords).
    home_organization = models.ForeignKey(
        Organization,
        verbose_name=_("home organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    must_change_password = models.BooleanField(default=False)
    # Mirrors "has a confirmed TOTP device", so that no request pays a query to find out.
    two_factor_enabled = models.BooleanField(_("two-step verification on"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def active_grants(self) -> list["RoleGrant"]:
        """The user's current grants, loaded once per user object (per request)."""
        cached = getattr(self, "_active_grants", None)
        if cached is None:
            cached = list(
                RoleGrant.objects.filter(user=self, revoked_at__isnull=True).select_related(
                    "organization"
                )
            )
            self._active_grants = cached
        return cached

    def roles(self) -> set[str]:
        return {g.role for g in self.active_grants()}


class RoleGrant(models.Model):
    """A role granted on a scope. Revocation keeps the row: the table is the history."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    country = models.CharField(
        _("country"), max_length=2, blank=True, validators=[validate_country]
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["-granted_at"]
        constraints = [
            models.CheckConstraint(
                name="grant_scope_consistent",
                condition=(
                    Q(scope=Scope.GLOBAL, organization__isnull=True, country="")
                    | Q(scope=Scope.COUNTRY, organization__isnull=True) & ~Q(country="")
                    | Q(scope__in=[Scope.ORGANIZATION, Scope.PROVIDER], organization__isnull=False)
                ),
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        target = self.organization or self.country or _("everything")
        return f"{self.get_role_display()} — {target}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
