"""The fixture world of the security battery: two citizens with petitions, drafts,
supplements, fetched information and documents, two offices with their officials, built
through the project's own services and factories.

Everything the battery calls "the victim's" belongs to citizen A, filed at office A; the
attackers are anonymous, citizen B (with petitions of their own at office B) and an official
of office B. Which rows are the victim's is decided by rule, for every table of the project
(a foreign key to the victim or to their petition, their case reference, their subject
hash), so the rows of an app added later are found too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client

from tests.conftest import login_verified

if TYPE_CHECKING:
    from petitions.models import Petition
    from portal.models import User

# The project's own tables (row counts before/after a refused request must not move).
PROJECT_APP_LABELS = (
    "portal",
    "petitions",
    "sharing",
    "documents",
    "tracker",
    "hub",
    "submissions",
    "api",
    "oauth2_provider",
)


def project_models() -> list[type[models.Model]]:
    return [
        model
        for label in PROJECT_APP_LABELS
        if label in apps.app_configs
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.managed
    ]


def row_counts() -> dict[str, int]:
    """Rows per project table. Access-log entries of the "viewed" kind are left out: a page
    shown again with its errors shows the personal data again, and rightly logs that."""
    from sharing.models import AccessLogEntry

    counts = {model._meta.label: model._default_manager.count() for model in project_models()}
    counts[AccessLogEntry._meta.label] = AccessLogEntry.objects.exclude(action="viewed").count()
    return counts


def fingerprint() -> dict:
    """Row counts of every project table, plus the state of every petition and fetch."""
    from petitions.models import Petition
    from sharing.models import FetchRequest

    return {
        "rows": row_counts(),
        "petitions": sorted(Petition.objects.values_list("pk", "status", "wizard_step", "updated_at")),
        "fetches": sorted(FetchRequest.objects.values_list("pk", "state", "attempts")),
    }


@dataclass
class World:
    victim: User
    victim_official: User
    victim_supervisor: User
    attacker_citizen: User
    attacker_official: User
    administrator: User
    filed: Petition  # the victim's petition waiting for information
    reviewed: Petition  # the victim's petition with its information fetched, under review
    supplement_petition: Petition  # the victim's petition with an open supplement request
    draft: Petition  # the victim's draft at the form step
    attacker_petition: Petition
    values: dict[str, list] = field(default_factory=dict)
    uuids_by_label: dict[str, list] = field(default_factory=dict)
    # Primary keys of the victim's rows, per model label.
    victim_pks: dict[str, list[int]] = field(default_factory=dict)
    # Pages that need a query string to show their content (crawled by the form fuzzer).
    extra_pages: list[str] = field(default_factory=list)
    # Staff of the recipient the victim submitted a document to (its inbox shows it).
    recipient_staff: User | None = None

    def clients(self) -> dict[str, Client]:
        """Attackers: nobody signed in, another citizen, an official of another office."""
        citizen = Client()
        citizen.force_login(self.attacker_citizen, backend="django.contrib.auth.backends.ModelBackend")
        return {
            "anonymous": Client(),
            "another citizen": citizen,
            "official of another office": login_verified(Client(), self.attacker_official),
        }

    def owner_clients(self) -> dict[str, Client]:
        """Who may open the victim's objects: the victim, their office's officials, an administrator."""
        victim = Client()
        victim.force_login(self.victim, backend="django.contrib.auth.backends.ModelBackend")
        owners = {
            "the applicant": victim,
            "an official of the handling office": login_verified(Client(), self.victim_official),
            "a supervisor of the handling office": login_verified(Client(), self.victim_supervisor),
            "an administrator": login_verified(Client(), self.administrator),
        }
        if self.recipient_staff is not None:
            owners["staff of the recipient the applicant submitted to"] = login_verified(Client(), self.recipient_staff)
        return owners


def victim_rows(model: type[models.Model], *, victim, receipts: list[str], subject_hash: str):
    """The model's rows that belong to the victim, by rule; None when no rule applies."""
    from petitions.models import Petition

    conditions = models.Q()
    ruled = False
    for model_field in model._meta.concrete_fields:
        if model_field.is_relation and isinstance(model_field.related_model, type):
            related = model_field.related_model
            if related._meta.label == settings.AUTH_USER_MODEL and model_field.name in (
                "user",
                "owner",
                "applicant",
                "citizen",
                "person",
                "account",
                "subject_user",
                "principal",
            ):
                conditions |= models.Q(**{model_field.name: victim})
                ruled = True
            elif related is Petition:
                conditions |= models.Q(**{f"{model_field.name}__applicant": victim})
                ruled = True
        elif model_field.name == "case_ref":
            conditions |= models.Q(case_ref__in=receipts)
            ruled = True
        elif model_field.name in ("subject_hash", "rrn_hash"):
            conditions |= models.Q(**{model_field.name: subject_hash})
            ruled = True
    if model._meta.label == settings.AUTH_USER_MODEL:
        return model._default_manager.filter(pk=victim.pk)
    if model is Petition:
        return model._default_manager.filter(applicant=victim)
    return model._default_manager.filter(conditions) if ruled else None


