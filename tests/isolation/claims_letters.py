"""The tenant-isolation harness's part for the claims app's letters screens: its URL
rules, the other tenant's objects it plants (each carrying the sentinel), and what a
cross-tenant write would change. test_tenant_isolation merges every such module (see
EXTENSIONS there).

The snapshot lists mutual names, card serials and membership numbers. A serial or a number
cannot hold the sentinel, but the other tenant's mutual is named with it, and the snapshot
names every mutual it covers: a snapshot that covered the other tenant would show it. The
other tenant also gets what the snapshot is made of (a revoked card, a suspended member), and
a convention with its own provider; tests/claims/test_offline.py asserts in addition that no
number or serial of theirs reaches a user of the first tenant."""

from datetime import date

from .base import NOT_ALLOWED, OWN_LIST, Rule

RULES: dict[str, Rule] = {
    # The page holds the user's own texts and addresses; the data are in the snapshot.
    "offline_verifier": Rule(expect=OWN_LIST),
    "offline_snapshot": Rule(expect=OWN_LIST),  # filtered to the user's own mutuals
    # The service worker's script: addresses and static files, no tenant data.
    "offline_service_worker": Rule(expect=frozenset({200, NOT_ALLOWED})),
}


def plant(world, others) -> None:
    """The other tenant's revoked card and suspended member (with a card), in a household
    named with the sentinel, and a convention between their mutual and their provider."""
    from mutuelle.cards.actions import issue_cards, revoke_card
    from mutuelle.members.actions import NewHousehold, NewPerson, enrol_household, move_statuses
    from mutuelle.members.models import Membership
    from mutuelle.providers.actions import ConventionData, create_convention

    from ..conftest import SENTINEL

    on = date(2026, 11, 24)
    persons = [
        NewPerson("Grace", SENTINEL, "F", "head", birth_year=1981),
        NewPerson("Paul", SENTINEL, "M", "child", birth_year=2011),
    ]
    household = enrol_household(
        world.admin,
        world.mutual_b,
        NewHousehold(persons=persons, confirmed_warnings={"household.duplicate_suspect"}),
        on,
    )
    head, child = Membership.unscoped.filter(person__household=household).order_by("number")
    revoked, _suspended = issue_cards(world.admin, [head, child])
    revoke_card(world.admin, revoked, "stolen")
    move_statuses(world.mutual_b, [child.pk], ["pending"], "suspended", on, "arrears")
    create_convention(
        None, world.mutual_b, world.provider_b, ConventionData(reference="OFF-B", start=on)
    )
    others.offline_revoked_card = revoked
    others.offline_suspended = child


def snapshot(others) -> dict:
    from mutuelle.cards.models import Card
    from mutuelle.members.models import Membership

    return {
        "offline_card": Card.unscoped.get(pk=others.offline_revoked_card.pk).status,
        "offline_member": Membership.unscoped.get(pk=others.offline_suspended.pk).status,
    }
