"""The tenant-isolation harness's part for the claims app's letters screens: its URL rules,
the other tenant's objects it plants (each carrying the sentinel), and what a cross-tenant
write would change. test_tenant_isolation merges every such module (see EXTENSIONS there)."""

from .base import Rule  # noqa: F401

RULES: dict[str, Rule] = {}


def plant(world, others) -> None:
    """Set attributes on `others` (the Others object) for RULES' kwargs."""


def snapshot(others) -> dict:
    return {}
