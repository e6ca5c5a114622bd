from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    """Sharing made visible: who viewed my information, privacy inquiries, un-refunded money,
    the exchange log behind the operations view."""

    name = "sharing.tracker"
    label = "tracker"
    verbose_name = _("Data-access tracker and refunds")

    def ready(self):
        from . import receivers  # noqa: F401 (connects the exchange recorder)
