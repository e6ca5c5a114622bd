"""Refund claims: the petitions filed from a refund inquiry's answers ("apply for all").

The inquiry and its answers are the tracker's (sharing.tracker, over the sharing backbone);
filing the claims is petitions' own writing, so it lives here, above both.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sharing.tracker import selectors
from sharing.tracker.errors import TrackerError
from sharing.tracker.models import RefundClaim, RefundInquiry

from .errors import PetitionError
from .models import FormField, PetitionType
from .services import petition_draft_start, petition_draft_update_answers, petition_submit

logger = logging.getLogger(__name__)


def refund_claim_types() -> dict:
    """The refund-claim petition type of each refund item (settings.TRACKER_REFUND_CLAIM_TYPES)."""
    slugs = dict(getattr(settings, "TRACKER_REFUND_CLAIM_TYPES", {}))
    types = {
        t.slug: t
        for t in PetitionType.objects.filter(slug__in=slugs.values(), active=True).prefetch_related("form_fields")
    }
    return {item_code: types[slug] for item_code, slug in slugs.items() if slug in types}


def claim_form_specs(petition_type) -> tuple[str | None, list[dict]]:
    """The key of the type's bank-account field and the specs of its other fields (no files)."""
    bank_key = None
    others = []
    for field in petition_type.form_fields.all():
        if field.type == FormField.Type.BANK_ACCOUNT and bank_key is None:
            bank_key = field.key
        elif field.type != FormField.Type.FILE:
            others.append(field.snapshot())
    return bank_key, others


@transaction.atomic
def refund_claims_file(
    *, inquiry: RefundInquiry, applicant, bank_account: dict, answers_by_item: dict[str, dict] | None = None
) -> list:
    """ "Apply for all": one refund-claim petition per agency that holds money, in one step.

    Each petition is filed through the petitions services and then follows the normal flow.
    Already claimed items are not filed again. Returns the petitions filed now.
    """
    if inquiry.citizen_id != applicant.pk:
        raise TrackerError(_("This inquiry is not yours."))
    if not (bank_account or {}).get("bank") or not (bank_account or {}).get("number"):
        raise TrackerError(_("Give the bank and the account number for the refunds."))
    summary = selectors.refund_summary(inquiry=inquiry)
    if summary.pending:
        raise TrackerError(_("Wait until every agency has answered."))
    claim_types = refund_claim_types()
    already = set(RefundClaim.objects.filter(inquiry=inquiry).values_list("item_code", flat=True))
    rows = [row for row in summary.with_money if row.fetch.item.code not in already]
    if not rows:
        raise TrackerError(_("There is nothing left to claim from this inquiry."))
    filed = []
    for row in rows:
        item_code = row.fetch.item.code
        petition_type = claim_types.get(item_code)
        if petition_type is None:
            raise TrackerError(
                _("Refunds of “%(item)s” cannot be claimed online yet. Call the help desk at 110.")
                % {"item": row.fetch.item.name}
            )
        bank_key, _specs = claim_form_specs(petition_type)
        answers = dict((answers_by_item or {}).get(item_code) or {})
        if bank_key:
            answers[bank_key] = {"bank": bank_account["bank"], "number": bank_account["number"]}
        try:
            draft = petition_draft_start(petition_type=petition_type, applicant=applicant)
            draft = petition_draft_update_answers(petition=draft, answers=answers, next_step="review")
            petition = petition_submit(petition=draft, actor=applicant, submit_token=draft.submit_token)
        except PetitionError as exc:
            raise TrackerError(exc.message) from exc
        RefundClaim.objects.create(inquiry=inquiry, item_code=item_code, petition=petition)
        filed.append(petition)
    logger.info("refund claims filed inquiry=%s petitions=%s", inquiry.case_ref, len(filed))
    return filed
