"""The fixture world of the security battery: two citizens with petitions, drafts,
supplements and documents, two offices with their officials, built through the project's
own services and factories.

Everything the battery calls "the victim's" belongs to citizen A, filed at office A; the
attackers are anonymous, citizen B (with petitions of their own at office B) and an official
of office B. ``World.values`` lists, per kind of identifier, the values a URL may carry to
name one of the victim's objects.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.test import Client

from tests.conftest import login_verified

# The project's own tables (row counts before/after a refused request must not move).
PROJECT_APP_LABELS = ("portal", "petitions", "sharing", "documents")


def project_models() -> list[type[models.Model]]:
    return [
        model
        for label in PROJECT_APP_LABELS
        if label in apps.app_configs
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.managed
    ]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in project_models()}


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
    victim: object
    victim_official: object
    victim_supervisor: object
    attacker_citizen: object
    attacker_official: object
    administrator: object
    filed: object  # the victim's petition waiting for information
    supplement_petition: object  # the victim's petition with an open supplement request
    draft: object  # the victim's draft
    attacker_petition: object
    values: dict[str, list] = field(default_factory=dict)
    uuids_by_label: dict[str, list] = field(default_factory=dict)
    # Primary keys of the victim's rows, per model label.
    victim_pks: dict[str, list[int]] = field(default_factory=dict)

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
        return {
            "the applicant": victim,
            "an official of the handling office": login_verified(Client(), self.victim_official),
            "a supervisor of the handling office": login_verified(Client(), self.victim_supervisor),
            "an administrator": login_verified(Client(), self.administrator),
        }


def _collect(world: World) -> None:
    from petitions.models import InternalNote, Petition, PetitionUpload, SupplementRequest, TimelineEvent
    from sharing.documents.models import DocumentRequest, EDocument
    from sharing.models import FetchRequest

    victim_petitions = list(Petition.objects.filter(applicant=world.victim))
    receipts = [p.receipt_no for p in victim_petitions if p.receipt_no]
    querysets = {
        Petition: Petition.objects.filter(applicant=world.victim),
        FetchRequest: FetchRequest.objects.filter(case_ref__in=receipts),
        SupplementRequest: SupplementRequest.objects.filter(petition__applicant=world.victim),
        PetitionUpload: PetitionUpload.objects.filter(petition__applicant=world.victim),
        TimelineEvent: TimelineEvent.objects.filter(petition__applicant=world.victim),
        InternalNote: InternalNote.objects.filter(petition__applicant=world.victim),
        EDocument: EDocument.objects.filter(owner=world.victim),
        DocumentRequest: DocumentRequest.objects.filter(owner=world.victim),
        type(world.victim): type(world.victim).objects.filter(pk=world.victim.pk),
    }
    world.victim_pks = {model._meta.label: list(qs.values_list("pk", flat=True)) for model, qs in querysets.items()}
    uuids: list[uuid.UUID] = []
    for model, qs in querysets.items():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, models.UUIDField)]
        for name in names:
            found = [value for value in qs.values_list(name, flat=True) if value]
            world.uuids_by_label.setdefault(model._meta.label, []).extend(found)
            uuids.extend(found)
    world.values = {
        "receipt": receipts,
        "uuid": uuids,
        "slug": sorted({p.petition_type.slug for p in victim_petitions}),
        "verification_code": list(EDocument.objects.filter(owner=world.victim).values_list("verification_code",
                                                                                       flat=True)),
        "username": [world.victim.get_username()],
        "item_code": sorted(set(FetchRequest.objects.filter(case_ref__in=receipts).values_list("item__code", flat=True))),
    }


def build_world() -> World:
    """Needs the database, the ``office``-style fixtures' offices and the demo catalogue."""
    from petitions import services
    from petitions.demo import petition_types_seed
    from petitions.identity import resident_link_set
    from petitions.models import Petition
    from petitions.workflow import petition_transition
    from sharing.demo import seed as catalogue_seed
    from sharing.documents.models import Kind
    from tests.documents.factories import issued_document
    from tests.factories import AdministratorFactory, CitizenFactory, MembershipFactory, OfficeFactory, OfficialFactory
    from tests.petitions.conftest import CITIZEN1, CITIZEN2
    from tests.petitions.helpers import file_building_use_change

    office_a = OfficeFactory(code="jongno", name_ko="종로구청", name_en="Jongno-gu Office", district_code="11110")
    office_b = OfficeFactory(code="gangnam", name_ko="강남구청", name_en="Gangnam-gu Office", district_code="11680")
    OfficeFactory(code="mapo", name_ko="마포구청", name_en="Mapo-gu Office", district_code="11440")
    catalogue_seed()
    petition_types_seed()

    victim = CitizenFactory(username="victim-citizen")
    attacker = CitizenFactory(username="attacker-citizen")
    resident_link_set(user=victim, record=CITIZEN1)
    resident_link_set(user=attacker, record=CITIZEN2)
    victim_official = MembershipFactory(office=office_a, user=OfficialFactory(username="victim-official")).user
    victim_supervisor = MembershipFactory(office=office_a, user=OfficialFactory(username="victim-supervisor"),
                                          role="supervisor").user
    attacker_official = MembershipFactory(office=office_b, user=OfficialFactory(username="attacker-official")).user
    administrator = AdministratorFactory(username="security-admin")

    # The attacker's own petition first, so that their rows and the victim's differ in primary key.
    attacker_petition = file_building_use_change(attacker)
    filed = file_building_use_change(victim)
    supplement_petition = file_building_use_change(victim, reason="2층 사무실을 학원으로 바꾸려 합니다.")
    petition_transition(petition=supplement_petition, to=Petition.Status.UNDER_REVIEW)
    services.supplement_request(petition=supplement_petition, actor=victim_official,
                                message="건축물 현황 도면을 올려 주세요.", field_keys=["reason"], documents_requested=True)
    for petition in (filed, supplement_petition):
        issued_document(owner=victim, office=office_a, case_ref=petition.receipt_no, title="민원 접수증")
        issued_document(owner=victim, office=office_a, case_ref=petition.receipt_no, kind=Kind.ATTACHMENT,
                        title="건축물 현황 도면")
    issued_document(owner=attacker, office=office_b, case_ref=attacker_petition.receipt_no, title="민원 접수증")
    draft = services.petition_draft_start(petition_type=filed.petition_type, applicant=victim)
    draft = services.petition_draft_update_applicant(petition=draft, phone="010-1234-5678", email="a@example.org",
                                                     address="서울특별시 종로구 자하문로 10")
    assert filed.office_id == office_a.pk and attacker_petition.office_id == office_b.pk
    world = World(
        victim=victim, victim_official=victim_official, victim_supervisor=victim_supervisor,
        attacker_citizen=attacker, attacker_official=attacker_official, administrator=administrator,
        filed=filed, supplement_petition=Petition.objects.get(pk=supplement_petition.pk), draft=draft,
        attacker_petition=attacker_petition,
    )
    _collect(world)
    return world
