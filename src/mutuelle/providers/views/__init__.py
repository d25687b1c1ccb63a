from .conventions import (
    convention_create,
    convention_detail,
    convention_edit,
    convention_list,
    schedule_adopt,
    schedule_copy,
    schedule_create,
    schedule_detail,
    schedule_import,
    tariff_line_create,
    tariff_line_delete,
)
from .registry import (
    attachment_end,
    attachment_list,
    provider_detail,
    provider_list,
    provider_profile,
)

__all__ = [
    "attachment_end",
    "attachment_list",
    "convention_create",
    "convention_detail",
    "convention_edit",
    "convention_list",
    "provider_detail",
    "provider_list",
    "provider_profile",
    "schedule_adopt",
    "schedule_copy",
    "schedule_create",
    "schedule_detail",
    "schedule_import",
    "tariff_line_create",
    "tariff_line_delete",
]
