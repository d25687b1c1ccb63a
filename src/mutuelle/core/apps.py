from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "mutuelle.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import backups, checks, imports, notifications, tasks  # noqa: F401
