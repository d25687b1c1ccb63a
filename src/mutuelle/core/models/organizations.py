import uuid
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mutuelle.lib.countries import COUNTRIES
from mutuelle.lib.money import CURRENCY_EXPONENTS


class OrgKind(models.TextChoices):
    # Ordered from the top of the tree down; see rules.PARENT_KINDS.
    NETWORK = "network", _("Network")
    FEDERATION = "federation", _("Federation")
    UNION = "union", _("Union")
    MUTUAL = "mutual", _("Mutual")
    SECTION = "section", _("Section")
    PROVIDER = "provider", _("Health care provider")


LANGUAGE_CHOICES = [("fr", _("French")), ("en", _("English")), ("pt", _("Portuguese"))]

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,15}$",
    _("Use 2 to 16 capital letters, digits or dashes."),
)


def validate_country(value: str) -> None:
    if value not in COUNTRIES:
        raise ValidationError(_("Unknown country code %(code)s."), params={"code": value})


def validate_currency(value: str) -> None:
    if value not in CURRENCY_EXPONENTS:
        raise ValidationError(_("Unknown currency code %(code)s."), params={"code": value})


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone %(tz)s."), params={"tz": value})


class OrganizationManager(models.Manager["Organization"]):
    def subtree_of(self, org: "Organization") -> models.QuerySet["Organization"]:
        return self.filter(path__startswith=org.path)

    def ancestors_of(self, org: "Organization") -> models.QuerySet["Organization"]:
        return self.filter(pk__in=org.ancestor_ids())


class Organization(models.Model):
    """A node of the one organization tree: network > federation > union > mutual > section.

    Health care providers are organizations too (kind=provider) so that a provider clerk's
    scope is expressed like every other scope; the providers app adds their profile.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices)
    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialized path of primary keys, "/1/4/9/": a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Africa/Dakar", validators=[validate_time_zone]
    )
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGE_CHOICES, default="fr")
    place = models.ForeignKey(
        "core.Place", verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    # Deliberately not "objects": reads go through mutuelle.core.scoping.
    unscoped = OrganizationManager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path"]
        indexes = [models.Index(fields=["country", "kind"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def ancestor_ids(self) -> list[int]:
        """Primary keys of the ancestors, root first (this organization excluded)."""
        ids = [int(p) for p in self.path.strip("/").split("/") if p]
        return ids[:-1]

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1