def collect(world: World) -> None:
    from petitions.models import Payment, Petition
    from sharing.crypto import subject_hash
    from sharing.documents.models import EDocument
    from sharing.models import AccessLogEntry, FetchRequest
    from tests.factories import CITIZEN1

    victim_petitions = list(Petition.objects.filter(applicant=world.victim).select_related("petition_type"))
    receipts = [p.receipt_no for p in victim_petitions if p.receipt_no]
    victim_hash = subject_hash(CITIZEN1.rrn)
    world.victim_pks, world.uuids_by_label = {}, {}
    uuids: list[uuid.UUID] = []
    for model in project_models():
        rows = victim_rows(model, victim=world.victim, receipts=receipts, subject_hash=victim_hash)
        if rows is None:
            continue
        label = model._meta.label
        world.victim_pks[label] = list(rows.values_list("pk", flat=True))
        for uuid_field in [f.name for f in model._meta.concrete_fields if isinstance(f, models.UUIDField)]:
            found = [value for value in rows.values_list(uuid_field, flat=True) if value]
            world.uuids_by_label.setdefault(label, []).extend(found)
            uuids.extend(found)
    codes = list(EDocument.objects.filter(owner=world.victim).values_list("verification_code", flat=True))
    world.values = {
        "receipt": receipts,
        "uuid": uuids,
        "slug": sorted({p.petition_type.slug for p in victim_petitions}),
        "verification_code": codes,
        "username": [world.victim.get_username()],
        "item_code": sorted(
            set(FetchRequest.objects.filter(case_ref__in=receipts).values_list("item__code", flat=True))
        ),
        "sequence": list(AccessLogEntry.objects.filter(subject_hash=victim_hash).values_list("sequence", flat=True)),
        "order_id": list(Payment.objects.filter(payer=world.victim).values_list("order_id", flat=True)),
    }
    world.extra_pages = [f"/verify/?code={code}" for code in codes[:1]]
    # The hub's uses of the victim official's using agency (the official applies, the supervisor reviews).
    from sharing.hub.models import ApprovedUse

    world.uuids_by_label["hub.ApprovedUse"] = list(
        ApprovedUse.objects.filter(using_agency__administrators__user=world.victim_official).values_list(
            "public_id", flat=True
        )
    )
    world.extra_pages.append("/hub/uses/apply/?agency=seoul-jongno&item=resident_abstract")


SAMPLE_VALUES = {"string": "시험 값", "date": "2020-03-02", "integer": 3, "boolean": False, "list": [], "object": {}}


class AnsweringProvider:
    """Stands in for the standard connection: the agency answers every field it is asked,
    or refuses the items named in ``refuse``."""

    def __init__(self, refuse=()):
        self.refuse = set(refuse)

    def fetch(self, request):
        from sharing.providers.errors import Refused

        if request.item_code in self.refuse:
            raise Refused("subject_not_found", code="subject_not_found", status=404)
        from sharing.models import ItemField
        from sharing.providers.base import ProviderResponse

        types = dict(ItemField.objects.filter(item__code=request.item_code).values_list("key", "type"))
        fields = {
            key: ("900101-1234567" if "rrn" in key else SAMPLE_VALUES.get(types.get(key, "string"), "시험 값"))
            for key in request.fields
        }
        return ProviderResponse(
            txn_id=request.txn_id, item_code=request.item_code, agency_code=request.agency.code, fields=fields
        )


