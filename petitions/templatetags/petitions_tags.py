"""Words for citizens about petitions and fetches."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sharing.errors import AGENCY_DOWN_CODES, USE_REFUSAL_CODES

register = template.Library()

_DOWN_CODES = AGENCY_DOWN_CODES

FETCH_BADGES = {
    "waiting": "bg-light-gray",
    "fetching": "bg-light-information",
    "fetched": "bg-light-success",
    "retrying": "bg-light-warning",
    "agency_unavailable": "bg-light-warning",
    "failed": "bg-light-danger",
    "refused": "bg-light-danger",
    "not_applicants": "bg-light-danger",
}

STATUS_BADGES = {
    "draft": "bg-light-gray",
    "submitted": "bg-light-information",
    "collecting_information": "bg-light-information",
    "under_review": "bg-light-primary",
    "supplement_requested": "bg-light-warning",
    "supplement_submitted": "bg-light-primary",
    "approved": "bg-light-success",
    "rejected": "bg-light-danger",
    "withdrawn": "bg-light-gray",
}


def _time(value) -> str:
    if not value:
        return ""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


@register.simple_tag
def fetch_status_text(fetch) -> str:
    agency = fetch.item.agency.name
    state = fetch.state
    if state == "fetched":
        return _("Received from %(agency)s at %(time)s") % {"agency": agency, "time": _time(fetch.fetched_at)}
    if state == "waiting":
        return _("Waiting to ask %(agency)s") % {"agency": agency}
    if state == "fetching":
        return _("Asking %(agency)s now") % {"agency": agency}
    if state == "failed" and fetch.error_code == "uploaded_instead":
        return _("You uploaded the document instead; %(agency)s is no longer asked.") % {"agency": agency}
    if state == "failed" and fetch.error_code == "verified_otherwise":
        return _("The official verified this by other means; %(agency)s is no longer asked.") % {"agency": agency}
    if state in ("retrying", "agency_unavailable", "fetching") and fetch.error_code in _DOWN_CODES:
        return _("%(agency)s cannot answer at the moment; we keep trying. %(reason)s") % {
            "agency": agency,
            "reason": fetch.error_message,
        }
    if state in ("retrying", "agency_unavailable"):
        if fetch.next_attempt_at:
            return _("%(agency)s did not answer yet; we try again at %(time)s") % {
                "agency": agency,
                "time": _time(fetch.next_attempt_at),
            }
        return _("%(agency)s did not answer yet; we try again shortly") % {"agency": agency}
    if state == "refused" and fetch.error_code in USE_REFUSAL_CODES:
        return _("Not asked of %(agency)s: %(reason)s") % {"agency": agency, "reason": fetch.error_message}
    if state == "refused":
        return _("%(agency)s refused the request: %(reason)s") % {"agency": agency, "reason": fetch.error_message}
    if state == "not_applicants":
        return _(
            "According to %(agency)s, what you entered is registered to someone else, and this petition may "
            "use only your own. What it sent was discarded without being stored or shown to anyone. Check "
            "the number you entered, or upload the document yourself."
        ) % {"agency": agency}
    return _(
        "Could not be received from %(agency)s: %(reason)s The official can fetch it again, or may ask you "
        "to upload the document."
    ) % {"agency": agency, "reason": fetch.error_message}


@register.filter
def fetch_badge(fetch) -> str:
    return FETCH_BADGES.get(fetch.state, "bg-light-gray")


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "bg-light-gray")


@register.filter
def status_label(status: str) -> str:
    """``petition.get_status_display`` from the status value (a dict look-up: the model's method
    rebuilds the choices on every call)."""
    from petitions.models import Petition

    return str(_labels(Petition.Status).get(status, status))


@register.filter
def fetch_state_label(state: str) -> str:
    """``fetch.get_state_display`` from the state value."""
    from sharing.models import FetchRequest

    return str(_labels(FetchRequest.State).get(state, state))


_LABELS: dict = {}


def _labels(choices) -> dict:
    labels = _LABELS.get(choices)
    if labels is None:
        labels = _LABELS[choices] = dict(choices.choices)  # lazy labels: translated when shown
    return labels


@register.simple_tag
def citizen_next_step(petition) -> str:
    """What is expected of the citizen now, in one sentence."""
    status = petition.status
    if status == "supplement_requested":
        supplement = petition.open_supplements[0] if getattr(petition, "open_supplements", None) else None
        if supplement and supplement.due_date:
            return _("Answer the supplement request by %(date)s.") % {"date": supplement.due_date.isoformat()}
        return _("Answer the supplement request.")
    if status in ("submitted", "collecting_information"):
        return _("Nothing to do: we are collecting the information for you.")
    if status in ("under_review", "supplement_submitted"):
        return _("Nothing to do: the office is reviewing your petition.")
    if status == "approved":
        return _("Approved: download the result notice.")
    if status == "rejected":
        return _("Rejected: read the reason in the result notice.")
    if status == "withdrawn":
        return _("Withdrawn: nothing more will happen.")
    return ""


@register.simple_tag
def pick(ko: str, en: str) -> str:
    return en if (get_language() or "ko").startswith("en") and en else ko


@register.filter
def won(value) -> str:
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    if amount == 0:
        return _("Free")
    return _("%(amount)s won") % {"amount": f"{amount:,}"}
