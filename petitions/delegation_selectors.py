"""Reads of filing for someone else: the delegations a citizen granted and holds, the consent
requests waiting for them, and who a petition was filed for."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404

from .calendar import local_today
from .models import Delegation, Petition, PetitionType, Representation

S = Petition.Status


def _with_types(queryset):
    return queryset.prefetch_related(Prefetch("petition_types", queryset=PetitionType.objects.order_by("name_ko")))


def delegations_granted(*, user) -> list[Delegation]:
    """Every delegation the citizen granted, newest first (revoked and expired ones too)."""
    return list(_with_types(Delegation.objects.filter(principal_id=user.pk).order_by("-created_at", "-id")))


def delegations_held(*, user) -> list[Delegation]:
    """The delegations the citizen holds and may use today."""
    return list(
        _with_types(
            Delegation.objects.filter(delegate_id=user.pk, revoked_at=None, valid_until__gte=local_today())
            .select_related("principal")
            .order_by("valid_until", "id")
        )
    )


def delegations_usable_for(*, user, petition_type: PetitionType) -> list[Delegation]:
    """The delegations the citizen holds today that cover ``petition_type`` (the "file for" choice)."""
    return [d for d in delegations_held(user=user) if d.covers(petition_type.pk)]


def delegation_granted_by(*, user, delegation_id: int) -> Delegation:
    delegation = Delegation.objects.filter(pk=delegation_id, principal_id=user.pk).first()
    if delegation is None:
        raise Http404
    return delegation


def delegation_held_by(*, user, delegation_id: int) -> Delegation:
    delegation = Delegation.objects.filter(pk=delegation_id, delegate_id=user.pk).select_related("principal").first()
    if delegation is None:
        raise Http404
    return delegation


def consent_requests_for(*, user) -> list[Representation]:
    """Drafts filed for the citizen whose delegate asks their consent, oldest first."""
    return list(
        Representation.objects.filter(
            principal_id=user.pk, consent=Representation.Consent.REQUESTED, petition__status=S.DRAFT
        )
        .select_related("petition__petition_type", "petition__applicant")
        .order_by("created_at", "id")
    )


def consent_request_for(*, user, representation_id: int) -> Representation:
    representation = (
        Representation.objects.filter(pk=representation_id, principal_id=user.pk).select_related("petition").first()
    )
    if representation is None:
        raise Http404
    return representation


def representation_of(petition: Petition) -> Representation | None:
    """Who the petition was filed for, or None (filed by the person it is for)."""
    try:
        return petition.representation
    except Representation.DoesNotExist:
        return None


def representations_for(petitions: list[Petition]) -> dict[int, Representation]:
    """The representations of the petitions that have one, by petition id (one query)."""
    ids = [p.pk for p in petitions]
    if not ids:
        return {}
    return {
        r.petition_id: r
        for r in Representation.objects.filter(petition_id__in=ids).select_related("principal", "delegation")
    }
