import factory

from petitions.models import FormField, Petition, PetitionType
from tests.factories import CitizenFactory, OfficeFactory


class PetitionTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PetitionType
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"petition-type-{n}")
    name_ko = factory.Sequence(lambda n: f"시험 민원 {n}")
    name_en = factory.Sequence(lambda n: f"Test petition {n}")
    description_ko = "시험용 민원입니다."
    description_en = "A petition for tests."
    category = "residence"
    processing_days = 5
    fee = 0
    routing = PetitionType.Routing.FIXED
    handling_office = factory.SubFactory(OfficeFactory, code="jongno", district_code="11110")


class FormFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormField

    petition_type = factory.SubFactory(PetitionTypeFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label_ko = factory.Sequence(lambda n: f"항목 {n}")
    label_en = factory.Sequence(lambda n: f"Field {n}")
    type = FormField.Type.SHORT_TEXT
    required = True
    order = factory.Sequence(lambda n: n)


class PetitionFactory(factory.django.DjangoModelFactory[Petition]):
    """A filed petition (status submitted) unless a status is given."""

    class Meta:
        model = Petition

    petition_type = factory.SubFactory(PetitionTypeFactory)
    applicant = factory.SubFactory(CitizenFactory)
    status = Petition.Status.SUBMITTED
    receipt_no = factory.Sequence(lambda n: f"2026-{n + 9000000:07d}")
    office = factory.SelfAttribute("petition_type.handling_office")
    type_version = 1
    type_snapshot = factory.LazyAttribute(
        lambda o: {
            "name_ko": o.petition_type.name_ko,
            "name_en": o.petition_type.name_en,
            "fields": [],
            "required_information": [],
            "version": 1,
        }
    )
