"""Reads of the e-document store, and who may see what."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from portal.models import OfficeMembership

from . import codes, pades
from .models import DocumentRequest, EDocument
from .seal import seal_verify


def _documents_for(case_refs: list[str]) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    issued = (
        EDocument.objects.filter(case_ref__in=case_refs)
        .select_related("issuing_office", "superseded_by", "supersedes")
        .order_by("issued_at", "id")
    )
    for document in issued:
        grouped[document.case_ref].append(document)
    waiting = (
        DocumentRequest.objects.filter(case_ref__in=case_refs, document__isnull=True)
        .select_related("issuing_office")
        .order_by("created_at", "id")
    )
    for request in waiting:
        grouped[request.case_ref].append(request)
    return grouped


def documents_for_case(case_ref: str) -> list:
    """The case's documents: issued ones (EDocument, superseded included, oldest first),
    then the ones still being prepared or that failed (DocumentRequest). Two queries."""
    return _documents_for([case_ref]).get(case_ref, [])


def documents_for_cases(case_refs: Iterable[str]) -> dict[str, list]:
    refs = list(dict.fromkeys(case_refs))
    grouped = _documents_for(refs)
    return {ref: grouped.get(ref, []) for ref in refs}


# Who else is a party to a case besides the owner of its documents (e.g. the person a petition
# was filed for by someone else): ``finder(*, user, case_ref) -> bool``, registered by the apps
# that know (petitions.apps); the documents store knows nothing of petitions.
CasePartyFinder = Callable[..., bool]
_case_party_finders: list[CasePartyFinder] = []


def case_party_finder_register(finder: CasePartyFinder) -> None:
    if finder not in _case_party_finders:
        _case_party_finders.append(finder)


def _is_case_party(user, case_ref: str) -> bool:
    return any(finder(user=user, case_ref=case_ref) for finder in _case_party_finders)


def user_may_access(user, *, owner_id: int, office_id: int, case_ref: str = "") -> bool:
    """The owner, the other parties to the case (a registered finder says who), and the
    officials who are members of the issuing (handling) office."""
    if not user.is_authenticated:
        return False
    if user.pk == owner_id:
        return True
    if user.is_official:
        return OfficeMembership.objects.filter(user=user, office_id=office_id).exists()
    return bool(case_ref) and _is_case_party(user, case_ref)


def document_for_user(*, user, public_id) -> EDocument:
    """The document if ``user`` may download it; 404 for everyone else (it might not exist)."""
    document = EDocument.objects.select_related("issuing_office", "owner").filter(public_id=public_id).first()
    if document is None or not user_may_access(
        user, owner_id=document.owner_id, office_id=document.issuing_office_id, case_ref=document.case_ref
    ):
        raise Http404
    return document


def document_request_for_user(*, user, public_id) -> DocumentRequest:
    request = (
        DocumentRequest.objects.select_related(
            "issuing_office", "document", "document__superseded_by", "document__supersedes"
        )
        .filter(public_id=public_id)
        .first()
    )
    if request is None or not user_may_access(
        user, owner_id=request.owner_id, office_id=request.issuing_office_id, case_ref=request.case_ref
    ):
        raise Http404
    return request


def document_request_version(*, user, public_id) -> tuple | None:
    """What the fragment of a document request is rendered from (its state and last change, and
    whether its document was superseded), in one query; None if ``user`` may not see it."""
    if not user.is_authenticated:
        return None
    allowed = Q(owner_id=user.pk)
    if user.is_official:
        allowed |= Q(Exists(OfficeMembership.objects.filter(user_id=user.pk, office_id=OuterRef("issuing_office_id"))))
    columns = ("state", "updated_at", "document_id", "document__superseded_by__pk", "title", "title_en")
    found = DocumentRequest.objects.filter(allowed, public_id=public_id).values_list(*columns).first()
    if found is None and not user.is_official and _case_party_finders:
        # Not the owner: another party to the case (one more query, for them only).
        other = DocumentRequest.objects.filter(public_id=public_id).values_list("case_ref", *columns).first()
        if other is not None and _is_case_party(user, other[0]):
            return tuple(other[1:])
    return found


def document_by_code(raw_code: str) -> EDocument | None:
    """The document with this verification code (typed in any form), or None."""
    code = codes.normalize(raw_code)
    if code is None:
        return None
    return (
        EDocument.objects.select_related("issuing_office", "superseded_by", "supersedes")
        .filter(verification_code=code)
        .first()
    )


@dataclass(frozen=True)
class FileComparison:
    """What /verify/ found about an uploaded file, against the document of the code entered.

    ``signature`` is the embedded signature's outcome (``pades.Outcome``), or ``"unknown"`` when the
    signature is the portal's, intact and time-stamped but the portal issued no document with these
    bytes (not this code's document, nor any other)."""

    sha256: str
    identical: bool
    seal_valid: bool
    signature: str
    signed_at: datetime | None = None

    @property
    def ok(self) -> bool:
        # A document issued before PDFs were signed carries no signature: its bytes and seal decide.
        signature_holds = self.signature == pades.Outcome.VALID or (
            self.signature == pades.Outcome.UNSIGNED and self.identical
        )
        return self.identical and self.seal_valid and signature_holds


UNKNOWN_DOCUMENT = "unknown"


def file_comparison(*, document: EDocument, content: bytes) -> FileComparison:
    """Compares an uploaded file with ``document``: bytes, the stored seal, the embedded signature."""
    sha256 = hashlib.sha256(content).hexdigest()
    identical = sha256 == document.sha256
    check = pades.pdf_signature_check(content)
    signature = check.outcome
    if check.valid and not identical and not EDocument.objects.filter(sha256=sha256).exists():
        signature = UNKNOWN_DOCUMENT
    return FileComparison(
        sha256=sha256,
        identical=identical,
        seal_valid=seal_verify(seal=document.seal, sha256=sha256).valid,
        signature=signature,
        signed_at=check.signed_at,
    )
