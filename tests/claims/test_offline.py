"""The offline card verifier's server side: the snapshot a device downloads (what it holds,
for whom, at what cost), the page and the service worker's script."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutuelle.cards.actions import issue_cards, revoke_card
from mutuelle.cards.models import Card
from mutuelle.claims import offline
from mutuelle.claims.views.offline import PRECACHE
from mutuelle.core.models import RoleGrant, User
from mutuelle.core.roles import Role
from mutuelle.members.actions import move_statuses
from mutuelle.members.models import Membership

from ..conftest import SENTINEL, make_org
from ..contributions.helpers import household
from .helpers import convention

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
ISSUED = date(2026, 11, 24)


def members_of(home) -> list[Membership]:
    return list(Membership.unscoped.filter(person__household=home).order_by("number"))


@dataclass
class Side:
    active: Membership  # card in force, nothing against it
    suspended: Membership  # card in force, membership suspended
    stolen: Card  # revoked, not expired
    left: list[Membership]  # withdrawn long ago, their cards expired


def plant(world, mutual, actor, family) -> Side:
    """A household with an active head, a spouse whose card was stolen (and replaced) and a
    suspended child; another household that left the mutual after its cards expired."""
    other = None if mutual == world.mutual_a else mutual  # the helper enrols as B's manager
    home = household(world, family=family, on=date(2025, 1, 10), mutual=other)
    head, spouse, child = members_of(home)
    move_statuses(mutual, [head.pk, spouse.pk], ["pending"], "active", date(2025, 2, 1), "t")
    move_statuses(mutual, [child.pk], ["pending"], "suspended", date(2026, 6, 1), "arrears")
    head, spouse, child = members_of(home)
    cards = issue_cards(actor, [head, spouse, child], on=ISSUED)
    stolen = revoke_card(actor, cards[1], "stolen")
    issue_cards(actor, [spouse], on=ISSUED)  # the replacement

    gone = household(world, family=f"{family}-Old", on=date(2025, 1, 10), mutual=other)
    old_cards = issue_cards(actor, members_of(gone), on=date(2025, 1, 10))  # until 2026-01-09
    revoke_card(actor, old_cards[0], "lost")
    ids = [m.pk for m in members_of(gone)]
    move_statuses(mutual, ids, ["pending"], "withdrawn", date(2026, 3, 1), "free_exit")
    return Side(active=head, suspended=child, stolen=stolen, left=members_of(gone))


def a_side(world) -> Side:
    return plant(world, world.mutual_a, world.enrolment, "Diop")


def b_side(world) -> Side:
    return plant(world, world.mutual_b, world.manager_b, "Bafut")


def get_snapshot(client, user):
    client.force_login(user)
    response = client.get(reverse("offline_snapshot"))
    assert response.status_code == 200, response.status_code
    return response


def assert_nothing_of(side: Side, text: str) -> None:
    """Not one number or serial of the other side, nor the sentinel of their names."""
    assert SENTINEL not in text
    for m in [side.active, side.suspended, *side.left]:
        assert m.number not in text
    for serial in Card.unscoped.filter(membership__organization=side.active.organization_id):
        assert serial.serial not in text


@time_machine.travel(NOW, tick=False)
def test_a_clerk_gets_the_revocations_and_statuses_of_the_mutuals_their_provider_serves(
    client, world
):
    a, b = a_side(world), b_side(world)
    convention(world)  # provider A serves mutual A
    convention(world, provider=world.provider_b, party=world.mutual_b)
    response = get_snapshot(client, world.clerk)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"v", "at", "on", "m", "r", "s"}
    assert body["v"] == 1 and body["on"] == "2026-12-02"
    at = datetime.fromisoformat(body["at"])
    assert at == NOW and at.utcoffset() == timedelta(0)  # the provider's zone: Dakar, UTC
    assert body["m"] == [["MA", "Mutuelle de Keur Massar"]]
    # The stolen card; not the old household's revoked card (expired: the device says so).
    assert body["r"] == [a.stolen.serial]
    # The suspended child; not the active head, nor the members who left with expired cards.
    assert body["s"] == {a.suspended.number: "suspended"}
    text = response.content.decode()
    assert_nothing_of(b, text)
    # Nothing personal: no name of anyone in the household, no birth year.
    for word in ("Diop", "Mamadou", "Ndiaye", "Aïssatou", "1978"):
        assert word not in text
    assert "\n" not in text and ", " not in text  # one compact line


@time_machine.travel(NOW, tick=False)
def test_a_union_convention_serves_every_mutual_of_the_union_and_none_before_it_starts(
    client, world
):
    a_side(world)
    sibling = make_org("mutual", "MA2", world.union_a, name="Mutuelle de Pout")
    convention(world, party=world.union_a, start=date(2027, 1, 1))
    assert get_snapshot(client, world.clerk).json() | {"at": None} == {
        "v": 1,
        "at": None,
        "on": "2026-12-02",
        "m": [],
        "r": [],
        "s": {},
    }
    from mutuelle.providers.models import Convention
    from mutuelle.providers.queries import clear_served_cache

    Convention.unscoped.update(start=date(2026, 1, 1))
    clear_served_cache()  # as saving a convention through providers.actions does
    body = get_snapshot(client, world.clerk).json()
    assert body["m"] == [["MA", "Mutuelle de Keur Massar"], ["MA2", sibling.name]]


@time_machine.travel(NOW, tick=False)
def test_mutual_staff_get_the_mutuals_of_their_scope(client, world):
    a, b = a_side(world), b_side(world)
    for user in (world.enrolment, world.cashier, world.claims, world.adviser):
        response = get_snapshot(client, user)
        body = response.json()
        assert body["m"] == [["MA", "Mutuelle de Keur Massar"]]
        assert body["r"] == [a.stolen.serial]
        assert body["s"] == {a.suspended.number: "suspended"}
        assert_nothing_of(b, response.content.decode())
    # A platform administrator's scope is the whole platform.
    body = offline.snapshot(world.admin)
    assert [code for code, _name in body["m"]] == ["MA", "MB"]
    assert sorted(body["r"]) == sorted([a.stolen.serial, b.stolen.serial])
    assert body["s"] == {a.suspended.number: "suspended", b.suspended.number: "suspended"}


@time_machine.travel(NOW, tick=False)
def test_every_status_but_active_is_listed_for_cards_in_circulation(client, world):
    a = a_side(world)
    home = household(world, family="Sow", on=date(2026, 1, 10))
    members = members_of(home)
    issue_cards(world.enrolment, members, on=ISSUED)
    for member, status in zip(members, ["withdrawn", "deceased", "excluded"], strict=True):
        move_statuses(world.mutual_a, [member.pk], ["pending"], status, date(2026, 12, 1), "t")
    pending = household(world, family="Ba", on=date(2026, 11, 30))
    issue_cards(world.enrolment, members_of(pending), on=ISSUED)
    body = get_snapshot(client, world.enrolment).json()
    assert body["s"] == {
        a.suspended.number: "suspended",
        members[0].number: "withdrawn",
        members[1].number: "deceased",
        members[2].number: "excluded",
        **{m.number: "pending" for m in members_of(pending)},
    }


@time_machine.travel(NOW, tick=False)
def test_who_may_not_check_eligibility_gets_neither_page_nor_snapshot(client, world):
    a_side(world)
    for user in (world.accountant, world.auditor, world.focal_sn):
        client.force_login(user)
        assert client.get(reverse("offline_snapshot")).status_code == 403
        assert client.get(reverse("offline_verifier")).status_code == 403
    client.logout()
    for name in ("offline_snapshot", "offline_verifier"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/login/")


@time_machine.travel(NOW, tick=False)
def test_the_snapshot_costs_the_same_queries_whatever_the_register_holds(world):
    convention(world)
    a_side(world)

    def measure():
        from mutuelle.providers.queries import clear_served_cache

        user = User.objects.get(pk=world.clerk.pk)  # no grants cached
        clear_served_cache()  # nor the mutuals the provider serves: a cold snapshot each time
        with CaptureQueriesContext(connection) as queries:
            body = offline.snapshot(user)
        return len(queries), body

    few, small = measure()
    for family in ("Fall", "Sow", "Ndiaye", "Faye"):
        plant(world, world.mutual_a, world.enrolment, family)
    many, large = measure()
    assert len(large["s"]) == 5 * len(small["s"]) and len(large["r"]) == 5 * len(small["r"])
    assert many == few


@time_machine.travel(NOW, tick=False)
def test_the_service_worker_is_served_fresh_as_javascript_from_the_pages_folder(client, world):
    response = client.get(reverse("offline_service_worker"))  # anyone: no tenant data
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    script = response.content.decode()
    page = reverse("offline_verifier")
    # Its default scope is its own folder, which holds the page.
    assert reverse("offline_service_worker").rsplit("/", 1)[0] + "/" == page
    config = json.loads(script.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["page"] == page
    assert config["data"] == [reverse("card_public_keys"), reverse("offline_snapshot")]
    for name in PRECACHE:
        assert static(name) in config["assets"]
    assert config["static"] == settings.STATIC_URL and len(config["version"]) == 12
    assert "&quot;" not in script and "&lt;" not in script  # not HTML-escaped
    assert client.post(reverse("offline_service_worker")).status_code == 405


@time_machine.travel(NOW, tick=False)
def test_the_page_carries_its_texts_in_the_users_language(client, world):
    client.force_login(world.clerk)
    page = client.get(reverse("offline_verifier"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="fr">' in html
    assert 'id="offline-config"' in html and "offline-verifier.js" in html
    assert "nacl-fast.min.js" in html
    assert 'data-card-scan data-target="#offline-payload"' in html  # the camera, where there is one
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("offline_verifier")).content.decode()
    assert '<html lang="en">' in html
    raw = html.split('<script id="offline-config" type="application/json">', 1)[1]
    config = json.loads(raw.split("</script>", 1)[0])
    assert config["lang"] == "en" and config["user"] == str(world.clerk.uuid)
    assert config["snapshot_url"] == reverse("offline_snapshot")
    assert config["keys_url"] == reverse("card_public_keys")
    assert config["stale_days"] == offline.STALE_AFTER_DAYS == 7
    outcomes = ["valid", "unknown_mutual", "malformed", "unknown_key", "bad_signature"]
    outcomes += ["expired", "revoked", "suspended", "withdrawn", "deceased", "excluded"]
    outcomes += ["pending", "inactive"]
    for code in outcomes:
        assert config["texts"][code] and config["texts"][f"{code}_detail"]
    assert config["texts"]["valid"] == "Valid card"


@pytest.mark.parametrize("role", [r for r in Role if r != Role.PLATFORM_ADMIN])
@time_machine.travel(NOW, tick=False)
def test_no_user_of_the_first_tenant_gets_a_number_or_serial_of_the_other(client, world, role):
    """The isolation harness's view, for these three addresses: every role of the first
    tenant (the clerk's provider serving mutual A), the other tenant holding revoked cards and
    suspended members, and a convention with its own provider."""
    b = b_side(world)
    convention(world)
    convention(world, provider=world.provider_b, party=world.mutual_b)
    user = world.persona(role)
    if role == Role.NETWORK_COORDINATOR:  # coordinating a sub-network without the other tenant
        RoleGrant.objects.filter(user=user).update(organization=world.union_a)
    client.force_login(user)
    for name in ("offline_verifier", "offline_snapshot", "offline_service_worker"):
        response = client.get(reverse(name))
        assert response.status_code in {200, 403}, (name, response.status_code)
        assert_nothing_of(b, response.content.decode())
