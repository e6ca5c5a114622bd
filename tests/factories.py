import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from petitions.identity import ResidentRecord
from portal.demo import demo_totp_key_hex
from portal.models import Office, OfficeMembership, User

TEST_PASSWORD = "correct horse battery staple"

# The residents the sandbox's register holds for the linked test citizens (linked_citizen and
# linked_other_citizen in tests/conftest.py).
CITIZEN1 = ResidentRecord(
    name="김민원",
    rrn="900101-1234567",
    phone="010-1234-5678",
    address="서울특별시 종로구 자하문로 10",
    district_code="11110",
)
CITIZEN2 = ResidentRecord(
    name="이시민",
    rrn="920315-2345678",
    phone="010-2345-6789",
    address="서울특별시 강남구 테헤란로 20 302호",
    district_code="11680",
)


class OfficeFactory(factory.django.DjangoModelFactory[Office]):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"office-{n}")
    name_ko = factory.Sequence(lambda n: f"시험구청 {n}")
    name_en = factory.Sequence(lambda n: f"Test Office {n}")
    district_code = factory.Sequence(lambda n: f"{90000 + n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    full_name = factory.Sequence(lambda n: f"시민{n}")
    role = User.Role.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitizenFactory(UserFactory):
    role = User.Role.CITIZEN


class OfficialFactory(UserFactory):
    role = User.Role.OFFICIAL
    staff_number = factory.Sequence(lambda n: f"T-{n:04d}")


class AdministratorFactory(UserFactory):
    role = User.Role.ADMINISTRATOR
    is_superuser = True


class MembershipFactory(factory.django.DjangoModelFactory[OfficeMembership]):
    class Meta:
        model = OfficeMembership

    user = factory.SubFactory(OfficialFactory)
    office = factory.SubFactory(OfficeFactory)
    role = OfficeMembership.Role.REVIEWER


class TOTPDeviceFactory(factory.django.DjangoModelFactory[TOTPDevice]):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(OfficialFactory)
    name = "test authenticator"
    key = demo_totp_key_hex()
    confirmed = True
