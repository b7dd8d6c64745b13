import factory
from django.contrib.auth.models import Group, Permission

from accounts.models import User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = User.Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True


def clerk(*codenames):
    """Clinic staff who are not superusers, with just the given permissions."""
    user = StaffFactory(is_superuser=False)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def staff_in(role):
    """Clinic staff who are not superusers, in one of the roles the clinic ships (a group
    made by a migration: "Reception", "Clinic manager", "Records officer")."""
    user = StaffFactory(is_superuser=False)
    user.groups.add(Group.objects.get(name=role))
    return user
