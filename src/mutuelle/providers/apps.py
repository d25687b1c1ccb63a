from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "mutuelle.providers"
    label = "providers"
    verbose_name = _("Health care providers")

    def ready(self) -> None:
        from . import imports  # noqa: F401