def fetch_all(case_ref: str, *, only=None, refuse=()) -> None:
    """Runs the pending fetches of the case (or of the items ``only``) through the real fetch
    service, answered at once (or refused, for the items in ``refuse``)."""
    from sharing.models import Agency, FetchRequest
    from sharing.services import fetch_execute

    provider = AnsweringProvider(refuse=refuse)
    registry = dict.fromkeys(Agency.objects.values_list("provider", flat=True), provider)
    fetches = FetchRequest.objects.filter(case_ref=case_ref)
    if only is not None:
        fetches = fetches.filter(item__code__in=only)
    for pk in fetches.values_list("pk", flat=True):
        fetch_execute(fetch_request_id=pk, registry=registry)


def build_world() -> World:
    """Needs the database; fetches and renders are queued, not run (see conftest)."""
    from petitions import services
    from petitions.demo import petition_types_seed
    from petitions.identity import resident_link_set
    from petitions.models import Petition, PetitionType, RequiredInformation
    from petitions.workflow import petition_transition
    from sharing.demo import seed as catalogue_seed
    from sharing.documents.models import Kind
    from tests.documents.factories import issued_document
    from tests.factories import (
        CITIZEN1,
        CITIZEN2,
        AdministratorFactory,
        CitizenFactory,
        MembershipFactory,
        OfficeFactory,
        OfficialFactory,
    )
    from tests.petitions.helpers import file_building_use_change

    office_a = OfficeFactory.create(
        code="jongno", name_ko="종로구청", name_en="Jongno-gu Office", district_code="11110"
    )
    office_b = OfficeFactory.create(
        code="gangnam", name_ko="강남구청", name_en="Gangnam-gu Office", district_code="11680"
    )
    OfficeFactory.create(code="mapo", name_ko="마포구청", name_en="Mapo-gu Office", district_code="11440")
    catalogue_seed()
    petition_types_seed()
    # The reporter's resident registration number too, so that the review page masks one.
    RequiredInformation.objects.filter(
        petition_type__slug="building-use-change", item__code="resident_abstract"
    ).update(fields=["name", "rrn", "address"])
    # ...under approved uses that permit it (the offices' using agencies apply for the wider use).
    from petitions.demo import demo_use

    for row in RequiredInformation.objects.filter(
        petition_type__slug="building-use-change", item__code="resident_abstract"
    ).select_related("petition_type__handling_office", "item"):
        row.approved_use = demo_use(
            petition_type=row.petition_type,
            item=row.item,
            purpose_code=row.purpose_code,
            fields=row.fields,
            consent=row.consent_required,
        )
        row.save(update_fields=["approved_use"])

    victim = CitizenFactory.create(username="victim-citizen")
    attacker = CitizenFactory.create(username="attacker-citizen")
    resident_link_set(user=victim, record=CITIZEN1)
    resident_link_set(user=attacker, record=CITIZEN2)
    victim_official = MembershipFactory.create(
        office=office_a, user=OfficialFactory.create(username="victim-official")
    ).user
    victim_supervisor = MembershipFactory.create(
        office=office_a, user=OfficialFactory.create(username="victim-supervisor"), role="supervisor"
    ).user
    attacker_official = MembershipFactory.create(
        office=office_b, user=OfficialFactory.create(username="attacker-official")
    ).user
    administrator = AdministratorFactory.create(username="security-admin")

    _hub_rows(victim_official=victim_official, victim_supervisor=victim_supervisor)
    # The attacker's own petition first, so that their rows and the victim's differ in primary key.
    attacker_petition = file_building_use_change(attacker)
    fetch_all(attacker_petition.receipt_no)
    filed = file_building_use_change(victim)
    # One item the agency refuses (the citizen is offered an upload instead); the rest pending.
    fetch_all(filed.receipt_no, only=["land_use_plan"], refuse=["land_use_plan"])
    reviewed = file_building_use_change(victim, reason="3층을 사무실로 바꾸려 합니다.")
    fetch_all(reviewed.receipt_no)
    reviewed = Petition.objects.get(pk=reviewed.pk)
    if reviewed.status == Petition.Status.COLLECTING:
        petition_transition(petition=reviewed, to=Petition.Status.UNDER_REVIEW)
    supplement_petition = file_building_use_change(victim, reason="2층 사무실을 학원으로 바꾸려 합니다.")
    petition_transition(petition=supplement_petition, to=Petition.Status.UNDER_REVIEW)
    services.supplement_request(
        petition=supplement_petition,
        actor=victim_official,
        message="건축물 현황 도면을 올려 주세요.",
        field_keys=["reason"],
        documents_requested=True,
    )
    for petition in (filed, reviewed, supplement_petition):
        issued_document(owner=victim, office=office_a, case_ref=petition.receipt_no, title="민원 접수증")
        issued_document(
            owner=victim, office=office_a, case_ref=petition.receipt_no, kind=Kind.ATTACHMENT, title="건축물 현황 도면"
        )
    issued_document(owner=attacker, office=office_b, case_ref=attacker_petition.receipt_no, title="민원 접수증")

    draft = services.petition_draft_start(petition_type=filed.petition_type, applicant=victim)
    draft = services.petition_draft_update_applicant(
        petition=draft, phone="010-1234-5678", email="a@example.org", address="서울특별시 종로구 자하문로 10"
    )
    # A draft of a type that asks for consent, advanced to its last step (consent and review shown).
    pension = services.petition_draft_start(
        petition_type=PetitionType.objects.get(slug="basic-pension"), applicant=victim
    )
    services.petition_draft_update_step(petition=pension, next_step="review")
    # Filing for someone else: the victim lets a helper file for them, without consent given in
    # advance; the helper's draft asks the victim's consent (answered on the victim's page).
    from petitions import delegation_services
    from petitions.calendar import local_today

    helper = CitizenFactory.create(username="helper-citizen")
    delegation = delegation_services.delegation_grant(
        principal=victim,
        identifier=helper.username,
        petition_types=[],
        all_types=True,
        valid_until=local_today(),
        consent_given=False,
    )
    for_victim = services.petition_draft_start(
        petition_type=filed.petition_type, applicant=helper, delegation=delegation
    )
    delegation_services.principal_consent_request(petition=for_victim, actor=helper)
    # A draft the victim files with a delegation letter, at its applicant step (the letter form).
    services.petition_draft_update_step(
        petition=services.petition_draft_start(petition_type=filed.petition_type, applicant=victim, letter=True),
        next_step="applicant",
    )
    # A payment the victim started for the fee of a draft (its order id names it in the return pages).
    from petitions.models import Payment

    Payment.objects.create(
        order_id="FEE-victims-order", petition=pension, payer=victim, provider="sandbox", amount=1000, order_name="fee"
    )
    assert filed.office_id == office_a.pk and attacker_petition.office_id == office_b.pk
    if apps.is_installed("sharing.tracker"):
        _tracker_rows(
            victim=victim,
            office_a=office_a,
            office_b=office_b,
            victim_supervisor=victim_supervisor,
            attacker_official=attacker_official,
            reviewed=reviewed,
        )
    if apps.is_installed("sharing.hub"):
        _oversight_rows(office_a=office_a)
    hub_use = _lookup_rows(victim=victim, office_a=office_a, looking_up=victim_supervisor)
    recipient_staff = (
        _submission_rows(victim=victim, office_a=office_a, case_ref=reviewed.receipt_no)
        if apps.is_installed("sharing.submissions")
        else None
    )
    world = World(
        victim=victim,
        victim_official=victim_official,
        victim_supervisor=victim_supervisor,
        attacker_citizen=attacker,
        attacker_official=attacker_official,
        administrator=administrator,
        filed=filed,
        reviewed=reviewed,
        supplement_petition=Petition.objects.get(pk=supplement_petition.pk),
        draft=draft,
        attacker_petition=attacker_petition,
        recipient_staff=recipient_staff,
    )
    collect(world)
    _api_rows(world)
    # The use the victim's office looks up under (not the victim's row: named for the look-up form).
    uses = world.uuids_by_label.setdefault("hub.ApprovedUse", [])
    if hub_use.public_id not in uses:
        uses.append(hub_use.public_id)
    return world


