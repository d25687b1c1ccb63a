"""Management commands that are not covered elsewhere: generate, demo."""

import pytest
from django.core.management import call_command

from mutuelle.core.demo import network
from mutuelle.core.models import Organization, RoleGrant, User
from mutuelle.core.roles import Role

pytestmark = pytest.mark.django_db


def generated(prefix):
    return sorted(
        User.objects.filter(username__startswith=prefix).values_list("username", "full_name")
    )


def test_generate_is_deterministic():
    args = ["--unions", "2", "--mutuals", "3", "--staff", "4", "--seed", "7"]
    call_command("generate", "network", "--code", "G1", *args)
    call_command("generate", "network", "--code", "G2", *args)
    first, second = generated("g1."), generated("g2.")
    assert [n for _, n in first] == [n for _, n in second] and len(first) == 24
    assert Organization.unscoped.filter(code__startswith="G2-", kind="mutual").count() == 6
    managers = RoleGrant.objects.filter(user__username__startswith="g2.", role="mutual_manager")
    assert managers.count() == 6


def test_the_demo_network_loads_once_with_every_part(capsys):
    # The demo takes seconds to load: it is loaded once here, and each area's checks of it
    # (tests/<area>/demo_checks.py) run on it.
    from ..benefits import demo_checks as benefits
    from ..claims import demo_checks as claims
    from ..providers import demo_checks as providers

    call_command("demo")
    call_command("demo")
    out = capsys.readouterr().out
    assert "already loaded" in out and "gerant.km" in out
    assert set(RoleGrant.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="gerant.km").check_password(network.password_for("gerant.km"))
    check_the_register_has_polygamous_withdrawn_and_deceased_members()
    benefits.check_catalogue_and_packages_in_force()
    providers.check_profiles_conventions_and_adopted_tariffs()
    providers.check_logins_see_their_conventions()
    claims.check_claims_with_every_kind_of_outcome()


def test_generated_households_are_the_same_for_the_same_seed(world):
    from mutuelle.members.models import Household, Person

    call_command("generate", "households", "--mutual", "MA", "--households", "30", "--seed", "5")
    first = list(
        Person.unscoped.order_by("pk").values_list(
            "given_names", "family_name", "relationship", "birth_year"
        )
    )
    Person.unscoped.update(household=None)
    Household.unscoped.all().delete()
    from mutuelle.members.models import Membership, StatusEvent

    StatusEvent.unscoped.all().delete()
    Membership.unscoped.all().delete()
    Person.unscoped.all().delete()
    call_command("generate", "households", "--mutual", "MA", "--households", "30", "--seed", "5")
    second = list(
        Person.unscoped.order_by("pk").values_list(
            "given_names", "family_name", "relationship", "birth_year"
        )
    )
    assert first == second and len(first) > 60
    heads = Person.unscoped.filter(relationship="head").count()
    assert heads == 30 == Household.unscoped.exclude(head=None).count()


def check_the_register_has_polygamous_withdrawn_and_deceased_members():
    from django.db.models import Count

    from mutuelle.members.models import Household, Membership

    assert Household.unscoped.count() == 600
    assert (
        Household.unscoped.annotate(spouses=Count("persons", filter=models_q("spouse")))
        .filter(spouses__gte=2)
        .exists()
    )
    statuses = set(Membership.unscoped.values_list("status", flat=True))
    assert {"active", "withdrawn", "deceased"} <= statuses
    from mutuelle.members.models import DuplicatePair, Person

    suspects = DuplicatePair.unscoped.filter(decision="open").count()
    assert 0 < suspects < 300, suspects  # a list an officer can work through
    assert Person.unscoped.exclude(aged_out_on=None).filter(relationship="child").exists()


def models_q(relationship):
    from django.db.models import Q

    return Q(persons__relationship=relationship)
