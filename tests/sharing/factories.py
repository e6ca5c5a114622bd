import factory
from django.utils import timezone

from sharing import crypto
from sharing.models import Agency, FetchRequest, InformationItem, ItemField
from tests.factories import OfficeFactory


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"agency{n}")
    name_ko = factory.Sequence(lambda n: f"시험기관 {n}")
    name_en = factory.Sequence(lambda n: f"Test agency {n}")
    base_url = factory.LazyAttribute(lambda o: f"http://127.0.0.1:9/sandbox/agencies/{o.code}/")
    max_attempts = 3
    backoff_base_seconds = 1.0
    backoff_cap_seconds = 10.0
    circuit_failure_threshold = 3
    circuit_reset_seconds = 30
    timeout_seconds = 2.0


class InformationItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InformationItem
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"item{n}")
    agency = factory.SubFactory(AgencyFactory)
    name_ko = factory.Sequence(lambda n: f"시험 항목 {n}")
    name_en = factory.Sequence(lambda n: f"Test item {n}")
    subject_kind = "person"


class ItemFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemField
        django_get_or_create = ("item", "key")

    item = factory.SubFactory(InformationItemFactory)
    key = factory.Sequence(lambda n: f"field{n}")
    label_ko = factory.LazyAttribute(lambda o: o.key)
    label_en = factory.LazyAttribute(lambda o: o.key)


class FetchRequestFactory(factory.django.DjangoModelFactory[FetchRequest]):
    class Meta:
        model = FetchRequest

    case_ref = factory.Sequence(lambda n: f"2026-{n:07d}")
    item = factory.SubFactory(InformationItemFactory)
    office = factory.SubFactory(OfficeFactory)
    fields = factory.LazyFunction(lambda: ["name"])
    purpose_code = "P-PENSION"
    subject_kind = "person"
    subject_encrypted = factory.LazyFunction(lambda: crypto.encrypt_text("900101-1234567"))
    subject_hash = factory.LazyFunction(lambda: crypto.subject_hash("900101-1234567"))
    # An approved use in force that permits exactly this fetch: of the office's using agency
    # (given one if it has none), for the item, purpose and fields.
    approved_use = factory.LazyAttribute(lambda o: use_permitting(o.office, o.item, o.purpose_code, o.fields))


def use_permitting(office, item, purpose_code, fields, **overrides):
    """An approved use in force for ``office``'s using agency permitting a fetch of ``fields`` of
    ``item`` for ``purpose_code``; the office is given a using agency if it has none."""
    from tests.hub.factories import ApprovedUseFactory, PurposeFactory, UsingAgencyFactory

    if office.using_agency_id is None:
        office.using_agency = UsingAgencyFactory(code=f"ua-{office.code}"[:40])
        office.save(update_fields=["using_agency"])
    for key in fields:
        ItemFieldFactory(item=item, key=key)
    values = {
        "using_agency": office.using_agency,
        "item": item,
        "purpose": PurposeFactory(code=purpose_code, name_ko=purpose_code, name_en=purpose_code),
        "requested_fields": list(fields),
    }
    return ApprovedUseFactory(**(values | overrides))


def _reusable_use(office, item, purpose_code, fields):
    """An approved use made earlier (by ``use_permitting``) that permits the fetch too, if any."""
    from sharing.hub.models import ApprovedUse

    if office.using_agency_id is None:
        return None
    for use in ApprovedUse.objects.filter(
        using_agency_id=office.using_agency_id,
        item=item,
        purpose__code=purpose_code,
        status=ApprovedUse.Status.APPROVED,
        consent_required=False,
    ):
        if use.in_force_on(timezone.localdate()) and all(key in use.fields for key in fields):
            return use
    return None


def permitted(office, specs):
    """``specs`` each naming an approved use in force that permits it for ``office`` (made here);
    a spec of an unknown item is left without a use (the item check refuses it first)."""
    import dataclasses

    result = []
    for spec in specs:
        item = InformationItem.objects.filter(code=spec.item_code).first()
        if item is None or not spec.fields:
            result.append(spec)
            continue
        known = set(item.fields.values_list("key", flat=True))
        if any(key not in known for key in spec.fields):
            result.append(spec)  # the fields check refuses it first
            continue
        use = _reusable_use(office, item, spec.purpose_code, spec.fields) or use_permitting(
            office, item, spec.purpose_code, spec.fields
        )
        result.append(dataclasses.replace(spec, use_id=use.pk))
    return result