def _api_rows(world: World) -> None:
    """An app the victim authorised through the open API (its revocation is the victim's alone)."""
    from tests.api.helpers import citizen_app, token_for

    application = citizen_app("Victim's budget app")
    token_for(world.victim, application, "petitions.read")
    world.victim_pks["oauth2_provider.Application"] = [application.pk]


def _hub_rows(*, victim_official, victim_supervisor) -> None:
    """The hub's roles and uses: the victim's official administers the Jongno-gu using agency and
    applied for a use of the resident abstract; the victim's supervisor administers it too and
    reviews for the item's owning agency."""
    import datetime

    from django.utils import timezone

    from portal.models import UsingAgency
    from sharing.hub import services as hub
    from sharing.hub.models import OwningAgencyReviewer, UsingAgencyAdministrator
    from sharing.models import InformationItem, Purpose

    jongno, _created = UsingAgency.objects.get_or_create(
        code="seoul-jongno",
        defaults={"name_ko": "서울특별시 종로구", "name_en": "Jongno-gu, Seoul", "kind": UsingAgency.Kind.LOCAL},
    )
    UsingAgencyAdministrator.objects.create(using_agency=jongno, user=victim_official)
    # The supervisor administers it too: the form fuzzer's only verified official applies with it.
    UsingAgencyAdministrator.objects.create(using_agency=jongno, user=victim_supervisor)
    item = InformationItem.objects.get(code="resident_abstract")
    OwningAgencyReviewer.objects.create(agency=item.agency, user=victim_supervisor)
    hub.use_apply(
        actor=victim_official,
        using_agency=jongno,
        item=item,
        affair_code="SECURITY-CHECK-01",
        affair_name_ko="보안 점검 사무",
        purpose=Purpose.objects.get(code="P-PARKING"),
        legal_basis="주차장법 제10조",
        consent_required=False,
        fields=["name", "address"],
        expected_monthly_volume=10,
        requested_from=timezone.localdate(),
        requested_until=timezone.localdate() + datetime.timedelta(days=30),
    )


