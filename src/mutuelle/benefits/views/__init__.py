from .catalogue import act_create, act_detail, act_list, act_starter
from .packages import (
    line_create,
    line_delete,
    package_create,
    package_detail,
    package_list,
    version_adopt,
    version_copy,
    version_detail,
    version_preview,
    version_terms,
)

__all__ = [
    "act_create",
    "act_detail",
    "act_list",
    "act_starter",
    "line_create",
    "line_delete",
    "package_create",
    "package_detail",
    "package_list",
    "version_adopt",
    "version_copy",
    "version_detail",
    "version_preview",
    "version_terms",
]
