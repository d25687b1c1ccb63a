from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "mutuelle.members"
    label = "members"
    verbose_name = _("Member register")

    def ready(self) -> None:
        from . import imports  # noqa: F401  (registers the households importer)
        from . import jobs

        jobs.declare_periodic()
