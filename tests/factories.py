import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.demo import demo_totp_key_hex
from portal.models import Office, OfficeMembership, User

TEST_PASSWORD = "correct horse battery staple"


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
