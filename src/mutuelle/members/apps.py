from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "mutuelle.members"
    label = "members"
    verbose_name = _("Member register")

    def ready(self) -> None:
        # The households importer and the register's job kinds register themselves.
        from . import imports, jobs  # noqa: F401

        jobs.declare_periodic()
