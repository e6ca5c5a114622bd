"""What an app a citizen authorised may read: the citizen's petitions and their statuses, their
e-documents and their access log, through the selectors of the citizen's own pages (so never
anyone else's). Each call is an access-log entry of the citizen's, naming the app."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import TokenHasScope
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from petitions import delegation_selectors, delegation_services, selectors
from petitions.models import Petition
from sharing.documents import selectors as document_selectors
from sharing.documents import services as document_services
from sharing.documents.responses import document_file_response
from sharing.tracker import selectors as tracker_selectors

from . import serializers, services
from .scopes import ACCESS_LOG_READ, DOCUMENTS_READ, PETITIONS_READ

CITIZEN = ["citizen"]


class CitizenToken(BasePermission):
    """A token a citizen gave an app (authorization code): not a machine's (client
    credentials), not an official's."""

    def has_permission(self, request, view) -> bool:
        user = getattr(request.auth, "user", None)
        return bool(user is not None and user.is_active and user.is_citizen)


class CitizenView(GenericAPIView):
    permission_classes = [CitizenToken, TokenHasScope]
    required_scopes: list[str] = []

    def log_read(self, *, item_code: str, case_ref: str = "") -> None:
        services.api_read_log(
            user=self.request.user,
            token=self.request.auth,
            item_code=item_code,
            case_ref=case_ref,
            ip_address=get_client_ip_address(self.request),
        )

    def page_response(self, page, results) -> Response:
        """A page of a selector's Django Paginator, in the shape of the API's pagination."""
        url = self.request.build_absolute_uri()
        return Response(
            {
                "count": page.paginator.count,
                "next": replace_query_param(url, "page", page.next_page_number()) if page.has_next() else None,
                "previous": (
                    (
                        replace_query_param(url, "page", page.previous_page_number())
                        if page.previous_page_number() > 1
                        else remove_query_param(url, "page")
                    )
                    if page.has_previous()
                    else None
                ),
                "results": results,
            }
        )


def _bilingual(ko: str, en: str) -> dict:
    return {"ko": ko or "", "en": en or ko or ""}


def _petition_summary(petition: Petition) -> dict:
    petition_type = petition.petition_type
    office = petition.office
    return {
        "receipt_no": petition.receipt_no,
        "petition_type": petition_type.slug,
        "petition_type_name": _bilingual(
            petition.type_snapshot.get("name_ko") or petition_type.name_ko,
            petition.type_snapshot.get("name_en") or petition_type.name_en,
        ),
        "status": petition.status,
        "status_label": str(petition.get_status_display()),
        "submitted_at": petition.submitted_at,
        "due_date": petition.due_date,
        "decided_at": petition.decided_at,
        "office": _bilingual(office.name_ko, office.name_en) if office else _bilingual("", ""),
    }


def _document(document) -> dict:
    return {
        "id": document.public_id,
        "kind": document.kind,
        "title": _bilingual(document.title_in("ko"), document.title_in("en")),
        "case_ref": document.case_ref,
        "issued_at": document.issued_at,
        "media_type": document.media_type,
        "size": document.size,
        "verification_code": document.display_code,
        "superseded": document.is_superseded,
    }


