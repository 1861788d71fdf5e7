"""The demo world: real schools of three districts, the NEU, disputes, strike days, lines and
shifts, members, and one sign-in per role. Built in bulk, in one transaction, in a few seconds.

``demo_seed`` is the service; ``demo_logins`` describes the sign-ins for ``seed_demo`` to print.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kernel.audit import audit_log
from kernel.errors import DomainError
from members.models import Membership, Role, Supporter, Union, User
from schools.importer import schools_import_gias
from schools.models import District, Entrance, Nation, Region, School, Site
from strikes import counters
from strikes.models import (
    Ballot,
    BallotUnit,
    CalledOutSchool,
    Dispute,
    PicketLine,
    PicketReport,
    Shift,
    Signup,
    StrikeDay,
)
from strikes.rules import rule_sets_ensure

LONDON = ZoneInfo("Europe/London")
DEMO_CSV = Path(settings.BASE_DIR) / "schools" / "data" / "demo-schools.csv"
DEMO_DOMAIN = "demo.picketline.test"
DEMO_LA_CODES = ("390", "391", "681")  # Gateshead, Newcastle upon Tyne, Cardiff
HOME_LA_CODE = "391"  # the district officer's district, and the two-site school's
NEIGHBOUR_LA_CODE = "390"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
# A demo on a laptop: the password is printed on the terminal. seed_demo refuses to run with the
# production settings, so this never reaches a real server.
ADMIN_PASSWORD = "picketline-demo"  # noqa: S105
LOGIN_URL = "http://127.0.0.1:8000/accounts/login/"
SHIFT_TIMES = (("07:30", "08:30"), ("08:30", "09:30"))
MEMBERS_PER_SCHOOL = 5
MEMBERS_AT_LOCAL_SCHOOL = 30

FIRST_NAMES = [
    "Aisha",
    "Amira",
    "Ben",
    "Bethan",
    "Callum",
    "Cerys",
    "Chloe",
    "Daniel",
    "Dafydd",
    "Ella",
    "Emma",
    "Euan",
    "Fatima",
    "Gareth",
    "Grace",
    "Hannah",
    "Harry",
    "Ifan",
    "Isla",
    "Jack",
    "Jasmine",
    "Joe",
    "Kate",
    "Liam",
    "Lowri",
    "Lucy",
    "Mohammed",
    "Megan",
    "Nia",
    "Olivia",
    "Owen",
    "Priya",
    "Rhys",
    "Ruth",
    "Ryan",
    "Sara",
    "Siân",
    "Sophie",
    "Tom",
    "Yusuf",
    "Zara",
]
LAST_NAMES = [
    "Ahmed",
    "Armstrong",
    "Bell",
    "Charlton",
    "Davies",
    "Edwards",
    "Evans",
    "Fenwick",
    "Green",
    "Hall",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Milburn",
    "Morgan",
    "Nguyen",
    "Patel",
    "Price",
    "Reed",
    "Roberts",
    "Robson",
    "Scott",
    "Shearer",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Walker",
    "Watson",
    "Williams",
    "Wilson",
    "Young",
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    sees: str


@dataclass
class DemoResult:
    created: bool
    schools: int = 0
    members: int = 0
    picket_lines: int = 0
    shifts: int = 0
    signups: int = 0
    reports: int = 0


def demo_email(slug: str) -> str:
    return f"{slug}@{DEMO_DOMAIN}"


def demo_is_loaded() -> bool:
    return User.objects.filter(email=demo_email("national")).exists()


def _weekday(day: dt.date, step: int = 1) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=step)
    return day


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def _ballot_dates(today: dt.date, preferred_close: dt.date) -> tuple[dt.date, dt.date]:
    """A ballot that has closed (after 18 Feb 2026, so today's rules apply) and whose 12-month
    mandate covers the next few weeks."""
    close = preferred_close
    if not (close + dt.timedelta(days=14) <= today <= close + dt.timedelta(days=300)):
        close = today - dt.timedelta(days=45)
    return close - dt.timedelta(days=35), close


class _Builder:
    def __init__(self, *, today: dt.date, stdout: IO[str] | None) -> None:
        self.today = today
        self.stdout = stdout
        self.rng = random.Random(2026)
        self.now = timezone.now()
        self.result = DemoResult(created=True)

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    # --- People ---------------------------------------------------------------------------

    def people(self, schools: list[School], local_school: School) -> None:
        names = [(f, s) for f in FIRST_NAMES for s in LAST_NAMES]
        self.rng.shuffle(names)
        users: list[User] = []
        workplace: dict[str, School] = {}
        staff: dict[str, str] = {}
        unusable = make_password(None)
        n = 0
        for school in schools:
            count = MEMBERS_AT_LOCAL_SCHOOL if school.pk == local_school.pk else MEMBERS_PER_SCHOOL
            for _ in range(count):
                first, last = names[n % len(names)]
                n += 1
                email = f"{first.lower()}.{last.lower()}.{n}@members.{DEMO_DOMAIN}"
                users.append(User(email=email, full_name=f"{first} {last}", password=unusable))
                workplace[email] = school
                staff[email] = self.rng.choices(
                    ["teacher", "support", "leader"], weights=[75, 20, 5]
                )[0]
        User.objects.bulk_create(users, batch_size=1000)
        by_email = dict(User.objects.filter(email__in=list(workplace)).values_list("email", "id"))
        memberships = [
            Membership(
                user_id=by_email[email],
                union=self.union,
                workplace=workplace[email],
                member_number=f"D{100000 + i}",
                staff_group=staff[email],
                joined_on=self.today - dt.timedelta(days=self.rng.randint(100, 9000)),
            )
            for i, email in enumerate(workplace)
        ]
        Membership.objects.bulk_create(memberships, batch_size=1000)
        self.members_by_school: dict[int, list[int]] = {}
        for m in memberships:
            self.members_by_school.setdefault(m.workplace.pk, []).append(m.user_id)
        self.result.members = len(memberships)

    def logins(
        self,
        *,
        local_school: School,
        neighbour_school: School,
        district: District,
        region: Region,
    ) -> dict[str, User]:
        specs = [
            ("member", "Nia Roberts", local_school, "teacher", None),
            (
                "rep",
                "Dafydd Robson",
                local_school,
                "teacher",
                {"kind": Role.Kind.REP, "school": local_school},
            ),
            (
                "district",
                "Priya Charlton",
                local_school,
                "teacher",
                {"kind": Role.Kind.DISTRICT_OFFICER, "district": district},
            ),
            (
                "region",
                "Gareth Fenwick",
                neighbour_school,
                "teacher",
                {"kind": Role.Kind.REGIONAL_OFFICER, "region": region},
            ),
            ("national", "Ruth Milburn", None, "teacher", {"kind": Role.Kind.NATIONAL_ORGANISER}),
        ]
        logins: dict[str, User] = {}
        for slug, name, school, group, role in specs:
            user = User.objects.create_user(demo_email(slug), full_name=name)
            Membership.objects.create(
                user=user,
                union=self.union,
                workplace=school,
                member_number=f"DEMO-{slug.upper()}",
                staff_group=group,
            )
            if role:
                Role.objects.create(user=user, union=self.union, **role)
            if school is not None:
                self.members_by_school.setdefault(school.pk, []).insert(0, user.pk)
            logins[slug] = user
        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is None:
            admin = User.objects.create_superuser(
                ADMIN_EMAIL, ADMIN_PASSWORD, full_name="Demo admin"
            )
        logins["admin"] = admin
        logins["data"] = _data_officer()
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=u, email=u.email, verified=True, primary=True)
                for u in logins.values()
                if not EmailAddress.objects.filter(email__iexact=u.email).exists()
            ]
        )
        return logins

    # --- Strike days, lines, shifts -------------------------------------------------------

    def strike_day(
        self,
        *,
        dispute: Dispute,
        date: dt.date,
        scope_kind: str,
        title: str,
        schools: list[School],
        announcer: User,
        nations: Sequence[Nation] = (),
        regions: Sequence[Region] = (),
    ) -> tuple[StrikeDay, list[PicketLine], list[Shift]]:
        day = StrikeDay.objects.create(
            dispute=dispute,
            date=date,
            scope_kind=scope_kind,
            title=title,
            announced_by=announcer,
            created_at=self.now,
        )
        if nations:
            day.nations.set(nations)
        if regions:
            day.regions.set(regions)
        CalledOutSchool.objects.bulk_create(
            [
                CalledOutSchool(
                    strike_day=day,
                    school=s,
                    district_id=s.district_id,
                    region_id=s.district.region_id,
                    staff_groups=list(dispute.staff_groups),
                )
                for s in schools
            ],
            batch_size=1000,
        )
        lines = [
            PicketLine(
                strike_day=day,
                entrance=entrance,
                school=s,
                district_id=s.district_id,
                region_id=s.district.region_id,
            )
            for s in schools
            for site in s.sites.all()
            for entrance in site.entrances.all()
        ]
        PicketLine.objects.bulk_create(lines, batch_size=1000)
        shifts = [
            Shift(
                picket_line=line,
                starts_at=_at(date, start),
                ends_at=_at(date, end),
                capacity=6,
                minimum_wanted=2,
            )
            for line in lines
            for start, end in SHIFT_TIMES
        ]
        Shift.objects.bulk_create(shifts, batch_size=1000)
        self.result.picket_lines += len(lines)
        self.result.shifts += len(shifts)
        return day, lines, shifts

    def sign_up(
        self,
        shifts_by_line: dict[int, list[Shift]],
        plan: list[tuple[PicketLine, int, list[int], str]],
    ) -> list[Signup]:
        """plan: (line, shift index, user ids, status); a full shift waitlists the rest.
        The counters are set from the rows at the end (``counters.rebuild``)."""
        signups: list[Signup] = []
        taken: dict[int, int] = {}
        for line, index, user_ids, status in plan:
            shift = shifts_by_line[line.pk][index]
            for user_id in user_ids:
                holds = status in Signup.HOLDS_PLACE
                if holds and taken.get(shift.pk, 0) >= shift.capacity:
                    status_now = Signup.Status.WAITLISTED
                else:
                    status_now = status
                if status_now in Signup.HOLDS_PLACE:
                    taken[shift.pk] = taken.get(shift.pk, 0) + 1
                signups.append(
                    Signup(
                        shift=shift,
                        user_id=user_id,
                        status=status_now,
                        arrived_at=(
                            shift.starts_at + dt.timedelta(minutes=self.rng.randint(0, 10))
                            if status_now in (Signup.Status.ARRIVED, Signup.Status.COMPLETED)
                            else None
                        ),
                        created_at=self.now,
                        updated_at=self.now,
                    )
                )
        return signups


@transaction.atomic
def demo_seed(*, stdout: IO[str] | None = None, today: dt.date | None = None) -> DemoResult:
    """Build the demo world. Does nothing (``created=False``) when it is already there."""
    if demo_is_loaded():
        return DemoResult(created=False)
    today = today or timezone.localdate()
    b = _Builder(today=today, stdout=stdout)

    rule_sets_ensure()
    if not DEMO_CSV.is_file():
        raise DomainError(f"The demo schools file {DEMO_CSV} is missing.", code="file_missing")
    imported = schools_import_gias(source=DEMO_CSV, progress_every=0)
    b.say(
        f"Demo schools: {imported.created} imported, {imported.unchanged + imported.updated} "
        "already here."
    )

    b.union, _ = Union.objects.get_or_create(
        short_name="NEU", defaults={"name": "National Education Union"}
    )
    schools = list(
        School.objects.filter(district__la_code__in=DEMO_LA_CODES)
        .select_related("district__region__nation")
        .prefetch_related("sites__entrances")
        .order_by("district__la_code", "name")
    )
    b.result.schools = len(schools)
    home = District.objects.get(la_code=HOME_LA_CODE)
    northern = home.region
    england = Nation.objects.get(code="E")
    wales = Nation.objects.get(code="W")

    # The local dispute is at the biggest secondary in Newcastle: it gets a second site.
    local_school = max(
        (s for s in schools if s.district_id == home.pk and s.phase == "Secondary"),
        key=lambda s: (s.pupils or 0, -s.urn),
    )
    lower, _ = Site.objects.get_or_create(school=local_school, name="Lower school site")
    Entrance.objects.get_or_create(
        site=lower, name="Lower school gate, Benton Road", defaults={"is_main": True}
    )
    local_school = (
        School.objects.select_related("district__region")
        .prefetch_related("sites__entrances")
        .get(pk=local_school.pk)
    )
    schools = [local_school if s.pk == local_school.pk else s for s in schools]
    neighbour_school = next(s for s in schools if s.district.la_code == NEIGHBOUR_LA_CODE)

    b.people(schools, local_school)
    logins = b.logins(
        local_school=local_school,
        neighbour_school=neighbour_school,
        district=home,
        region=northern,
    )
    national_user = logins["national"]

    # --- The national pay dispute: an aggregated statutory postal ballot that passed.
    opens, closes = _ballot_dates(today, dt.date(2026, 6, 12))
    pay = Dispute.objects.create(
        union=b.union,
        title="Pay 2026–27: a fully funded, above-inflation pay rise",
        staff_groups=["teacher", "leader"],
        scope_note="Teachers and leaders in state schools in England and Wales.",
        opened_on=opens - dt.timedelta(days=28),
        place_kind="nation",
    )
    pay.nations.set([england, wales])
    Ballot.objects.create(
        dispute=pay,
        staff_groups=["teacher", "leader"],
        kind=Ballot.Kind.POSTAL,
        aggregation=Ballot.Aggregation.AGGREGATED,
        opens_on=opens,
        closes_on=closes,
        electorate=329_412,
        votes_cast=176_934,  # 53.7% turnout
        votes_yes=158_301,  # 89.5% of votes cast
        votes_no=17_842,
    )

    national_date = _weekday(today + dt.timedelta(days=14))
    regional_date = _weekday(today + dt.timedelta(days=21))
    _national_day, national_lines, national_shifts = b.strike_day(
        dispute=pay,
        date=national_date,
        scope_kind=StrikeDay.ScopeKind.NATIONAL,
        title="National strike day",
        schools=schools,
        announcer=national_user,
        nations=[england, wales],
    )
    northern_schools = [s for s in schools if s.district.region_id == northern.pk]
    _regional_day, regional_lines, regional_shifts = b.strike_day(
        dispute=pay,
        date=regional_date,
        scope_kind=StrikeDay.ScopeKind.REGION,
        title=f"{northern.name} region strike day",
        schools=northern_schools,
        announcer=logins["region"],
        regions=[northern],
    )

    # --- The local dispute at one school with two sites, balloted on its own.
    local_opens, local_closes = _ballot_dates(today, today - dt.timedelta(days=40))
    local = Dispute.objects.create(
        union=b.union,
        title=f"Workload and redundancies at {local_school.name}",
        staff_groups=["teacher", "support"],
        scope_note=f"Members at {local_school.name} (URN {local_school.urn}), both sites.",
        opened_on=local_opens - dt.timedelta(days=21),
        place_kind="schools",
    )
    local.nations.set([england])
    local.schools.set([local_school])
    local_ballot = Ballot.objects.create(
        dispute=local,
        staff_groups=["teacher", "support"],
        kind=Ballot.Kind.POSTAL,
        aggregation=Ballot.Aggregation.PER_UNIT,
        opens_on=local_opens,
        closes_on=local_closes,
        electorate=64,
        votes_cast=51,
        votes_yes=46,
        votes_no=5,
    )
    BallotUnit.objects.create(
        ballot=local_ballot,
        school=local_school,
        electorate=64,
        votes_cast=51,
        votes_yes=46,
        votes_no=5,
    )
    past_date = _weekday(today - dt.timedelta(days=7), step=-1)
    upcoming_local = _weekday(today + dt.timedelta(days=17))
    while upcoming_local in (national_date, regional_date):
        upcoming_local = _weekday(upcoming_local + dt.timedelta(days=1))
    _past_day, past_lines, past_shifts = b.strike_day(
        dispute=local,
        date=past_date,
        scope_kind=StrikeDay.ScopeKind.SCHOOLS,
        title=f"{local_school.name} strike day",
        schools=[local_school],
        announcer=logins["district"],
    )
    _, local_lines, local_shifts = b.strike_day(
        dispute=local,
        date=upcoming_local,
        scope_kind=StrikeDay.ScopeKind.SCHOOLS,
        title=f"{local_school.name} strike day",
        schools=[local_school],
        announcer=logins["district"],
    )

    all_lines = national_lines + regional_lines + past_lines + local_lines
    shifts_by_line: dict[int, list[Shift]] = {}
    for shift in national_shifts + regional_shifts + past_shifts + local_shifts:
        shifts_by_line.setdefault(shift.picket_line.pk, []).append(shift)

    # --- Signups: the local school well staffed, others patchy, some lines with nobody.
    local_people = b.members_by_school[local_school.pk]
    member_id, rep_id = logins["member"].pk, logins["rep"].pk
    others = [u for u in local_people if u not in (member_id, rep_id, logins["district"].pk)]
    plan: list[tuple[PicketLine, int, list[int], str]] = []
    registered, confirmed = Signup.Status.REGISTERED, Signup.Status.CONFIRMED
    for lines in (national_lines, regional_lines, local_lines):
        for line in lines:
            if line.school_id == local_school.pk:
                if line.entrance.is_main and line.entrance.site.is_main:
                    plan.append((line, 0, [member_id, rep_id, *others[:5]], registered))
                    plan.append((line, 1, others[5:8], registered))
                else:
                    plan.append((line, 0, others[8:10], registered))
                continue
            people = b.members_by_school.get(line.school_id, [])
            count = b.rng.choice([0, 0, 1, 2, 2, 3, 4, 5])
            chosen = b.rng.sample(people, min(count, len(people)))
            half = (len(chosen) + 1) // 2
            plan.append((line, 0, chosen[:half], b.rng.choice([registered, confirmed])))
            plan.append((line, 1, chosen[half:], registered))
    # The past local day: people came, one did not.
    for line in past_lines:
        if line.entrance.site.is_main:
            plan.append((line, 0, [rep_id, member_id, *others[:4]], Signup.Status.COMPLETED))
            plan.append((line, 1, others[4:7], Signup.Status.COMPLETED))
            plan.append((line, 1, others[7:8], Signup.Status.NO_SHOW))
        else:
            plan.append((line, 0, others[8:11], Signup.Status.COMPLETED))
    signups = b.sign_up(shifts_by_line, plan)
    Signup.objects.bulk_create(signups, batch_size=1000)

    # Two parents on the local school's national-day rota (supporters are never pickets).
    main_line = next(
        line
        for line in national_lines
        if line.school_id == local_school.pk and line.entrance.site.is_main
    )
    parents = Supporter.objects.bulk_create(
        [
            Supporter(name="Jo (parent)", email=f"jo.parent@{DEMO_DOMAIN}", consent_at=b.now),
            Supporter(name="Sam (parent)", phone="+447700900123", consent_at=b.now),
        ]
    )
    Signup.objects.bulk_create(
        [
            Signup(shift=shifts_by_line[main_line.pk][0], supporter=p, is_supporter=True)
            for p in parents
        ]
    )
    b.result.signups = len(signups) + len(parents)

    # --- Reports from the past local day: restricted at first, closed by 8:15.
    reports: list[PicketReport] = []
    for line in past_lines:
        main = line.entrance.site.is_main
        times = ("07:40", "08:15") if main else ("07:50",)
        for i, hhmm in enumerate(times):
            reports.append(
                PicketReport(
                    picket_line=line,
                    reported_by=logins["rep"],
                    reported_at=_at(past_date, hhmm),
                    school_status=(
                        CalledOutSchool.SchoolStatus.RESTRICTED
                        if main and i == 0
                        else CalledOutSchool.SchoolStatus.CLOSED
                    ),
                    pickets=6 if main else 3,
                    supporters=2 if main else 0,
                    members_working=1 if i == 0 else 0,
                    non_balloted_refusing=2 if main else 1,
                    media_present=main and i == 1,
                    notes="Local radio came by." if main and i == 1 else "",
                    nonce=f"demo-{line.pk}-{hhmm}",
                )
            )
    PicketReport.objects.bulk_create(reports)
    b.result.reports = len(reports)

    # Every figure the services keep (places booked, latest reports, school statuses, the
    # chart's buckets) is set from the rows just made, by their one owner.
    for day_id in {line.strike_day_id for line in all_lines}:
        counters.rebuild(strike_day_id=day_id)
    audit_log(
        actor=None,
        action="demo.seed",
        union_id=b.union.pk,
        schools=b.result.schools,
        members=b.result.members,
    )
    return b.result


def _data_officer() -> User:
    """The union's data officer: reads the audit log (staff with the audit permission), holds
    no union role, and signs in with a code like everyone else."""
    from django.contrib.auth.models import Permission

    user = User.objects.filter(email=demo_email("data")).first()
    if user is None:
        user = User.objects.create_user(
            demo_email("data"), full_name="Dana Okafor (data officer)", is_staff=True
        )
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="kernel", codename="view_auditentry")
    )
    return user


def demo_logins() -> list[DemoLogin]:
    """The demo's sign-ins that exist in this database, with what each person sees."""
    users = {
        u.email: u
        for u in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").prefetch_related(
            "roles__school", "roles__district", "roles__region", "memberships__workplace"
        )
    }

    def workplace(user: User) -> str:
        m = next(iter(user.memberships.all()), None)
        return m.workplace.name if m and m.workplace else "their school"

    def place(user: User) -> str:
        role = next(iter(user.roles.all()), None)
        target = role and (role.school or role.district or role.region)
        return getattr(target, "name", "")

    rows: list[DemoLogin] = []
    described = [
        (
            "Member",
            "member",
            lambda u: f"strike days calling out {workplace(u)}; sign up for a shift; my shifts",
        ),
        (
            "Workplace rep",
            "rep",
            lambda u: f"{place(u)}: shifts per entrance, who is coming, check-in, reports",
        ),
        (
            "District officer",
            "district",
            lambda u: f"{place(u)}: the strike-day dashboard, rosters, planning",
        ),
        (
            "Regional officer",
            "region",
            lambda u: f"{place(u)} region: dashboard and planning for its districts",
        ),
        (
            "National organiser",
            "national",
            lambda u: "everything: the national dashboard, disputes, ballots, strike days",
        ),
        (
            "Data officer",
            "data",
            lambda u: "the audit log (who looked at or changed what), at /audit/",
        ),
    ]
    for role, slug, sees in described:
        user = users.get(demo_email(slug))
        if user is not None:
            rows.append(DemoLogin(role, user.email, sees(user)))
    if ADMIN_EMAIL in users:
        rows.append(
            DemoLogin(
                "Admin", ADMIN_EMAIL, f"the Django admin at /admin/, password {ADMIN_PASSWORD}"
            )
        )
    return rows
