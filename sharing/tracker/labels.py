"""Words for the codes the access log records, for the citizen's "who viewed my information".

Most entries name an information item and a purpose of the catalogue (their names are data,
in both languages). The portal's own entries use fixed codes, written by:

- sharing/documents/services.py ``document_open``: item ``edocument:<kind>``, purpose
  ``edocument_download``;
- petitions/correction_services.py ``correction_view_log``: item ``edocument:<kind>``, purpose
  ``edocument_correction`` (an official opening a document to correct it);
- portal/retention.py: items ``edocument:<kind>``, ``upload``, ``draft``,
  ``identity_challenge`` and any catalogue item, purpose ``retention``;
- sharing/tracker/services.py ``access_entry_proof``: item ``access_log_proof``, purpose
  ``access_log_proof`` (a citizen downloading the proof of an entry of their own log);
- sharing/services.py (fetch and read) and sharing/tracker/services.py (refund inquiry):
  catalogue items and purposes;
- petitions/delegation_services.py ``representation_view_log``: item ``representation``,
  purposes ``delegated_filing`` and ``delegation_letter``;
- sharing/submissions/services.py ``submission_retrieve``: item ``edocument:<kind>``, purpose
  ``third_party_submission`` (a recipient the citizen sent the document to opened or downloaded it).
- petitions/api/services.py ``api_read_log``: items ``api_petitions``, ``api_documents`` and
  ``api_access_log``, purpose ``open_api`` (an app the citizen authorised read them).

A code nobody gave words to is shown as a general description, never as the code itself.
"""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from sharing.documents.models import Kind

EDOCUMENT_PREFIX = "edocument:"
ACCESS_LOG_PROOF = "access_log_proof"

PORTAL_ITEMS = {
    **{
        f"{EDOCUMENT_PREFIX}{kind.value}": format_lazy("{} ({})", kind.label, pgettext_lazy("access log", "e-document"))
        for kind in Kind
    },
    "upload": _("A file you uploaded"),
    "draft": _("A draft petition of yours"),
    "identity_challenge": _("A check of your identity"),
    ACCESS_LOG_PROOF: _("An entry of your access log, with its proof"),
    "representation": _("Your details on a petition filed for you"),
    "api_petitions": _("Your petitions and their statuses"),
    "api_documents": _("Your e-documents"),
    "api_access_log": _("Your access log"),
}

PORTAL_PURPOSES = {
    "edocument_download": _("Opening or downloading an e-document of a petition"),
    "edocument_correction": _("Correcting an e-document of a petition"),
    "retention": _("Deletion at the end of the retention period"),
    ACCESS_LOG_PROOF: _("Downloading the proof of an entry of your access log"),
    "delegated_filing": _("A petition filed for you by someone you delegated"),
    "delegation_letter": _("A petition filed for you with your signed delegation letter"),
    "third_party_submission": _("A document you submitted to a third party, retrieved by it"),
    "open_api": _("Read by an app you authorised, through the portal's open API"),
}

# The fields a portal entry may name (the catalogue's items have their own labels).
PORTAL_FIELDS = {
    "identity_challenge": {"name": _("Name"), "rrn": _("Resident registration number")},
    "representation": {
        "name": _("Name"),
        "rrn_masked": _("Resident registration number (masked)"),
        "contact": _("Contact details"),
    },
}

UNKNOWN_ITEM = _("Information about you held by the portal")
UNKNOWN_PURPOSE = _("Handling of a petition")
DRAFT_FIELDS = _("The answers you entered")


def in_english() -> bool:
    return (get_language() or "ko").startswith("en")


def item_name(code: str, items: dict) -> str:
    item = items.get(code)
    if item is not None:
        return item.name
    return str(PORTAL_ITEMS.get(code, UNKNOWN_ITEM))


def purpose_name(code: str, purposes: dict) -> str:
    if not code:
        return ""
    if code in purposes:
        return purposes[code]
    return str(PORTAL_PURPOSES.get(code, UNKNOWN_PURPOSE))


def field_labels(item_code: str, keys, labels: dict) -> list[str]:
    """``labels`` maps (item code, field key) to the catalogue's label."""
    keys = list(keys or [])
    if not keys:
        return []
    if item_code == "draft":
        return [str(DRAFT_FIELDS)]
    portal_fields = PORTAL_FIELDS.get(item_code, {})
    shown, unnamed = [], False
    for key in keys:
        label = labels.get((item_code, key)) or portal_fields.get(key)
        if label is None:
            unnamed = True
        elif str(label) not in shown:
            shown.append(str(label))
    if unnamed:
        shown.append(str(_("other fields no longer in the catalogue")))
    return shown
