"""Eligibility at the point of care, read side: what a clerk typed or scanned, answered.

    look_up(user, text, care_date, provider)   -> Answer (nothing is written here; the view
                                                  logs the check with actions.record_check)
    providers_of(user)                          the providers a clerk checks for

Who may see what: a provider clerk sees a member only when the member's mutual is served by
a convention in force with the clerk's provider on the date of care; the mutual's own staff
see their members. Anyone else is told the number is unknown (an outsider learns nothing).
A forged card reveals nothing about the number it carries."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from mutuelle.benefits import entitlements
from mutuelle.benefits import rules as benefit_rules
from mutuelle.benefits.models import Act, PackageVersion
from mutuelle.benefits.queries import terms_of
from mutuelle.cards import keys, reading
from mutuelle.cards import rules as card_rules
from mutuelle.cards.models import Card, CardStatus
from mutuelle.contributions.coverage import Coverage
from mutuelle.contributions.coverage_reads import coverage_of
from mutuelle.core.models import Organization, Scope
from mutuelle.core.roles import PERMISSIONS, Perm
from mutuelle.core.scoping import grants_of, scope
from mutuelle.members import rules as member_rules
from mutuelle.members.models import Membership

from .models import CheckResult
from .usage import used_this_year

# Card reason codes that mean "do not trust this card at all".
FORGERY = frozenset({card_rules.MALFORMED, card_rules.UNKNOWN_KEY, card_rules.BAD_SIGNATURE})


@dataclass
class VersionEntitlements:
    version: PackageVersion
    summary: entitlements.Summary


@dataclass
class Answer:
    result: str  # a CheckResult
    reason: str = ""  # a code: coverage.*, card.*, number.*, eligibility.*
    params: dict = field(default_factory=dict)
    membership: Membership | None = None
    coverage: Coverage | None = None
    versions: list[VersionEntitlements] = field(default_factory=list)
    card: Card | None = None
    card_flag: str = ""  # card.revoked / card.expired when the card itself is the problem
    age: int | None = None

    @property
    def person(self):
        return self.membership.person if self.membership else None

    @property
    def shows_member(self) -> bool:
        """Whether the clerk may see who the member is (never for a forged card)."""
        return self.membership is not None and self.result not in (
            CheckResult.FORGED,
            CheckResult.NOT_FOUND,
        )


def providers_of(user) -> list[Organization]:
    """The providers the user checks eligibility for (their provider-scope grants)."""
    ids: list[int] = [
        g.org_id
        for g in grants_of(user)
        if g.scope == Scope.PROVIDER
        and g.org_id is not None
        and Perm.CHECK_ELIGIBILITY in PERMISSIONS.get(g.role, frozenset())
    ]
    return list(Organization.unscoped.filter(pk__in=ids).order_by("name"))


def _age(birth: date | None, birth_year: int | None, on: date) -> int | None:
    if birth is not None:
        return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return on.year - birth_year if birth_year else None


def _read_card(found: reading.Identified, care_date: date):
    """(an answer that ends the check, the card, a flag) for a scanned payload."""
    claims = found.claims
    if claims is None:
        return Answer(CheckResult.FORGED, card_rules.MALFORMED), None, ""
    verification = card_rules.verify(found.payload, keys.public_keys([claims.key_id]))
    if FORGERY & set(verification.reasons):
        return Answer(CheckResult.FORGED, verification.reasons[0]), None, ""
    card = Card.unscoped.filter(serial=claims.serial).first()
    flag = ""
    if card is not None and card.status == CardStatus.REVOKED:
        flag = card_rules.CARD_REVOKED
    elif claims.expires_on < care_date:
        flag = card_rules.CARD_EXPIRED
    return None, card, flag


def _reachable(user, membership: Membership, provider: Organization | None, on: date) -> str:
    """ "" when the user may see this member; else the CheckResult to answer. A provider's
    clerk is answered from the mutuals the provider serves (kept a minute), before asking
    whether the user also works for the member's mutual."""
    from mutuelle.providers.queries import mutuals_served

    if provider is not None and membership.organization_id in mutuals_served(provider.pk, on):
        return ""
    if scope(
        Organization.unscoped.filter(pk=membership.organization_id),
        user,
        Perm.CHECK_ELIGIBILITY,
        field="",
    ).exists():
        return ""
    return CheckResult.NOT_SERVED if provider is not None else CheckResult.NOT_FOUND


