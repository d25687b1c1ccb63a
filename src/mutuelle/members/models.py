"""The member register: households, persons, memberships and their status history."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mutuelle.core.models import Organization, Place

from . import rules


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    OTHER = "other", _("Other relative")


class Status(models.TextChoices):
    PENDING = rules.PENDING, _("Pending")
    ACTIVE = rules.ACTIVE, _("Active")
    SUSPENDED = rules.SUSPENDED, _("Suspended")
    WITHDRAWN = rules.WITHDRAWN, _("Withdrawn")
    DECEASED = rules.DECEASED, _("Deceased")
    EXCLUDED = rules.EXCLUDED, _("Excluded")


class IdDocument(models.TextChoices):
    NATIONAL_ID = "national_id", _("National identity card")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    PASSPORT = "passport", _("Passport")
    VOTER_CARD = "voter_card", _("Voter card")
    OTHER = "other", _("Other document")


class RegisterSettings(models.Model):
    """A mutual's statute choices that the register applies."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="register_settings"
    )
    dependant_age_limit = models.PositiveSmallIntegerField(
        _("age at which children stop being dependants"), null=True, blank=True, default=21
    )
    whole_household = models.BooleanField(_("the whole household must enrol"), default=False)
    family_name_first = models.BooleanField(_("family name written first"), default=False)
    next_serial = models.PositiveIntegerField(default=1)  # membership numbers; row-locked

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("register settings")
        verbose_name_plural = _("register settings")

    def __str__(self) -> str:
        return f"{self.organization.code}"


class AbilityCategory(models.Model):
    """Ability-to-pay category, configurable per mutual (indigent, low, middle, high...)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    code = models.SlugField(_("code"), max_length=32)
    name_fr = models.CharField(_("name (French)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    is_indigent = models.BooleanField(_("indigent (subsidy eligible)"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("ability-to-pay category")
        verbose_name_plural = _("ability-to-pay categories")
        ordering = ["organization", "order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="ability_code_unique")
        ]

    def __str__(self) -> str:
        return self.name_fr


class Household(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("household number"), max_length=32)
    head = models.ForeignKey(
        "Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.ForeignKey(
        Place, verbose_name=_("village or place"), null=True, blank=True, on_delete=models.PROTECT
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    ability = models.ForeignKey(
        AbilityCategory,
        verbose_name=_("ability to pay"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enrolment agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="household_number_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number


class Person(models.Model):
    """A beneficiary. No health field of any kind: non-selection is a product rule."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="persons", null=True, blank=True
    )
    given_names = models.CharField(_("given names"), max_length=120)
    family_name = models.CharField(_("family name"), max_length=80)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("estimated year of birth"), null=True, blank=True
    )
    relationship = models.CharField(
        _("relationship to the head"), max_length=8, choices=Relationship.choices
    )
    id_document_type = models.CharField(
        _("identity document"), max_length=20, choices=IdDocument.choices, blank=True
    )
    id_document_number = models.CharField(_("document number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    photo = models.FileField(_("photo"), upload_to="photos/%Y/%m/", blank=True)
    date_of_death = models.DateField(_("date of death"), null=True, blank=True)
    # Set by the daily ageing-out job when a child reaches the mutual's dependant age limit;
    # contribution rules read it (an anchor date, never a computed status).
    aged_out_on = models.DateField(_("no longer a dependant since"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Search and duplicate detection read these indexed columns (one Python normalizer for
    # SQLite and PostgreSQL alike).
    name_normalized = models.CharField(max_length=220, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["family_name", "given_names"]
        indexes = [
            models.Index(fields=["organization", "id_document_number"]),
            models.Index(fields=["organization", "phone"]),
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name}"

    def facts(self) -> rules.PersonFacts:
        return rules.PersonFacts(
            relationship=self.relationship,
            birth_date=self.birth_date,
            birth_year=self.birth_year,
            date_of_death=self.date_of_death,
        )


class Membership(models.Model):
    """A person's tie to a mutual: number, dates, status. Waiting periods are computed later
    from packages: we store the anchor date, never a computed end."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("mutual"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    number = models.CharField(_("membership number"), max_length=32, unique=True)
    enrolled_on = models.DateField(_("enrolment date"))
    waiting_from = models.DateField(_("waiting period starts"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    status_since = models.DateField(_("status since"))

    history = HistoricalRecords()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["number"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.number


class StatusEvent(models.Model):
    """One row per status change: the dated history of a membership (bulk paths write these
    rows themselves, since bulk updates bypass model history)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    on = models.DateField(_("effective date"))
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        ordering = ["membership", "at"]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.from_status} → {self.to_status}"


class KeyRow(models.Model):
    """A key of a person, derived from their names: rewritten from the persons, so there is no
    database constraint to check on each of the millions of rows a large import writes
    (deletions still cascade, through Django)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # covered by the subclass's (organization, key) / (key, organization)
    )
    key = models.CharField(max_length=64)

    unscoped = models.Manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.key


class PersonKey(KeyRow):
    """Blocking keys of a person (lib.names.blocking_keys): duplicate candidates are found by
    equality on an indexed column, the same on SQLite and PostgreSQL, at any register size."""

    class Meta:
        indexes = [models.Index(fields=["organization", "key"])]


class SearchKey(KeyRow):
    """Search keys of a person (lib.names.search_keys): phonetic keys of each name part and of
    each pair of parts, so that a misspelled name is found by an indexed equality lookup."""

    class Meta:
        indexes = [models.Index(fields=["key", "organization"])]


class Decision(models.TextChoices):
    OPEN = "open", _("To be checked")
    DISTINCT = "distinct", _("Not the same person")
    MERGED = "merged", _("Merged")
    CONFIRMED = "confirmed", _("Same person, in two mutuals")


class DuplicatePair(models.Model):
    """Two persons that look alike. The pair is stored once (first.pk < second.pk) with its
    decision: a pair decided once never comes back, whatever later scans find."""

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+"
    )  # the first person's mutual
    other_organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+"
    )  # the second person's mutual
    reasons = models.CharField(max_length=200, blank=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField(default=timezone.now)

    unscoped = models.Manager()

    class Meta:
        verbose_name = _("duplicate suspect")
        verbose_name_plural = _("duplicate suspects")
        ordering = ["-found_at"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="duplicate_pair_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "decision"]),
            models.Index(fields=["other_organization", "decision"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id}: {self.decision}"
