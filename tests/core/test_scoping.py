import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from mutuelle.core import actions
from mutuelle.core.models import AuditEvent, Organization, RoleGrant, User
from mutuelle.core.permissions import can
from mutuelle.core.roles import Perm, Role, Scope
from mutuelle.core.scoping import get_for_user, scope, visible_organizations

VIEW = Perm.VIEW_ORGANIZATIONS

pytestmark = pytest.mark.django_db


def codes(qs):
    return sorted(o.code for o in qs)


def test_it_has_no_default_manager_named_objects():
    assert not hasattr(Organization, "objects")


def test_it_shows_each_scope_its_own_organizations(world):
    assert codes(visible_organizations(world.manager, VIEW)) == ["MA", "MA-S1"]
    assert codes(visible_organizations(world.union_manager, VIEW)) == ["MA", "MA-S1", "PA", "UA"]
    assert codes(visible_organizations(world.focal_sn, VIEW)) == ["MA", "MA-S1", "NET", "PA", "UA"]
    assert codes(visible_organizations(world.clerk, Perm.CHECK_ELIGIBILITY)) == ["PA"]
    assert codes(visible_organizations(world.clerk, VIEW)) == []
    assert len(visible_organizations(world.admin, VIEW)) == Organization.unscoped.count()
    assert codes(visible_organizations(world.manager_b, VIEW)) == ["MB"]


def test_it_adds_ancestors_for_reference_data(world):
    assert codes(visible_organizations(world.manager, VIEW, include_ancestors=True)) == [
        "MA",
        "MA-S1",
        "NET",
        "UA",
    ]


def test_it_answers_404_across_tenants(world):
    qs = Organization.unscoped.all()
    assert (
        get_for_user(qs, world.manager, VIEW, field="", uuid=world.mutual_a.uuid) == world.mutual_a
    )
    with pytest.raises(Http404):
        get_for_user(qs, world.manager, VIEW, field="", uuid=world.mutual_b.uuid)
    with pytest.raises(Http404):
        get_for_user(qs, world.manager, VIEW, field="", uuid="not-a-uuid")


def test_it_scopes_owned_rows_through_their_organization(world):
    AuditEvent.unscoped.create(action="a", organization=world.mutual_a)
    AuditEvent.unscoped.create(action="b", organization=world.mutual_b)
    events = AuditEvent.unscoped.filter(action__in=["a", "b"])
    assert [e.action for e in scope(events, world.manager, Perm.VIEW_AUDIT)] == ["a"]
    assert [e.action for e in scope(events, world.manager_b, Perm.VIEW_AUDIT)] == ["b"]


def test_revoked_grants_give_nothing(world):
    grant = RoleGrant.objects.get(user=world.manager)
    actions.revoke_role(world.admin, grant)
    world.manager._active_grants = None
    assert codes(visible_organizations(world.manager, VIEW)) == []
    assert not can(world.manager, Perm.VIEW_USERS)
    assert AuditEvent.unscoped.filter(action="role.revoked").count() == 1


def test_a_manager_grants_within_the_mutual_only(world):
    user = actions.create_user(
        world.manager,
        username="newagent",
        full_name="Nouvel Agent",
        home_organization=world.mutual_a,
    ).user
    actions.grant_role(
        world.manager,
        user,
        role=Role.CASHIER,
        scope=Scope.ORGANIZATION,
        organization=world.mutual_a,
    )
    with pytest.raises(ValidationError):
        actions.grant_role(
            world.manager,
            user,
            role=Role.CASHIER,
            scope=Scope.ORGANIZATION,
            organization=world.mutual_b,
        )
    with pytest.raises(ValidationError):
        actions.grant_role(
            world.manager,
            user,
            role=Role.UNION_MANAGER,
            scope=Scope.ORGANIZATION,
            organization=world.union_a,
        )
    with pytest.raises(PermissionDenied):
        actions.create_user(
            world.manager, username="x", full_name="X", home_organization=world.mutual_b
        )


def test_organization_paths_follow_the_tree(world):
    assert world.section_a.path == f"{world.mutual_a.path}{world.section_a.pk}/"
    assert world.section_a.ancestor_ids() == [world.network.pk, world.union_a.pk, world.mutual_a.pk]
    with pytest.raises(ValidationError):
        actions.create_organization(
            None,
            parent=world.section_a,
            kind="union",
            code="BAD",
            name="Bad",
            country="SN",
            currency="XOF",
        )
    with pytest.raises(ValidationError):
        actions.create_organization(
            None,
            parent=world.union_a,
            kind="mutual",
            code="BAD2",
            name="Bad",
            country="SN",
            currency="ZZZ",
        )


