from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContributionsConfig(AppConfig):
    name = "mutuelle.contributions"
    label = "contributions"
    verbose_name = _("Contributions")

    def ready(self) -> None:
        # The billing job kind registers itself; the revenue recognition is a daily job.
        from . import imports, jobs, opening  # noqa: F401

        jobs.declare_periodic()
