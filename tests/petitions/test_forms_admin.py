import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from petitions.forms import AnswersForm
from petitions.models import FormField, PetitionType, RequiredInformation
from sharing.models import InformationItem
from tests.petitions.factories import FormFieldFactory, PetitionTypeFactory

F = FormField.Type


def spec(key, type_, **extra):
    base = {
        "key": key,
        "label_ko": key,
        "label_en": key,
        "help_ko": "",
        "help_en": "",
        "type": type_,
        "required": True,
        "choices": [],
        "min_value": None,
        "max_value": None,
        "max_length": None,
        "pattern": "",
    }
    return base | extra


SPECS = [
    spec("plate", F.SHORT_TEXT, pattern=r"^\d{2,3}[가-힣]\d{4}$"),
    spec("area", F.NUMBER, min_value=1, max_value=100),
    spec("when", F.DATE),
    spec("kind", F.CHOICE, choices=[["a", "가", "A"], ["b", "나", "B"]]),
    spec("agree", F.YES_NO),
    spec("account", F.BANK_ACCOUNT),
    spec("note", F.LONG_TEXT, required=False),
]


def test_answers_form_validates_on_the_server_in_korean():
    with translation.override("ko"):
        form = AnswersForm(
            data={
                "plate": "abc",
                "area": "500",
                "when": "nope",
                "kind": "z",
                "agree": "maybe",
                "account__bank": "kb",
                "account__number": "12",
            },
            specs=SPECS,
        )
        assert not form.is_valid()
        assert set(form.errors) == {"plate", "area", "when", "kind", "agree", "account__number"}
        assert form.errors["plate"][0] == "‘plate’의 형식이 올바르지 않습니다."
        assert "100" in form.errors["area"][0]


def test_answers_form_gives_json_ready_answers():
    form = AnswersForm(
        data={
            "plate": "12가3456",
            "area": "50",
            "when": "2026-09-23",
            "kind": "b",
            "agree": "yes",
            "account__bank": "kb",
            "account__number": "123-456-789012",
        },
        specs=SPECS,
    )
    assert form.is_valid(), form.errors
    assert form.answers() == {
        "plate": "12가3456",
        "area": 50,
        "when": "2026-09-23",
        "kind": "b",
        "agree": "yes",
        "account": {"bank": "kb", "number": "123-456-789012"},
        "note": None,
    }


def test_answers_form_in_english():
    with translation.override("en"):
        form = AnswersForm(data={}, specs=SPECS)
        assert not form.is_valid()
        assert form.errors["plate"] == ["This field is required."]


@pytest.mark.django_db
def test_form_field_rules_are_checked():
    field = FormFieldFactory.build(petition_type=PetitionTypeFactory(), type=F.CHOICE, choices="", pattern="(")
    with pytest.raises(ValidationError) as caught:
        field.clean()
    assert {"choices", "pattern"} <= set(caught.value.message_dict)


@pytest.fixture
def catalogue(db, office):
    from sharing.demo import seed

    seed()


def test_mapping_refuses_fields_that_are_not_the_items(catalogue):
    item = InformationItem.objects.get(code="building_ledger")
    mapping = RequiredInformation(
        petition_type=PetitionTypeFactory(),
        item=item,
        fields=["main_use", "salary"],
        purpose_code="P-BLDG-USE",
        purpose_ko="목적",
        purpose_en="Purpose",
        legal_basis="건축법",
        subject_source="form_field",
        subject_field_key="building_id",
    )
    with pytest.raises(ValidationError) as caught:
        mapping.full_clean()
    assert "salary" in str(caught.value.message_dict["fields"])
    mapping.fields = ["main_use"]
    mapping.purpose_code = "P-PASSPORT"
    with pytest.raises(ValidationError) as caught:
        mapping.full_clean()
    assert "purpose_code" in caught.value.message_dict
    mapping.purpose_code = "P-BLDG-USE"
    mapping.full_clean()


