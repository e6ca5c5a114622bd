import factory

from sharing.sandbox.models import Grant, SandboxAgency


class SandboxAgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SandboxAgency
        django_get_or_create = ("code",)

    code = "mois"
    name_ko = "행정안전부"
    name_en = "Ministry of the Interior and Safety"


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grant

    agency = factory.SubFactory(SandboxAgencyFactory)
    office_code = "jongno"
    item_code = "resident_abstract"
    fields = factory.LazyFunction(lambda: ["name", "address", "move_in_date"])
    purposes = factory.LazyFunction(lambda: ["P-PARKING"])
