"""The public part of the API: no client needed. The catalogue and statistics read the
selectors the pages read; verification by code goes through the /verify/ page's throttle."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from petitions import catalogue_cache, selectors, stats
from petitions.models import PetitionCategory
from sharing.documents import selectors as document_selectors
from sharing.documents import throttle
from sharing.documents.codes import normalize as normalize_code
from sharing.documents.seal import seal_verify

from . import serializers
from .problems import problem

PUBLIC = ["public"]


def _bilingual(ko: str, en: str) -> dict:
    return {"ko": ko or "", "en": en or ko or ""}


def _type_summary(petition_type) -> dict:
    return {
        "slug": petition_type.slug,
        "name": _bilingual(petition_type.name_ko, petition_type.name_en),
        "description": _bilingual(petition_type.description_ko, petition_type.description_en),
        "category": petition_type.category,
        "processing_days": petition_type.processing_days,
        "fee": petition_type.fee,
        "fee_at_filing": petition_type.fee_at_filing,
        "required_information_count": getattr(petition_type, "required_count", None)
        if hasattr(petition_type, "required_count")
        else len(petition_type.required_information.all()),
    }


def _type_detail(petition_type) -> dict:
    rows = selectors.required_information_rows(petition_type)
    return {
        **_type_summary(petition_type),
        "notes": _bilingual(petition_type.notes_ko, petition_type.notes_en),
        "fee_refundable": petition_type.fee_refundable,
        "form_fields": [
            {
                "key": field.key,
                "label": _bilingual(field.label_ko, field.label_en),
                "type": field.type,
                "required": field.required,
            }
            for field in petition_type.form_fields.all()
        ],
        "required_information": [
            {
                "item": row["item"].code,
                "name": _bilingual(row["item"].name_ko, row["item"].name_en),
                "replaces": _bilingual(row["item"].replaces_ko, row["item"].replaces_en),
                "agency": row["agency"].code,
                "agency_name": _bilingual(row["agency"].name_ko, row["agency"].name_en),
                "fields": [
                    {"key": key, "label": _bilingual(ko, en)}
                    for key, (ko, en) in zip(row["mapping"].fields, row["field_labels"], strict=True)
                ],
                "purpose": _bilingual(row["mapping"].purpose_ko, row["mapping"].purpose_en),
                "legal_basis": _bilingual(row["mapping"].legal_basis, row["mapping"].legal_basis_en),
                "consent_required": row["mapping"].consent_required,
            }
            for row in rows
        ],
    }


class CatalogueFilter(drf_serializers.Serializer):
    category = drf_serializers.ChoiceField(choices=PetitionCategory.choices, required=False)
    q = drf_serializers.CharField(required=False, max_length=100, help_text=gettext_lazy("Words to look for"))


class CatalogueList(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = serializers.PetitionTypeSummary

    @extend_schema(
        tags=PUBLIC,
        summary=gettext_lazy("Petition types"),
        description=gettext_lazy(
            "The petition types open for filing: processing days, fee, and how many items of information "
            "the portal fetches instead of documents."
        ),
        parameters=[CatalogueFilter],
        responses=serializers.PetitionTypeSummary(many=True),
        operation_id="catalogue_types_list",
        auth=[],
    )
    def get(self, request, *args, **kwargs):
        params = CatalogueFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        category = params.validated_data.get("category", "")
        query = params.validated_data.get("q", "").strip()
        types = catalogue_cache.cached(
            "api-list",
            [category, query],
            lambda: [_type_summary(t) for t in selectors.petition_types_for_catalogue(category=category, query=query)],
        )
        page = self.paginate_queryset(types)
        return self.get_paginated_response(page)


class CatalogueDetail(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = serializers.PetitionTypeDetail
    pagination_class = None

    @extend_schema(
        tags=PUBLIC,
        summary=gettext_lazy("One petition type"),
        description=gettext_lazy(
            "A petition type with its form fields and the information the portal fetches for it: "
            "which item, from which agency, only which fields, for which purpose and on which legal basis."
        ),
        responses=serializers.PetitionTypeDetail,
        operation_id="catalogue_type_retrieve",
        auth=[],
    )
    def get(self, request, slug, *args, **kwargs):
        data = catalogue_cache.cached(
            "api-type", [slug], lambda: _type_detail(selectors.petition_type_for_page(slug=slug))
        )
        return Response(data)


class Statistics(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = serializers.Statistics
    pagination_class = None

    @extend_schema(
        tags=PUBLIC,
        summary=gettext_lazy("Public statistics"),
        description=gettext_lazy(
            "The figures of the statistics page: petitions, documents citizens did not have to bring, "
            "processing times, by month, by petition type and by agency."
        ),
        responses=serializers.Statistics,
        auth=[],
    )
    def get(self, request, *args, **kwargs):
        data = stats.figures()
        return Response(
            {
                "totals": data["totals"],
                "processing": data["processing"],
                "by_month": data["by_month"],
                "by_type": [{**row, "name": _bilingual(row["name_ko"], row["name_en"])} for row in data["by_type"]],
                "by_agency": [{**row, "name": _bilingual(row["name_ko"], row["name_en"])} for row in data["by_agency"]],
            }
        )


class Verify(GenericAPIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = serializers.Verification
    pagination_class = None

    @extend_schema(
        tags=PUBLIC,
        summary=gettext_lazy("Verify an e-document by its code"),
        description=gettext_lazy(
            "The document a verification code belongs to, as /verify/ shows it. Unknown codes are limited "
            "per client address exactly as on /verify/: past the limit, one look-up per slow period, and "
            "429 with Retry-After."
        ),
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description=gettext_lazy("The 20 letters and digits printed beside the QR code (hyphens allowed)"),
            )
        ],
        responses=serializers.Verification,
        auth=[],
    )
    def get(self, request, code, *args, **kwargs):
        if normalize_code(code) is None:
            # Not shaped like a code: no look-up, nothing counted (as on /verify/).
            return problem(status_code=400, detail=_("A verification code has 20 letters and digits."))
        admission = throttle.admit(get_client_ip_address(request))
        if not admission.allowed:
            return problem(
                status_code=429,
                detail=_("Too many unknown codes from this address. Try again in %(seconds)s seconds.")
                % {"seconds": admission.retry_after},
                headers={"Retry-After": str(admission.retry_after)},
            )
        document = document_selectors.document_by_code(code)
        if document is None:
            return problem(status_code=404, detail=_("No document has this verification code."))
        throttle.release(admission)
        office = document.issuing_office
        return Response(
            {
                "verification_code": document.display_code,
                "kind": document.kind,
                "title": _bilingual(document.title_in("ko"), document.title_in("en")),
                "issued_at": document.issued_at,
                "issuing_office": _bilingual(office.name_ko, office.name_en),
                "sha256": document.sha256,
                "size": document.size,
                "seal_valid": seal_verify(seal=document.seal, sha256=document.sha256).valid,
                "superseded": document.is_superseded,
            }
        )


class NotFound(GenericAPIView):
    """Any other address under /api/v1/: a problem detail, not the site's HTML 404 page."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    pagination_class = None

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return problem(status_code=404, detail=_("There is nothing here, or it is not yours."))

    post = put = patch = delete = get
