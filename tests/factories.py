"""factory_boy factories for every model. Rows only: state changes go through the services."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory
import time_machine
from django.utils import timezone

from members.models import Membership, Role, Supporter, Union, User
from schools.models import AcademyTrust, District, Entrance, Nation, Region, School, Site
from strikes.models import (
    Ballot,
    CalledOutSchool,
    Dispute,
    PicketLine,
    PicketReport,
    Shift,
    Signup,
    StrikeDay,
)

LONDON = ZoneInfo("Europe/London")


def london(day: dt.date, hhmm: str) -> dt.datetime:
    """An aware datetime for a wall-clock time in London on a date."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


class NationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nation
        django_get_or_create = ["code"]

    code = "E"
    name = factory.LazyAttribute(lambda o: {"E": "England", "W": "Wales"}.get(o.code, o.code))


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    nation = factory.SubFactory(NationFactory)
    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.Sequence(lambda n: f"region-{n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    region = factory.SubFactory(RegionFactory)
    la_code = factory.Sequence(lambda n: str(800 + n))
    name = factory.Sequence(lambda n: f"District {n}")


class AcademyTrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcademyTrust

    name = factory.Sequence(lambda n: f"Trust {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    """A school with its main site and main entrance (as the importer makes them)."""

    class Meta:
        model = School
        skip_postgeneration_save = True

    urn = factory.Sequence(lambda n: 900000 + n)
    name = factory.Sequence(lambda n: f"School {n}")
    district = factory.SubFactory(DistrictFactory)
    employer_kind = School.EmployerKind.LOCAL_AUTHORITY
    phase = "Primary"
    type_name = "Community school"
    latitude = 51.5
    longitude = -0.1

    @factory.post_generation
    def main_entrance(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted is not False:
            site = Site.objects.create(school=self, name="Main site", is_main=True)
            Entrance.objects.create(site=site, name="Main entrance", is_main=True)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    school = factory.SubFactory(SchoolFactory, main_entrance=False)
    name = factory.Sequence(lambda n: f"Site {n}")


class EntranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entrance

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Gate {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    # Plain names: no apostrophes for HTML escaping to turn into entities in assertions.
    full_name = factory.Sequence(lambda n: f"Alex Picket {n:05d}")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if extracted:
            self.set_password(extracted)
        else:
            self.set_unusable_password()
        if create:
            self.save(update_fields=["password"])


class UnionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Union
        django_get_or_create = ["short_name"]

    short_name = "NEU"
    name = factory.LazyAttribute(
        lambda o: "National Education Union" if o.short_name == "NEU" else o.short_name
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    union = factory.SubFactory(UnionFactory)
    workplace = factory.SubFactory(SchoolFactory)


def with_totp(user: User) -> str:
    """Give ``user`` an authenticator app (TOTP) as if they had set one up; returns the secret.

    Officers must have one (members.middleware.OfficerMFAMiddleware). A second call keeps the
    existing authenticator and returns its secret.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import decrypt

    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return decrypt(existing.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for ``secret``."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


class RoleFactory(factory.django.DjangoModelFactory):
    """Pass the place for the kind: ``RoleFactory(kind="rep", school=s)``.

    Officers (district officer and above) get an authenticator app, as they must have one to use
    the app; ``RoleFactory(..., totp=False)`` makes an officer who has not set one up yet.
    """

    class Meta:
        model = Role
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    union = factory.SubFactory(UnionFactory)
    kind = Role.Kind.NATIONAL_ORGANISER

    @factory.post_generation
    def totp(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        from members.permissions import OFFICER_KINDS

        if create and extracted is not False and self.kind in OFFICER_KINDS:
            with_totp(self.user)


class SupporterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supporter

    name = factory.Sequence(lambda n: f"Sam Supporter {n:05d}")
    email = factory.Sequence(lambda n: f"supporter{n}@example.net")
    consent_at = factory.LazyFunction(timezone.now)


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispute

    union = factory.SubFactory(UnionFactory)
    title = factory.Sequence(lambda n: f"Pay dispute {n}")
    staff_groups = ["teacher"]


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    dispute = factory.SubFactory(DisputeFactory)
    opens_on = dt.date(2026, 3, 2)
    closes_on = dt.date(2026, 4, 10)
    electorate = 1000
    votes_cast = 600
    votes_yes = 540
    votes_no = 60
    staff_groups = factory.LazyAttribute(lambda o: list(o.dispute.staff_groups) or ["teacher"])


class StrikeDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrikeDay

    dispute = factory.SubFactory(DisputeFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    scope_kind = StrikeDay.ScopeKind.SCHOOLS


class CalledOutSchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalledOutSchool

    strike_day = factory.SubFactory(StrikeDayFactory)
    school = factory.SubFactory(SchoolFactory)
    district = factory.LazyAttribute(lambda o: o.school.district)
    region = factory.LazyAttribute(lambda o: o.school.district.region)
    staff_groups = factory.LazyAttribute(
        lambda o: list(o.strike_day.dispute.staff_groups) or ["teacher"]
    )


class PicketLineFactory(factory.django.DjangoModelFactory):
    """A line at an entrance; school, district and region follow from the entrance."""

    class Meta:
        model = PicketLine

    strike_day = factory.SubFactory(StrikeDayFactory)
    entrance = factory.LazyFunction(
        lambda: Entrance.objects.get(site__school=SchoolFactory(), is_main=True)
    )
    school = factory.LazyAttribute(lambda o: o.entrance.site.school)
    district = factory.LazyAttribute(lambda o: o.entrance.site.school.district)
    region = factory.LazyAttribute(lambda o: o.entrance.site.school.district.region)


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    picket_line = factory.SubFactory(PicketLineFactory)
    starts_at = factory.LazyAttribute(lambda o: london(o.picket_line.strike_day.date, "07:30"))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    capacity = 6
    minimum_wanted = 2


class SignupFactory(factory.django.DjangoModelFactory):
    """A row as it stands; use the signup services to change counters."""

    class Meta:
        model = Signup

    shift = factory.SubFactory(ShiftFactory)
    user = factory.SubFactory(UserFactory)


class PicketReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PicketReport

    picket_line = factory.SubFactory(PicketLineFactory)
    nonce = factory.Sequence(lambda n: f"nonce-{n}")
    school_status = "closed"
    pickets = 4


def on_the_day(shift: Shift) -> time_machine.travel:
    """Travel to the start of ``shift`` (clock running): check-in and reports are open then."""
    return time_machine.travel(shift.starts_at)
