from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Public information sharing")

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
