from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    """The simulated information-owning agencies (synthetic registers behind the standard connection)."""

    name = "sharing.sandbox"
    label = "sandbox"
    verbose_name = _("Sandbox agencies")

    def ready(self):
        from portal.consistency import agency_report_register

        from .consistency import agencies_report

        agency_report_register(agencies_report)