def _submission_rows(*, victim, office_a, case_ref):
    """Submission to a third party: a bank with one staff account (who opens its inbox), and the
    victim's result notice about themselves, submitted to it. Returns the staff account."""
    import uuid as uuid_module

    from portal.models import User
    from sharing.crypto import subject_hash
    from sharing.documents.models import Kind
    from sharing.submissions import services as submissions
    from sharing.submissions.models import Recipient, RecipientStaff
    from tests.documents.factories import issued_document
    from tests.factories import CITIZEN1, UserFactory

    bank = Recipient.objects.create(
        code="security-bank", name_ko="보안은행", name_en="Security Bank", kind=Recipient.Kind.BANK
    )
    staff = UserFactory.create(username="bank-staff", role=User.Role.RECIPIENT)
    RecipientStaff.objects.create(recipient=bank, user=staff)
    document = issued_document(
        owner=victim,
        office=office_a,
        case_ref=case_ref,
        kind=Kind.RESULT_NOTICE,
        title="처리결과 통지서",
        subject_hash=subject_hash(CITIZEN1.rrn),
    )
    submissions.submission_create(
        owner=victim,
        document=document,
        recipient=bank,
        purpose="대출 심사",
        idempotency_key=uuid_module.uuid4().hex,
    )
    return staff