def _care_level(provider: Organization | None) -> str:
    if provider is None:
        return ""
    from mutuelle.providers.queries import care_level_of

    return care_level_of(provider.pk)


def _entitlements(answer: Answer, care_date: date, care_level: str) -> list[VersionEntitlements]:
    membership = answer.membership
    assert membership is not None and answer.coverage is not None
    person = membership.person
    who = benefit_rules.Beneficiary(
        sex=person.sex,
        age=answer.age,
        relationship=person.relationship,
        days_since_anchor=(care_date - membership.waiting_from).days,
        care_level=care_level,
    )
    versions = list(
        PackageVersion.unscoped.filter(pk__in=answer.coverage.versions).select_related("package")
    )
    used_person, used_household = used_this_year(person.pk, person.household_id, care_date.year)
    terms = {v.pk: terms_of(v) for v in versions}
    act_codes = {x.act_code for t in terms.values() for x in t.lines if x.act_code}
    categories = dict(
        Act.unscoped.filter(
            code__in=act_codes,
            organization_id__in=[
                *membership.organization.ancestor_ids(),
                membership.organization_id,
            ],
        ).values_list("code", "category")
    )
    return [
        VersionEntitlements(
            v,
            entitlements.summarize(terms[v.pk], who, categories, used_person, used_household),
        )
        for v in versions
    ]


def look_up(user, text: str, care_date: date, provider: Organization | None = None) -> Answer:
    """Answer a check of `text` (a typed number or a card's QR payload) on `care_date`."""
    found = reading.identify(text)
    if found.kind == reading.EMPTY:
        return Answer(CheckResult.NOT_FOUND, "eligibility.empty")
    card, flag = None, ""
    if found.kind == reading.PAYLOAD:
        ended, card, flag = _read_card(found, care_date)
        if ended is not None:
            return ended
    number = found.number
    membership = (
        Membership.unscoped.select_related("person__household__place", "organization")
        .filter(number=number)
        .first()
    )
    if membership is None:
        reason = member_rules.number_error(number) or "eligibility.unknown_number"
        return Answer(CheckResult.NOT_FOUND, reason, {"number": number})
    refused = _reachable(user, membership, provider, care_date)
    if refused == CheckResult.NOT_SERVED:
        return Answer(refused, "eligibility.not_served", {"mutual": membership.organization.name})
    if refused:
        return Answer(refused, "eligibility.unknown_number", {"number": number})
    person = membership.person
    answer = Answer(
        CheckResult.COVERED,
        membership=membership,
        card=card,
        card_flag=flag,
        age=_age(person.birth_date, person.birth_year, care_date),
    )
    answer.coverage = coverage_of([membership], care_date)[membership.pk]
    if flag:
        answer.result = (
            CheckResult.REVOKED if flag == card_rules.CARD_REVOKED else CheckResult.EXPIRED
        )
        answer.reason = flag
    elif not answer.coverage.covered:
        answer.result = CheckResult.NOT_COVERED
        answer.reason = answer.coverage.reason or ""
        answer.params = dict(answer.coverage.params)
    if answer.coverage.covered:
        answer.versions = _entitlements(answer, care_date, _care_level(provider))
    return answer


def total_left(answer: Answer) -> Decimal | None:
    """The smallest ceiling left across the versions (None: no ceiling)."""
    lefts = [c.left for v in answer.versions for c in v.summary.ceilings]
    return min(lefts) if lefts else None
