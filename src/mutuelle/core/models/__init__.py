from .audit import AuditEvent
from .jobs import ImportFile, ImportRow, Job, PeriodicRun, SchedulerLease, WorkerHeartbeat
from .notifications import Notification
from .organizations import Organization, OrgKind
from .places import Place, PlaceLevel
from .users import RoleGrant, Scope, User

__all__ = [
    "AuditEvent",
    "ImportFile",
    "ImportRow",
    "Job",
    "Notification",
    "OrgKind",
    "Organization",
    "PeriodicRun",
    "Place",
    "PlaceLevel",
    "RoleGrant",
    "SchedulerLease",
    "Scope",
    "User",
    "WorkerHeartbeat",
]