PAGE = OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, description=_("Page number (from 1)"))
RECEIPT = OpenApiParameter(
    "receipt_no", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("Receipt number, e.g. 2026-0000123")
)
DOCUMENT_ID = OpenApiParameter("public_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class MyPetitions(CitizenView):
    required_scopes = [PETITIONS_READ]

    @extend_schema(
        tags=CITIZEN,
        operation_id="my_petitions_list",
        summary=_("Your petitions"),
        description=_("The petitions the citizen filed or that were filed for them, newest first."),
        parameters=[PAGE],
        responses=serializers.PetitionSummary(many=True),
    )
    def get(self, request, *args, **kwargs):
        page = selectors.petitions_page_for_applicant(user=request.user, page_number=request.query_params.get("page"))
        self.log_read(item_code=services.API_ITEM_PETITIONS)
        return self.page_response(page, [_petition_summary(petition) for petition in page.object_list])


class MyPetition(CitizenView):
    required_scopes = [PETITIONS_READ]
    pagination_class = None

    @extend_schema(
        tags=CITIZEN,
        operation_id="my_petition_retrieve",
        summary=_("One of your petitions"),
        description=_("A petition with its timeline and how far the fetching of its information is."),
        parameters=[RECEIPT],
        responses=serializers.PetitionDetail,
    )
    def get(self, request, receipt_no, *args, **kwargs):
        petition = selectors.petition_for_applicant(user=request.user, receipt_no=receipt_no)
        representation = delegation_selectors.representation_of(petition)
        if representation is not None:
            # As on the page: the filer sees the principal's details, a view in their log.
            delegation_services.representation_view_log(
                representation=representation, viewer=request.user, ip_address=get_client_ip_address(request)
            )
        fetches = selectors.petition_fetches(petition)
        self.log_read(item_code=services.API_ITEM_PETITIONS, case_ref=petition.receipt_no or "")
        return Response(
            {
                **_petition_summary(petition),
                "timeline": [
                    {"at": event.created_at, "status": event.to_status, "status_label": event.get_to_status_display()}
                    for event in selectors.petition_timeline(petition)
                ],
                "fetches_done": fetches["done"],
                "fetches_total": fetches["total"],
            }
        )


class MyPetitionStatus(CitizenView):
    required_scopes = [PETITIONS_READ]
    pagination_class = None

    @extend_schema(
        tags=CITIZEN,
        operation_id="my_petition_status",
        summary=_("Where one of your petitions stands"),
        description=_("The status of a petition and how many of its items of information are collected."),
        parameters=[RECEIPT],
        responses=serializers.PetitionStatus,
    )
    def get(self, request, receipt_no, *args, **kwargs):
        petition = selectors.petition_status_for_applicant(user=request.user, receipt_no=receipt_no)
        self.log_read(item_code=services.API_ITEM_PETITIONS, case_ref=petition.receipt_no or "")
        return Response(
            {
                "receipt_no": petition.receipt_no,
                "status": petition.status,
                "status_label": str(petition.get_status_display()),
                "due_date": petition.due_date,
                # Annotated by the selector (one query).
                "fetches_done": getattr(petition, "fetches_done", None) or 0,
                "fetches_total": getattr(petition, "fetches_total", None) or 0,
            }
        )


class MyDocuments(CitizenView):
    required_scopes = [DOCUMENTS_READ]

    @extend_schema(
        tags=CITIZEN,
        operation_id="my_documents_list",
        summary=_("Your e-documents"),
        description=_("Receipts, result notices and the other e-documents of the citizen's petitions."),
        parameters=[PAGE],
        responses=serializers.DocumentSummary(many=True),
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(selectors.documents_for_applicant(user=request.user))
        self.log_read(item_code=services.API_ITEM_DOCUMENTS)
        return self.get_paginated_response([_document(document) for document in page])


class MyDocument(CitizenView):
    required_scopes = [DOCUMENTS_READ]
    pagination_class = None

    @extend_schema(
        tags=CITIZEN,
        operation_id="my_document_retrieve",
        summary=_("One of your e-documents"),
        parameters=[DOCUMENT_ID],
        responses=serializers.DocumentSummary,
    )
    def get(self, request, public_id, *args, **kwargs):
        document = _own_document(request.user, public_id)
        self.log_read(item_code=services.API_ITEM_DOCUMENTS, case_ref=document.case_ref)
        return Response(_document(document))


class AnyFileRenderer(BaseRenderer):
    """Lets content negotiation pass for a file download (the file response is not rendered)."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class MyDocumentFile(CitizenView):
    required_scopes = [DOCUMENTS_READ]
    pagination_class = None
    renderer_classes = [AnyFileRenderer]
    serializer_class = serializers.DocumentSummary  # the schema's; the answer is the file

    @extend_schema(
        tags=CITIZEN,
        operation_id="my_document_file",
        summary=_("Download one of your e-documents"),
        description=_("The signed file itself (PDF), logged as a download, as on the petition's page."),
        parameters=[DOCUMENT_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    def handle_exception(self, exc):
        # Refusals are problem details in JSON, whatever file type the client accepts.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def get(self, request, public_id, *args, **kwargs):
        document = _own_document(request.user, public_id)
        handle = document_services.document_open(
            document=document, actor=request.user, ip_address=get_client_ip_address(request)
        )
        return document_file_response(document, handle)


def _own_document(user, public_id):
    """The document if it belongs to one of the citizen's petitions (or is theirs), else 404."""
    return document_selectors.document_for_user(user=user, public_id=public_id)


class MyAccessLog(CitizenView):
    required_scopes = [ACCESS_LOG_READ]

    @extend_schema(
        tags=CITIZEN,
        operation_id="my_access_log_list",
        summary=_("Who viewed your information"),
        description=_("The citizen's access log, newest first, as on their “Who viewed my information” page."),
        parameters=[PAGE],
        responses=serializers.AccessLogRow(many=True),
    )
    def get(self, request, *args, **kwargs):
        subject_hash = tracker_selectors.citizen_subject_hash(request.user)
        if subject_hash is None:
            raise Http404  # no identity linked: no log (the page asks to confirm the identity)
        page, rows = tracker_selectors.access_log_page(
            user=request.user,
            subject_hash=subject_hash,
            filters=tracker_selectors.AccessFilters(),
            page_number=request.query_params.get("page"),
        )
        self.log_read(item_code=services.API_ITEM_ACCESS_LOG)
        return self.page_response(
            page,
            [
                {
                    "sequence": row.entry.sequence,
                    "at": row.entry.created_at,
                    "action": row.entry.action,
                    "action_label": str(row.entry.get_action_display()),
                    "who": row.entry.actor_label,
                    "office": row.entry.office.name if row.entry.office else "",
                    "item": row.item_name,
                    "fields": row.field_labels,
                    "purpose": str(row.purpose),
                    "affair": row.affair_name,
                    "legal_basis": row.legal_basis,
                    "case_ref": row.entry.case_ref,
                }
                for row in rows
            ],
        )
