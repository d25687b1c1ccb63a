from django.db import models
from django.utils.translation import gettext_lazy as _

from .organizations import validate_country


class PlaceLevel(models.Model):
    """The administrative levels of one country, configurable (Senegal has regions,
    departments, arrondissements, communes and villages; Cameroon regions, departments...)."""

    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    depth = models.PositiveSmallIntegerField(_("depth"))  # 0 = the country itself
    name_fr = models.CharField(_("name (French)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("place level")
        verbose_name_plural = _("place levels")
        ordering = ["country", "depth"]
        constraints = [
            models.UniqueConstraint(fields=["country", "depth"], name="place_level_unique")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.depth}: {self.name_fr} / {self.name_en}"


class Place(models.Model):
    """A node of the places tree: country > region > district > commune > village.

    Places are shared geography, not tenant data: every staff user may read them."""

    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="place_code_unique")
        ]

    def __str__(self) -> str:
        return self.name