def test_a_union_manager_adds_a_mutual_on_screen(client, world):
    from django.urls import reverse

    client.force_login(world.union_manager)
    url = reverse("organization_create", args=[world.union_a.uuid])
    page = client.get(url)
    kinds = [k for k, _ in page.context["form"].fields["kind"].choices]
    assert kinds == ["mutual", "provider"]
    response = client.post(
        url,
        {
            "kind": "mutual",
            "code": "MNEW",
            "name": "Mutuelle de Pout",
            "country": "SN",
            "currency": "XOF",
            "time_zone": "Africa/Dakar",
            "language": "fr",
        },
    )
    assert response.status_code == 302
    created = Organization.unscoped.get(code="MNEW")
    assert created.parent == world.union_a and created.path.startswith(world.union_a.path)
    # The union manager may not add under another union, nor may a mutual manager add at all.
    assert client.get(reverse("organization_create", args=[world.union_b.uuid])).status_code == 404
    client.force_login(world.manager)
    assert client.get(reverse("organization_create", args=[world.mutual_a.uuid])).status_code == 403


def test_a_second_role_elsewhere_widens_only_that_roles_permissions(world):
    """Manager of A and cashier of B: B's staff and audit trail stay out of sight."""
    actions.grant_role(
        world.admin,
        world.manager,
        role=Role.CASHIER,
        scope=Scope.ORGANIZATION,
        organization=world.mutual_b,
    )
    world.manager._active_grants = None
    assert codes(visible_organizations(world.manager, Perm.VIEW_USERS)) == ["MA", "MA-S1"]
    assert "MB" in codes(visible_organizations(world.manager, Perm.CHECK_ELIGIBILITY))
    assert not can(world.manager, Perm.MANAGE_USERS, world.mutual_b)


def test_a_grant_on_an_organization_without_path_sees_nothing(world):
    broken = Organization.unscoped.create(
        kind="union",
        code="NOPATH",
        name="No path",
        country="SN",
        currency="XOF",
        parent=world.network,
    )
    RoleGrant.objects.filter(user=world.union_manager).update(organization=broken)
    world.union_manager._active_grants = None
    assert codes(visible_organizations(world.union_manager, VIEW)) == []


def test_a_manager_cannot_take_over_a_higher_account(world):
    """A union manager whose home organization is a mutual stays out of that mutual manager's
    reach (no password reset, no disabling); so does a platform administrator."""
    boss = User.objects.create_user(
        username="boss", full_name="Boss", home_organization=world.mutual_a
    )
    actions.grant_role(
        None, boss, role=Role.UNION_MANAGER, scope=Scope.ORGANIZATION, organization=world.union_a
    )
    with pytest.raises(PermissionDenied):
        actions.reset_password(world.manager, boss)
    with pytest.raises(PermissionDenied):
        actions.set_active(world.manager, boss, False)
    actions.reset_password(world.union_manager, boss)  # their peer may
    root = User.objects.create_user(
        username="root2", full_name="Root", home_organization=world.network
    )
    actions.grant_role(None, root, role=Role.PLATFORM_ADMIN, scope=Scope.GLOBAL)
    with pytest.raises(PermissionDenied):
        actions.reset_password(world.coordinator, root)
    actions.reset_password(world.admin, root)
    # Their own staff: fine.
    actions.reset_password(world.manager, world.cashier)


def test_a_network_coordinator_appoints_country_focal_points(world):
    user = User.objects.create_user(username="fp.cm", full_name="Point focal CM")
    actions.grant_role(
        world.coordinator, user, role=Role.COUNTRY_FOCAL_POINT, scope=Scope.COUNTRY, country="CM"
    )
    with pytest.raises(ValidationError):  # no organization of the network in Chad
        actions.grant_role(
            world.coordinator,
            user,
            role=Role.COUNTRY_FOCAL_POINT,
            scope=Scope.COUNTRY,
            country="TD",
        )
    with pytest.raises(ValidationError):  # a union manager does not appoint focal points
        actions.grant_role(
            world.union_manager,
            user,
            role=Role.COUNTRY_FOCAL_POINT,
            scope=Scope.COUNTRY,
            country="SN",
        )


def test_an_organization_added_in_the_admin_gets_its_path(client, world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    User.objects.filter(pk=world.admin.pk).update(is_staff=True, is_superuser=True)
    client.force_login(world.admin)
    device = TOTPDevice.objects.create(user=world.admin, confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = client.post(
        "/admin/core/organization/add/",
        {
            "kind": "mutual",
            "code": "ADM1",
            "name": "Mutuelle ajoutée",
            "parent": world.union_a.pk,
            "country": "SN",
            "currency": "XOF",
            "time_zone": "Africa/Dakar",
            "language": "fr",
            "is_active": "on",
        },
    )
    assert response.status_code == 302 and "/add/" not in response.url, response.content[:3000]
    created = Organization.unscoped.get(code="ADM1")
    assert created.path == f"{world.union_a.path}{created.pk}/"
