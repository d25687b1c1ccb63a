from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "mutuelle.cards"
    label = "cards"
    verbose_name = _("Membership cards")

    def ready(self) -> None:
        # The print job kind registers itself; the daily revocation of leavers' cards is
        # declared here (members sits below cards and never calls it).
        from . import jobs

        jobs.declare_periodic()
