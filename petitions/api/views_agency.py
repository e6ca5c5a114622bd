"""What a using agency's system may do with a client-credentials token: look people up under
the agency's approved uses, through the look-up page's form and services (same checks, same
access-log entries), and retrieve the e-documents citizens submitted to the agency through the
inbox page's selectors and services (same refusals, same access-log entries), in the name of
the official answerable for the system."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import TokenHasScope
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from sharing.documents.errors import AttachmentRejected
from sharing.documents.responses import document_file_response
from sharing.hub import selectors_lookups as lookup_selectors
from sharing.hub import services_lookups as lookup_services
from sharing.hub.errors import NotAllowed, UseError
from sharing.hub.forms_lookups import LookupForm
from sharing.submissions import selectors as submission_selectors
from sharing.submissions import services as submission_services
from sharing.submissions.errors import SubmissionError

from . import serializers
from .pagination import Pagination
from .problems import problem
from .scopes import INBOX, LOOKUPS
from .views_citizen import AnyFileRenderer

AGENCY = ["agency"]


class AgencyToken(BasePermission):
    """A token of a using agency's system (client credentials, no user), bound to an office."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if token is None or getattr(token, "user_id", None) is not None:
            return False
        return hasattr(token.application, "agency_client")


class AgencyView(GenericAPIView):
    permission_classes = [AgencyToken, TokenHasScope]
    required_scopes = [LOOKUPS]
    pagination_class: type[Pagination] | None = None

    def binding(self):
        """(official, office): the system's answerable official, while still a member of its office."""
        client = self.request.auth.application.agency_client
        offices = [o for o in lookup_selectors.lookup_offices(client.official) if o.pk == client.office_id]
        if not offices:
            raise PermissionDenied
        return client.official, offices


def _bilingual(ko: str, en: str) -> dict:
    return {"ko": ko or "", "en": en or ko or ""}


def _use(use) -> dict:
    return {
        "id": use.public_id,
        "affair_code": use.affair_code,
        "affair": _bilingual(use.affair_name_ko, use.affair_name_en),
        "item": use.item.code,
        "fields": list(use.fields),
        "purpose": use.purpose.code,
        "legal_basis": _bilingual(use.legal_basis, use.legal_basis_en),
        "consent_required": use.consent_required,
        "valid_until": use.valid_until,
    }


class AgencyUses(AgencyView):
    @extend_schema(
        tags=AGENCY,
        operation_id="agency_uses_list",
        summary=_("Your agency's approved uses"),
        description=_("The approved uses in force today that the system may look up under."),
        responses=serializers.ApprovedUseSummary(many=True),
    )
    def get(self, request, *args, **kwargs):
        official, offices = self.binding()
        return Response([_use(use) for use in lookup_selectors.uses_for_official(official, offices=offices)])


class AgencyLookups(AgencyView):
    @extend_schema(
        tags=AGENCY,
        operation_id="agency_lookup_create",
        summary=_("Look someone up"),
        description=_(
            "A look-up (열람) under one of the agency's approved uses, with the checks of the look-up page "
            "(the use in force, the subject's form, the reason, the person's consent where the use needs it) "
            "and its access-log entry, which the person concerned reads."
        ),
        request=serializers.LookupRequest,
        responses={201: serializers.LookupResult},
    )
    def post(self, request, *args, **kwargs):
        official, offices = self.binding()
        body = serializers.LookupRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        use = next(
            (u for u in lookup_selectors.uses_for_official(official, offices=offices) if u.public_id == data["use"]),
            None,
        )
        if use is None:
            raise Http404
        form = LookupForm(
            {
                "subject": data["subject"],
                "reason": data["reason"],
                "case_reference": data.get("case_reference", ""),
                "consent_basis": data.get("consent_basis", ""),
            },
            use=use,
        )
        if not form.is_valid():
            return problem(
                status_code=400,
                detail=str(_("Some parameters are not valid: see errors.")),
                errors=[
                    {"field": "" if name == "__all__" else name, "detail": str(message)}
                    for name, messages in form.errors.items()
                    for message in messages
                ],
            )
        try:
            lookup = lookup_services.lookup_create(
                official=official,
                office=offices[0],
                use=use,
                subject=form.cleaned_data["subject"],
                case_reference=form.cleaned_data["case_reference"],
                reason=form.cleaned_data["reason"],
                consent_basis=form.cleaned_data.get("consent_basis") or lookup_services.Basis.NONE,
                ip_address=get_client_ip_address(request),
            )
        except NotAllowed as exc:
            return problem(status_code=403, detail=exc.message)
        except (UseError, AttachmentRejected) as exc:
            return problem(status_code=400, detail=str(getattr(exc, "message", exc)))
        lookup = lookup_selectors.lookup_for_official(official, public_id=lookup.public_id)
        return Response(_result(request, lookup, official), status=201)


