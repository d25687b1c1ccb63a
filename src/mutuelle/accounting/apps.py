from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountingConfig(AppConfig):
    name = "mutuelle.accounting"
    label = "accounting"
    verbose_name = _("Accounting")

    def ready(self):
        # The opening balances importer registers itself.
        from . import imports  # noqa: F401
