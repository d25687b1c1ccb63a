from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "mutuelle.claims"
    label = "claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        # The invoice importer and the adjudication job register themselves.
        from . import imports, jobs  # noqa: F401