def test_admin_edits_types_with_inlines_and_refuses_bad_mappings(catalogue, admin_client_verified, office):
    petition_type = PetitionTypeFactory(slug="admin-test", handling_office=office)
    url = reverse("admin:petitions_petitiontype_change", args=[petition_type.pk])
    page = admin_client_verified.get(url)
    assert page.status_code == 200
    item = InformationItem.objects.get(code="resident_abstract")
    data = {
        "slug": "admin-test",
        "name_ko": "관리 시험",
        "name_en": "Admin test",
        "category": "residence",
        "active": "on",
        "description_ko": "",
        "description_en": "",
        "notes_ko": "",
        "notes_en": "",
        "processing_days": "3",
        "fee": "0",
        "routing": "fixed",
        "handling_office": str(office.pk),
        "form_fields-TOTAL_FORMS": "1",
        "form_fields-INITIAL_FORMS": "0",
        "form_fields-0-key": "reason",
        "form_fields-0-label_ko": "사유",
        "form_fields-0-label_en": "Reason",
        "form_fields-0-type": "long_text",
        "form_fields-0-required": "on",
        "form_fields-0-order": "0",
        "required_information-TOTAL_FORMS": "1",
        "required_information-INITIAL_FORMS": "0",
        "fee_exemptions-TOTAL_FORMS": "0",
        "fee_exemptions-INITIAL_FORMS": "0",
        "required_information-0-item": str(item.pk),
        "required_information-0-fields": "name, salary",
        "required_information-0-purpose_code": "P-MOVE-IN",
        "required_information-0-purpose_ko": "확인",
        "required_information-0-purpose_en": "Check",
        "required_information-0-legal_basis": "주민등록법",
        "required_information-0-legal_basis_en": "Resident Registration Act",
        "required_information-0-subject_source": "applicant",
        "required_information-0-order": "0",
        "required_information-0-others_policy": "own_only",  # the select's default, as a browser sends it
    }
    response = admin_client_verified.post(url, data)
    assert response.status_code == 200  # the form comes back with the error
    assert "salary" in response.content.decode()
    assert not RequiredInformation.objects.filter(petition_type=petition_type).exists()

    data["required_information-0-fields"] = "name, address"
    response = admin_client_verified.post(url, data)
    assert response.status_code == 302
    mapping = RequiredInformation.objects.get(petition_type=petition_type)
    assert mapping.fields == ["name", "address"]
    assert (mapping.legal_basis, mapping.legal_basis_en) == ("주민등록법", "Resident Registration Act")
    assert PetitionType.objects.get(pk=petition_type.pk).version == 2
    assert admin_client_verified.get(reverse("admin:petitions_petition_changelist")).status_code == 200


def test_admin_edits_both_languages_of_what_people_read(catalogue, admin_client_verified, office):
    """Every text of the catalogue a citizen or an official reads has a Korean and an English
    field on the admin's forms."""
    petition_type = PetitionTypeFactory(slug="admin-both", handling_office=office)
    page = admin_client_verified.get(reverse("admin:petitions_petitiontype_change", args=[petition_type.pk]))
    body = page.content.decode()
    for name in (
        "name_ko",
        "name_en",
        "description_ko",
        "description_en",
        "notes_ko",
        "notes_en",
        "form_fields-__prefix__-label_ko",
        "form_fields-__prefix__-label_en",
        "form_fields-__prefix__-help_ko",
        "form_fields-__prefix__-help_en",
        "required_information-__prefix__-purpose_ko",
        "required_information-__prefix__-purpose_en",
        "required_information-__prefix__-legal_basis",
        "required_information-__prefix__-legal_basis_en",
    ):
        assert f'name="{name}"' in body, name
    item = InformationItem.objects.get(code="resident_abstract")
    body = admin_client_verified.get(reverse("admin:sharing_informationitem_change", args=[item.pk])).content.decode()
    for name in (
        "name_ko",
        "name_en",
        "description_ko",
        "description_en",
        "replaces_ko",
        "replaces_en",
        "legal_basis",
        "legal_basis_en",
        "fields-0-label_ko",
        "fields-0-label_en",
    ):
        assert f'name="{name}"' in body, name
    agency = item.agency
    body = admin_client_verified.get(reverse("admin:sharing_agency_change", args=[agency.pk])).content.decode()
    assert 'name="name_ko"' in body and 'name="name_en"' in body
    body = admin_client_verified.get(reverse("admin:portal_office_change", args=[office.pk])).content.decode()
    assert 'name="name_ko"' in body and 'name="name_en"' in body
