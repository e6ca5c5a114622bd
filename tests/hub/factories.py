import datetime

import factory
from django.utils import timezone

from portal.models import UsingAgency
from sharing.hub.models import ApprovedUse, OwningAgencyReviewer, UsingAgencyAdministrator
from sharing.models import Purpose
from tests.factories import OfficialFactory
from tests.sharing.factories import InformationItemFactory


class UsingAgencyFactory(factory.django.DjangoModelFactory[UsingAgency]):
    class Meta:
        model = UsingAgency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"using{n}")
    name_ko = factory.Sequence(lambda n: f"이용기관 {n}")
    name_en = factory.Sequence(lambda n: f"Using agency {n}")
    kind = UsingAgency.Kind.LOCAL


class PurposeFactory(factory.django.DjangoModelFactory[Purpose]):
    class Meta:
        model = Purpose
        django_get_or_create = ("code",)

    code = "P-PARKING"
    name_ko = "거주자 우선주차 신청 심사"
    name_en = "Resident priority parking permit review"


class ApprovedUseFactory(factory.django.DjangoModelFactory[ApprovedUse]):
    """An approved use in force today (status and period), with the fields given (default: name)."""

    class Meta:
        model = ApprovedUse

    using_agency = factory.SubFactory(UsingAgencyFactory)
    item = factory.SubFactory(InformationItemFactory)
    affair_code = factory.Sequence(lambda n: f"AFFAIR-{n:03d}")
    affair_name_ko = "거주자 우선주차 관리"
    affair_name_en = "Resident priority parking"
    purpose = factory.SubFactory(PurposeFactory)
    legal_basis = "주차장법 제10조"
    legal_basis_en = "Parking Lot Act, Article 10"
    requested_fields = factory.LazyFunction(lambda: ["name"])
    fields = factory.LazyAttribute(lambda o: list(o.requested_fields))
    expected_monthly_volume = 100
    requested_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    requested_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=335))
    valid_from = factory.LazyAttribute(lambda o: o.requested_from)
    valid_until = factory.LazyAttribute(lambda o: o.requested_until)
    status = ApprovedUse.Status.APPROVED


class UsingAgencyAdministratorFactory(factory.django.DjangoModelFactory[UsingAgencyAdministrator]):
    class Meta:
        model = UsingAgencyAdministrator

    using_agency = factory.SubFactory(UsingAgencyFactory)
    user = factory.SubFactory(OfficialFactory)


class OwningAgencyReviewerFactory(factory.django.DjangoModelFactory[OwningAgencyReviewer]):
    class Meta:
        model = OwningAgencyReviewer

    agency = factory.SubFactory("tests.sharing.factories.AgencyFactory")
    user = factory.SubFactory(OfficialFactory)
