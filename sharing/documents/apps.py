from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """The e-document store: receipts, results and attachments as verifiable files."""

    name = "sharing.documents"
    label = "documents"
    verbose_name = _("E-documents")
