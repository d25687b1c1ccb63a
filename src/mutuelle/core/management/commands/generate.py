"""`mutuelle generate network ...`: deterministic scale data for benchmarks and load tests.

The same arguments always produce the same rows (codes, names, users), so runs compare.
Later issues add generators (households, claims...) as further subcommands."""

import random

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mutuelle.core import actions
from mutuelle.core.models import Organization, RoleGrant, User
from mutuelle.core.roles import Role, Scope

FIRST = [
    "Awa",
    "Mamadou",
    "Fatou",
    "Ousmane",
    "Aminata",
    "Ibrahima",
    "Mariama",
    "Cheikh",
    "Khady",
    "Moussa",
    "Adama",
    "Rokhaya",
    "Boubacar",
    "Ndeye",
    "Emmanuel",
    "Grace",
]
LAST = [
    "Diop",
    "Ndiaye",
    "Fall",
    "Sow",
    "Ba",
    "Diallo",
    "Sarr",
    "Faye",
    "Gueye",
    "Cissé",
    "Traoré",
    "Keita",
    "Ngwa",
    "Tchoua",
    "Mbaye",
    "Kane",
]
STAFF_ROLES = [
    Role.ENROLMENT_OFFICER,
    Role.CASHIER,
    Role.CLAIMS_OFFICER,
    Role.ACCOUNTANT,
    Role.MEDICAL_ADVISER,
]


class Command(BaseCommand):
    help = "Generate deterministic data: `generate network --unions 3 --mutuals 10 --staff 5`."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["network", "households"])
        parser.add_argument("--mutual", help="households: the mutual's code")
        parser.add_argument("--households", type=int, default=1000)
        parser.add_argument("--code", default="GEN", help="Code prefix (unique per network).")
        parser.add_argument("--unions", type=int, default=2)
        parser.add_argument("--mutuals", type=int, default=5, help="Mutuals per union.")
        parser.add_argument("--staff", type=int, default=5, help="Staff users per mutual.")
        parser.add_argument("--password", default="generated-password")
        parser.add_argument("--seed", type=int, default=1)

    @transaction.atomic
    def handle(self, *args, **o):
        if o["what"] == "households":
            return self._households(o)
        code = o["code"].upper()
        if Organization.unscoped.filter(code=code).exists():
            raise CommandError(f"a network with code {code} exists already")
        rng = random.Random(o["seed"])  # noqa: S311  (reproducible test data, not secrets)
        net = actions.create_organization(
            None,
            parent=None,
            kind="network",
            code=code,
            name=f"Réseau {code}",
            country="SN",
            currency="XOF",
            time_zone="Africa/Dakar",
        )
        password = make_password(o["password"])  # hashed once: bulk users share it
        users, grants = [], []
        for u in range(1, o["unions"] + 1):
            union = actions.create_organization(
                None,
                parent=net,
                kind="union",
                code=f"{code}-U{u}",
                name=f"Union {u} ({code})",
                country="SN",
                currency="XOF",
                time_zone="Africa/Dakar",
            )
            for m in range(1, o["mutuals"] + 1):
                mutual = actions.create_organization(
                    None,
                    parent=union,
                    kind="mutual",
                    code=f"{code}-U{u}-M{m}",
                    name=f"Mutuelle {u}.{m} ({code})",
                    country="SN",
                    currency="XOF",
                    time_zone="Africa/Dakar",
                )
                for s in range(1, o["staff"] + 1):
                    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                    username = f"{code.lower()}.u{u}m{m}s{s}"
                    users.append(
                        User(
                            username=username,
                            full_name=name,
                            password=password,
                            home_organization=mutual,
                        )
                    )
                    role = Role.MUTUAL_MANAGER if s == 1 else STAFF_ROLES[(s - 2) % 5]
                    grants.append((username, role, mutual))
        User.objects.bulk_create(users, batch_size=1000)
        by_name = dict(
            User.objects.filter(username__in=[g[0] for g in grants]).values_list("username", "pk")
        )
        RoleGrant.objects.bulk_create(
            [
                RoleGrant(user_id=by_name[n], role=r, scope=Scope.ORGANIZATION, organization=org)
                for n, r, org in grants
            ],
            batch_size=1000,
        )
        self.stdout.write(
            f"generated network {code}: {o['unions']} unions, {o['unions'] * o['mutuals']} "
            f"mutuals, {len(users)} users (password: {o['password']})"
        )

    def _households(self, o) -> None:
        from mutuelle.core.models import Place
        from mutuelle.members.generate import generate_households

        try:
            mutual = Organization.unscoped.get(code=(o["mutual"] or "").upper(), kind="mutual")
        except Organization.DoesNotExist as exc:
            raise CommandError("--mutual must name an existing mutual's code") from exc
        villages = list(Place.unscoped.filter(country=mutual.country, depth__gte=3))
        made = generate_households(mutual, o["households"], seed=o["seed"], places=villages)
        self.stdout.write(
            f"generated {made.households} households, {made.persons} persons in {mutual.code}"
        )
