"""Reads of look-ups and online consents. Anything not the reader's own is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from portal.models import Office

from . import selectors
from .models import ApprovedUse
from .models_lookups import ConsentGrant, Lookup

RECENT_LOOKUPS = 50


# --- Officials ------------------------------------------------------------------------------


def lookup_offices(user) -> list[Office]:
    """The official's offices that belong to a using agency (the ones they may look up from)."""
    if not (user.is_authenticated and user.is_official):
        return []
    return list(
        Office.objects.filter(memberships__user=user, using_agency__isnull=False)
        .select_related("using_agency")
        .order_by("name_ko", "pk")
    )


def uses_for_official(user, *, offices: list[Office] | None = None) -> list[ApprovedUse]:
    """The uses in force today of the agencies of the official's offices."""
    offices = lookup_offices(user) if offices is None else offices
    agency_ids = sorted({office.using_agency_id for office in offices if office.using_agency_id})
    if not agency_ids:
        return []
    day = timezone.localdate()
    return list(
        selectors.uses_queryset()
        .filter(
            using_agency_id__in=agency_ids,
            status=ApprovedUse.Status.APPROVED,
            valid_from__lte=day,
            valid_until__gte=day,
        )
        .order_by("using_agency__name_ko", "affair_code", "pk")
    )


def use_for_official(user, *, public_id) -> tuple[ApprovedUse, Office]:
    """One use in force of the official's agency, with the office they look up from; else 404
    (another agency's use, a suspended or expired one, an unknown id)."""
    offices = lookup_offices(user)
    use = next((use for use in uses_for_official(user, offices=offices) if use.public_id == public_id), None)
    if use is None:
        raise Http404
    office = next(office for office in offices if office.using_agency_id == use.using_agency_id)
    return use, office


def lookups_queryset() -> QuerySet[Lookup]:
    return Lookup.objects.select_related(
        "office",
        "using_agency",
        "approved_use__item__agency",
        "approved_use__purpose",
        "fetch_request__item",
        "consent_grant",
    )


def lookup_for_official(user, *, public_id) -> Lookup:
    """The look-up, for the official who made it only (404 for everyone else)."""
    if not (user.is_authenticated and user.is_official):
        raise Http404
    lookup = lookups_queryset().filter(public_id=public_id, official=user).first()
    if lookup is None:
        raise Http404
    return lookup


def lookups_of_official(user) -> list[Lookup]:
    return list(lookups_queryset().filter(official=user).order_by("-created_at", "-id")[:RECENT_LOOKUPS])


def subject_masked(lookup: Lookup) -> str:
    """The subject as the official may see it on every page: masked (purged: nothing)."""
    from sharing import crypto

    if not lookup.subject_encrypted:
        return ""
    return crypto.mask_value(crypto.decrypt_text(lookup.subject_encrypted))


# --- Citizens -------------------------------------------------------------------------------


def uses_open_to_consent() -> list[ApprovedUse]:
    """Uses in force today that need the person's consent: what a citizen may consent to online."""
    day = timezone.localdate()
    return list(
        selectors.uses_queryset()
        .filter(status=ApprovedUse.Status.APPROVED, consent_required=True, valid_from__lte=day, valid_until__gte=day)
        .order_by("using_agency__name_ko", "affair_code", "pk")
    )


@dataclass
class GrantRow:
    grant: ConsentGrant
    in_force: bool


def consent_grants_of(citizen) -> list[GrantRow]:
    now = timezone.now()
    grants = ConsentGrant.objects.filter(citizen=citizen).select_related(
        "using_agency", "approved_use__item__agency", "approved_use__purpose"
    )
    return [GrantRow(grant=grant, in_force=grant.in_force(now)) for grant in grants.order_by("-granted_at", "-id")]


def consent_grant_for_citizen(citizen, *, public_id) -> ConsentGrant:
    grant = ConsentGrant.objects.filter(citizen=citizen, public_id=public_id).first()
    if grant is None:
        raise Http404
    return grant
