from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    """The sharing hub: approved uses (이용 승인) that every fetch runs under, and the roles that
    apply for and decide them."""

    name = "sharing.hub"
    label = "hub"
    verbose_name = _("Sharing hub: approved uses")

    def ready(self) -> None:
        from . import (
            receivers,  # noqa: F401 (connects the signal receivers)
            signals_lookups,  # noqa: F401 (connects the logout receiver)
        )
