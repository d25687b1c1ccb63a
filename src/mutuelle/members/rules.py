"""Pure rules of the member register: membership numbers, status transitions, household checks.

Plain values in, decisions and reason codes out; no Django, no database."""

from dataclasses import dataclass
from datetime import date

from mutuelle.lib.checkdigit import verhoeff_digit, verhoeff_valid

SERIAL_DIGITS = 6

# --- Membership numbers ---------------------------------------------------------------------
# "<MUTUAL CODE>-<serial><check digit>", e.g. "MSKM-0001237". The check digit (Verhoeff) covers
# the serial: a single wrong digit or two swapped neighbours are caught when a number is typed.


def format_number(mutual_code: str, serial: int) -> str:
    digits = f"{serial:0{SERIAL_DIGITS}d}"
    return f"{mutual_code}-{digits}{verhoeff_digit(digits)}"


def format_household_number(mutual_code: str, serial: int) -> str:
    digits = f"{serial:0{SERIAL_DIGITS}d}"
    return f"{mutual_code}-H{digits}{verhoeff_digit(digits)}"


def number_error(number: str, mutual_codes: set[str] | None = None) -> str | None:
    """Reason code when `number` is not a well-formed membership number."""
    code, sep, digits = number.strip().upper().rpartition("-")
    if not sep or not code or not digits.isdigit() or len(digits) < 2:
        return "number.malformed"
    if mutual_codes is not None and code not in mutual_codes:
        return "number.unknown_mutual"
    if not verhoeff_valid(digits):
        return "number.bad_check_digit"
    return None


# --- Status transitions ---------------------------------------------------------------------
PENDING, ACTIVE, SUSPENDED, WITHDRAWN, DECEASED, EXCLUDED = (
    "pending",
    "active",
    "suspended",
    "withdrawn",
    "deceased",
    "excluded",
)
STATUSES = (PENDING, ACTIVE, SUSPENDED, WITHDRAWN, DECEASED, EXCLUDED)
ENDED = (WITHDRAWN, DECEASED, EXCLUDED)  # a membership that no longer covers anyone

# Free adhesion: a member may withdraw at any time, and a withdrawn member may join again.
# Death is final; an exclusion is lifted only by a new adhesion decided by the board (pending).
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({ACTIVE, WITHDRAWN, DECEASED, EXCLUDED}),
    ACTIVE: frozenset({SUSPENDED, WITHDRAWN, DECEASED, EXCLUDED}),
    SUSPENDED: frozenset({ACTIVE, WITHDRAWN, DECEASED, EXCLUDED}),
    WITHDRAWN: frozenset({PENDING, DECEASED}),
    EXCLUDED: frozenset({PENDING, DECEASED}),
    DECEASED: frozenset(),
}


def transition_error(current: str, target: str, on: date, since: date) -> str | None:
    """Reason code when a membership may not go from `current` to `target` on date `on`."""
    if target not in TRANSITIONS.get(current, frozenset()):
        return "status.transition_not_allowed"
    if on < since:
        return "status.before_current_status"
    return None


# --- People and households ------------------------------------------------------------------
@dataclass(frozen=True)
class PersonFacts:
    relationship: str  # head, spouse, child, parent, other
    birth_date: date | None = None
    birth_year: int | None = None  # when only an estimated year is known
    date_of_death: date | None = None

    def year(self) -> int | None:
        return self.birth_date.year if self.birth_date else self.birth_year


def age_on(facts: PersonFacts, on: date) -> int | None:
    if facts.birth_date:
        b = facts.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))
    if facts.birth_year:
        return on.year - facts.birth_year
    return None


def person_errors(facts: PersonFacts, today: date) -> list[str]:
    """Errors that refuse the entry."""
    errors = []
    if facts.birth_date and facts.birth_date > today:
        errors.append("person.birth_in_future")
    if facts.birth_year and facts.birth_year > today.year:
        errors.append("person.birth_in_future")
    if facts.birth_year and facts.birth_year < today.year - 120:
        errors.append("person.birth_too_old")
    if facts.date_of_death and facts.date_of_death > today:
        errors.append("person.death_in_future")
    born = facts.birth_date or (date(facts.birth_year, 1, 1) if facts.birth_year else None)
    if facts.date_of_death and born and facts.date_of_death < born:
        errors.append("person.death_before_birth")
    return errors


def household_warnings(
    head: PersonFacts | None, members: list[PersonFacts]
) -> list[tuple[int, str]]:
    """Warnings the officer confirms (index of the member, code): they do not refuse."""
    warnings = []
    head_year = head.year() if head else None
    for i, m in enumerate(members):
        year = m.year()
        if m.relationship == "child" and head_year and year and year < head_year:
            warnings.append((i, "household.child_older_than_head"))
        if m.relationship == "parent" and head_year and year and year > head_year:
            warnings.append((i, "household.parent_younger_than_head"))
    return warnings


def household_errors(members: list[PersonFacts]) -> list[str]:
    heads = sum(1 for m in members if m.relationship == "head")
    if heads == 0:
        return ["household.no_head"]
    if heads > 1:
        return ["household.several_heads"]
    return []


def ages_out(facts: PersonFacts, on: date, age_limit: int | None) -> bool:
    """Does a child dependant lose dependant status on `on` (the mutual's age limit)?"""
    if age_limit is None or facts.relationship != "child":
        return False
    age = age_on(facts, on)
    return age is not None and age >= age_limit


# --- Household life ---------------------------------------------------------------------------
HEAD, SPOUSE, CHILD, PARENT, OTHER = "head", "spouse", "child", "parent", "other"


def relationship_to_new_head(new_head_was: str, member_was: str) -> str:
    """A member's relationship to the household's new head, from both relationships to the
    former head. Several spouses are common: when one spouse becomes head, the co-spouses
    become other relatives and the children stay children; when a child becomes head, the
    spouses become parents and the other children siblings (other relatives)."""
    if member_was == HEAD:
        # The former head, still in the household, under a spouse or a child as new head.
        return {SPOUSE: SPOUSE, CHILD: PARENT}.get(new_head_was, OTHER)
    if new_head_was == SPOUSE:
        return CHILD if member_was == CHILD else OTHER
    if new_head_was == CHILD:
        return PARENT if member_was == SPOUSE else OTHER
    return OTHER


def withdrawal_error(whole_household: bool, others_staying: int) -> str | None:
    """Under the statute rule "the whole household enrols", members do not withdraw one by
    one while others stay: the household withdraws together (or the person first leaves it)."""
    if whole_household and others_staying > 0:
        return "household.whole_household_withdraws_together"
    return None


def split_errors(moving_relationships: list[str], new_head_index: int, staying: int) -> list[str]:
    """A split moves some members into a new household with one of them as its head."""
    errors = []
    if not moving_relationships:
        errors.append("household.split_nobody")
    elif not 0 <= new_head_index < len(moving_relationships):
        errors.append("household.no_head")
    if HEAD in moving_relationships and staying:
        errors.append("household.split_moves_the_head")
    return errors
