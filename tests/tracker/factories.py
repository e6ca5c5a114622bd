import factory
from django.utils import timezone

from sharing.tracker.models import Exchange, PrivacyOfficer
from tests.factories import OfficeFactory, OfficialFactory


class PrivacyOfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrivacyOfficer

    office = factory.SubFactory(OfficeFactory)
    user = factory.SubFactory(OfficialFactory)


class ExchangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exchange

    agency_code = "mois"
    item_code = "resident_abstract"
    outcome = Exchange.Outcome.OK
    latency_ms = 100
    finished_at = factory.LazyFunction(timezone.now)
