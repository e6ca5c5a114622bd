import factory

from sharing.sandbox.models import SandboxAgency


class SandboxAgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SandboxAgency
        django_get_or_create = ("code",)

    code = "mois"
    name_ko = "행정안전부"
    name_en = "Ministry of the Interior and Safety"
