"""What a using agency's system may do with a client-credentials token: look people up under
the agency's approved uses, through the look-up page's form and services (same checks, same
access-log entries), in the name of the official answerable for the system."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from oauth2_provider.contrib.rest_framework import TokenHasScope
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from sharing.documents.errors import AttachmentRejected
from sharing.hub import selectors_lookups as lookup_selectors
from sharing.hub import services_lookups as lookup_services
from sharing.hub.errors import NotAllowed, UseError
from sharing.hub.forms_lookups import LookupForm

from . import serializers
from .problems import problem
from .scopes import LOOKUPS

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
    pagination_class = None

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
