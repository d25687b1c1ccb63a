"""Write audit rows. Actions call `record(...)` inside their transaction."""

from typing import Any

from django.db.models import Model

from .models import AuditEvent, Organization


def record(
    actor,
    action: str,
    obj: Model | None = None,
    organization: Organization | None = None,
    **data: Any,
) -> AuditEvent:
    return AuditEvent.unscoped.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organization=organization,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(getattr(obj, "uuid", None) or getattr(obj, "pk", "")) if obj else "",
        data=data,
    )