class AgencyLookup(AgencyView):
    @extend_schema(
        tags=AGENCY,
        operation_id="agency_lookup_retrieve",
        summary=_("The answer of a look-up"),
        description=_("The approved fields of the answer, masked as on the look-up page; each read is logged."),
        parameters=[OpenApiParameter("public_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses=serializers.LookupResult,
    )
    def get(self, request, public_id, *args, **kwargs):
        official, _offices = self.binding()
        lookup = lookup_selectors.lookup_for_official(official, public_id=public_id)
        return Response(_result(request, lookup, official))


def _result(request, lookup, official) -> dict:
    answer = lookup_services.lookup_answer_read(
        lookup=lookup, actor=official, ip_address=get_client_ip_address(request)
    )
    return {
        "id": lookup.public_id,
        "reference": lookup.reference,
        "use": lookup.approved_use.public_id,
        "created_at": lookup.created_at,
        "state": answer.state,
        "message": answer.message,
        "fields": [{"key": f.key, "label": str(f.label), "value": f.text} for f in answer.fields],
    }


# --- The agency's inbox of e-documents citizens submitted to it -----------------------------

SUBMISSION_ID = OpenApiParameter("public_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class InboxView(AgencyView):
    required_scopes = [INBOX]

    def recipient(self):
        """(official, recipient): the recipient that is the office's using agency, while the
        answerable official is on its staff (the inbox page's own condition)."""
        official, offices = self.binding()
        recipient = submission_selectors.recipient_of_using_agency(
            using_agency_id=offices[0].using_agency_id, user=official
        )
        if recipient is None:
            raise PermissionDenied
        return official, recipient


def _inbox_summary(submission) -> dict:
    document = submission.document
    office = document.issuing_office
    return {
        "id": submission.public_id,
        "status": submission.status_now,
        "status_label": submission.status_now_label,
        "citizen": submission.owner.display_name,
        "purpose": submission.purpose,
        "sent_at": submission.created_at,
        "expires_at": submission.expires_at,
        "document": {
            "id": document.public_id,
            "kind": document.kind,
            "title": _bilingual(document.title_in("ko"), document.title_in("en")),
            "case_ref": document.case_ref,
            "issued_at": document.issued_at,
            "issuing_office": _bilingual(office.name_ko, office.name_en) if office else _bilingual("", ""),
            "media_type": document.media_type,
            "size": document.size,
            "verification_code": document.display_code,
            "superseded": document.is_superseded,
        },
    }


class AgencyInbox(InboxView):
    pagination_class = Pagination

    @extend_schema(
        tags=AGENCY,
        operation_id="agency_inbox_list",
        summary=_("E-documents submitted to your agency"),
        description=_(
            "What citizens submitted to the agency and it may retrieve now (not withdrawn, not expired), "
            "newest first, as in the inbox page. Listing is not a retrieval: opening one is."
        ),
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, description=_("Page number (from 1)"))
        ],
        responses=serializers.InboxSubmissionSummary(many=True),
    )
    def get(self, request, *args, **kwargs):
        _official, recipient = self.recipient()
        page = self.paginate_queryset(submission_selectors.inbox_for_recipient(recipient))
        return self.get_paginated_response([_inbox_summary(submission) for submission in page])


def _gone(exc: SubmissionError):
    return problem(status_code=410, detail=str(exc.message))


class AgencyInboxSubmission(InboxView):
    @extend_schema(
        tags=AGENCY,
        operation_id="agency_inbox_retrieve",
        summary=_("Retrieve a submitted e-document"),
        description=_(
            "The submission with what verifying the stored file says (its bytes, the seal, the signature). "
            "A retrieval, as on the inbox page: logged in the citizen's access log; refused (410) once "
            "withdrawn or expired."
        ),
        parameters=[SUBMISSION_ID],
        responses=serializers.InboxSubmission,
    )
    def get(self, request, public_id, *args, **kwargs):
        official, recipient = self.recipient()
        submission = submission_selectors.submission_for_recipient(recipient=recipient, public_id=public_id)
        try:
            submission = submission_services.submission_retrieve(
                submission=submission, actor=official, ip_address=get_client_ip_address(request)
            )
        except SubmissionError as exc:
            return _gone(exc)
        check = submission_selectors.verification(submission.document)
        return Response(
            {
                **_inbox_summary(submission),
                "message": submission.message,
                "retrieved_at": submission.retrieved_at,
                "retrieval_count": submission.retrieval_count,
                "verification": {
                    "ok": check.ok,
                    "sha256": check.sha256,
                    "identical": check.identical,
                    "seal_valid": check.seal_valid,
                    "signature": str(check.signature),
                    "signed_at": check.signed_at,
                },
            }
        )


class AgencyInboxFile(InboxView):
    renderer_classes = [AnyFileRenderer]
    serializer_class = serializers.InboxSubmission  # the schema's; the answer is the file

    @extend_schema(
        tags=AGENCY,
        operation_id="agency_inbox_file",
        summary=_("Download a submitted e-document"),
        description=_("The signed file itself (PDF): a retrieval logged as a download, as on the inbox page."),
        parameters=[SUBMISSION_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    def get(self, request, public_id, *args, **kwargs):
        official, recipient = self.recipient()
        submission = submission_selectors.submission_for_recipient(recipient=recipient, public_id=public_id)
        try:
            document, handle = submission_services.submission_open_file(
                submission=submission, actor=official, ip_address=get_client_ip_address(request)
            )
        except SubmissionError as exc:
            return self._json(_gone(exc))
        return document_file_response(document, handle)

    def _json(self, response):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def handle_exception(self, exc):
        # Refusals are problem details in JSON, whatever file type the client accepts.
        return self._json(super().handle_exception(exc))
