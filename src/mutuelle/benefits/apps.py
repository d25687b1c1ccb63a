from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "mutuelle.benefits"
    label = "benefits"
    verbose_name = _("Benefits")

    def ready(self) -> None:
        # The acts importer registers itself with the import framework.
        from . import imports  # noqa: F401
