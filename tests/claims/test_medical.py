"""Who may see medical details: medical roles of the mutual and the treating provider."""

import pytest

from mutuelle.claims import medical
from mutuelle.core.models import AuditEvent
from mutuelle.core.roles import Role

pytestmark = pytest.mark.django_db


def test_only_medical_roles_and_the_treating_provider_see_medical_details(world):
    mutual, provider = world.mutual_a, world.provider_a
    assert medical.may_see(world.persona(Role.MEDICAL_ADVISER), mutual, provider)
    assert medical.may_see(world.clerk, mutual, provider)
    assert not medical.may_see(world.clerk, mutual, world.provider_b)
    for role in (Role.CLAIMS_OFFICER, Role.CASHIER, Role.MUTUAL_MANAGER, Role.ACCOUNTANT):
        assert not medical.may_see(world.persona(role), mutual, provider), role
    assert not medical.may_see(world.manager_b, mutual, provider)


def test_each_access_is_logged(world):
    medical.shown(world.clerk, world.mutual_a, world.mutual_a)
    assert AuditEvent.unscoped.filter(action="medical.viewed", actor=world.clerk).count() == 1
