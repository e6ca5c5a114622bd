"""The official's page to correct an issued receipt or result notice (/officer/petitions/<no>/
documents/<id>/correct/): what was wrong, the corrected content, and a corrected version that
supersedes the old one.

Like the rest of the workspace it sits behind the second factor and refuses anyone who is not an
official of the petition's office with a 404 (whatever exists); an official of the office who may
not decide the petition gets 403 with the reason.
"""

from __future__ import annotations

import uuid

from axes.helpers import get_client_ip_address
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.roles import official_required

from . import correction_services as services
from . import officer_selectors as selectors
from .errors import PetitionError
from .officer_services import DecisionNotAllowed, may_decide

_NOT_ALLOWED = gettext_lazy(
    "Only the official assigned to this petition or a supervisor of the office can correct its documents."
)


class CorrectionForm(forms.Form):
    """The reason, and the content the document has to correct (by kind and outcome)."""

    token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("This page is out of date. Open the correction page again."),
            "invalid": gettext_lazy("This page is out of date. Open the correction page again."),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("What was wrong"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Shown to the citizen on the petition's history and in the e-mail, and printed on the corrected document."
        ),
        error_messages={"required": gettext_lazy("Say what was wrong with the document; the citizen reads it.")},
    )

    def __init__(self, *args, editable: dict, **kwargs):
        super().__init__(*args, **kwargs)
        if "applicant_name" in editable:
            self.fields["applicant_name"] = forms.CharField(
                label=gettext_lazy("Applicant's name (as printed)"),
                max_length=100,
                error_messages={"required": gettext_lazy("The applicant's name cannot be empty on the receipt.")},
            )
            self.fields["applicant_address"] = forms.CharField(
                label=gettext_lazy("Address (as printed)"), max_length=200, required=False
            )
            self.fields["applicant_phone"] = forms.CharField(
                label=gettext_lazy("Phone (as printed)"), max_length=40, required=False
            )
        if "decision" in editable:
            self.fields["decision"] = forms.CharField(
                label=gettext_lazy("Decision (shown on the result notice)"),
                max_length=2000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        if "reasons" in editable:
            self.fields["reasons"] = forms.CharField(
                label=gettext_lazy("Reason for the rejection"),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={
                    "required": gettext_lazy("Give the reason for the rejection; the citizen reads it in the notice.")
                },
            )

    def corrected(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key not in ("token", "reason")}


def _page(request, petition, document, *, form=None, refused: str = "", status: int = 200):
    if not may_decide(petition=petition, user=request.user):
        # A member of the office who may not decide it: told why, shown nothing of the document.
        context = {"petition": petition, "document": None, "refused": str(_NOT_ALLOWED), "may_correct": False}
        response = render(request, "officer/correct_document.html", context, status=403)
        response["Cache-Control"] = "private, no-store"
        return response
    content = services.document_content(petition=petition, document=document, actor=request.user)
    editable = services.editable_values(petition=petition, document=document, content=content)
    if form is None:
        form = CorrectionForm(initial={"token": uuid.uuid4(), **editable}, editable=editable)
    services.correction_view_log(document=document, viewer=request.user, ip_address=get_client_ip_address(request))
    newest = document.superseded_by if document.is_superseded else None
    context = {
        "petition": petition,
        "document": document,
        "content": content,
        "form": form,
        "refused": refused,
        "newest": newest,
        "pending": services.pending_correction(document) if newest is None else None,
        "may_correct": True,
    }
    response = render(request, "officer/correct_document.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@official_required
@require_http_methods(["GET", "POST"])
@never_cache
def correct_document(request, receipt_no, public_id):
    petition = selectors.petition_for_officer(user=request.user, receipt_no=receipt_no)
    document = services.correctable_document(petition=petition, public_id=public_id)
    if request.method == "GET":
        return _page(request, petition, document)
    content = services.document_content(petition=petition, document=document, actor=request.user)
    editable = services.editable_values(petition=petition, document=document, content=content)
    form = CorrectionForm(request.POST, editable=editable)
    if not form.is_valid():
        return _page(request, petition, document, form=form, status=400)
    try:
        services.document_correct(
            petition=petition,
            document=document,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            corrected=form.corrected(),
            token=form.cleaned_data["token"],
        )
    except DecisionNotAllowed as exc:
        return _page(request, petition, document, form=form, refused=exc.message, status=403)
    except services.AlreadyCorrected as exc:
        return _page(request, petition, document, form=form, refused=exc.message, status=409)
    except PetitionError as exc:
        form.add_error(None, exc.message)
        return _page(request, petition, document, form=form, status=400)
    messages.success(
        request,
        _("The corrected version is being issued; it replaces “%(title)s”.") % {"title": document.display_title},
    )
    return redirect(reverse("officer:review", args=[petition.receipt_no]) + "#case-documents")