def _oversight_rows(*, office_a) -> None:
    """An oversight flag about the victim (the same person looked up by many officials) in the
    handling office: its supervisor and privacy officer open it, nobody else."""
    import datetime

    from django.utils import timezone

    from sharing.crypto import subject_hash
    from sharing.hub.models import OversightFlag
    from tests.factories import CITIZEN1

    today = timezone.localdate()
    OversightFlag.objects.create(
        key=f"same_person:{office_a.pk}:-:-:victim:{today}",
        kind=OversightFlag.Kind.SAME_PERSON,
        office=office_a,
        subject_hash=subject_hash(CITIZEN1.rrn),
        window_start=today - datetime.timedelta(days=6),
        window_end=today,
        count=3,
        threshold=2,
    )


def _lookup_rows(*, victim, office_a, looking_up):
    """The hub's rows: office A belongs to a using agency with a use in force and one needing
    consent; the victim consented online to the latter, and office A's supervisor (a crawling
    owner of the form fuzzer) looked the victim up. Returns the use looked up under."""
    import datetime

    from django.core.cache import cache
    from django.utils import timezone

    from portal.models import UsingAgency
    from sharing.hub import services_lookups
    from sharing.hub.models import ApprovedUse
    from sharing.models import Agency, InformationItem, Purpose
    from tests.factories import CITIZEN1

    cache.clear()  # no use snapshot of another test under a reused id (SQLite)
    office_a.refresh_from_db()
    agency = office_a.using_agency
    if agency is None:
        agency = UsingAgency.objects.create(
            code="security-jongno", name_ko="서울특별시 종로구", name_en="Jongno-gu, Seoul", kind=UsingAgency.Kind.LOCAL
        )
        office_a.using_agency = agency
        office_a.save(update_fields=["using_agency"])
    today = timezone.localdate()
    common = {
        "using_agency": agency,
        "item": InformationItem.objects.get(code="resident_abstract"),
        "purpose": Purpose.objects.get(code="P-PARKING"),
        "legal_basis": "주차장법 제10조",
        "requested_fields": ["name", "address"],
        "fields": ["name", "address"],
        "requested_from": today - datetime.timedelta(days=1),
        "requested_until": today + datetime.timedelta(days=300),
        "valid_from": today - datetime.timedelta(days=1),
        "valid_until": today + datetime.timedelta(days=300),
        "status": ApprovedUse.Status.APPROVED,
    }
    use = ApprovedUse.objects.create(affair_code="SEC-PARKING-01", affair_name_ko="거주자 우선주차 관리", **common)
    consent_use = ApprovedUse.objects.create(
        affair_code="SEC-WELFARE-01", affair_name_ko="긴급복지 지원 조사", consent_required=True, **common
    )
    services_lookups.consent_grant_create(
        citizen=victim, use=consent_use, expires_on=today + datetime.timedelta(days=30)
    )
    registry = dict.fromkeys(Agency.objects.values_list("provider", flat=True), AnsweringProvider())
    services_lookups.lookup_create(
        official=looking_up,
        office=office_a,
        use=use,
        subject=CITIZEN1.rrn,
        case_reference="보안-2026-1",
        reason="보안 점검용 열람",
        registry=registry,
    )
    return use


def _tracker_rows(*, victim, office_a, office_b, victim_supervisor, attacker_official, reviewed) -> None:
    """The data-access tracker's rows: a concern about an access, and a refund inquiry answered."""
    from sharing.models import AccessLogEntry
    from sharing.tracker import services as tracker
    from sharing.tracker.models import PrivacyOfficer

    PrivacyOfficer.objects.create(office=office_a, user=victim_supervisor)
    PrivacyOfficer.objects.create(office=office_b, user=attacker_official)
    entry = AccessLogEntry.objects.filter(case_ref=reviewed.receipt_no).earliest("sequence")
    tracker.privacy_inquiry_create(citizen=victim, entry=entry, message="누가 제 정보를 열람했는지 궁금합니다.")
    from sharing.hub import demo as hub_demo

    tracker.portal_office()
    hub_demo.using_agencies_seed()  # the portal's using agency and its uses for refund inquiries
    hub_demo.refund_uses_seed()
    inquiry = tracker.refund_inquiry_start(citizen=victim)
    fetch_all(inquiry.case_ref)
