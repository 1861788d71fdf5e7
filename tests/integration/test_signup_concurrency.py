"""No overbooking under a burst: 50 people tap "Sign up" at once on a shift with 6 places."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from schools.models import Entrance
from strikes.models import PicketLine, Shift, Signup
from strikes.services.signups import signup_create
from tests import factories as f

THREADS = 50
CAPACITY = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_signups_fill_six_places_exactly(world):
    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    f.CalledOutSchoolFactory(strike_day=day, school=world.s1)
    line = f.PicketLineFactory(
        strike_day=day, entrance=Entrance.objects.get(site__school=world.s1, is_main=True)
    )
    shift = f.ShiftFactory(picket_line=line, capacity=CAPACITY)
    users = [
        f.MembershipFactory(union=world.union, workplace=world.s1).user for _ in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def tap(user) -> None:
        try:
            barrier.wait(timeout=30)
            signup_create(shift=Shift(pk=shift.pk), user=user, acting_user=user)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    shift.refresh_from_db()
    line.refresh_from_db()
    statuses = list(Signup.objects.filter(shift=shift).values_list("status", flat=True))
    assert statuses.count("registered") == CAPACITY
    assert statuses.count("waitlisted") == THREADS - CAPACITY
    assert shift.booked == CAPACITY
    assert line.pickets_signed_up == CAPACITY
    assert PicketLine.objects.get(pk=line.pk).pickets_signed_up == CAPACITY


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_cancels_and_signups_keep_counts_true(world):
    """Cancellations (with promotions) racing new sign-ups never overbook or lose a place."""
    from strikes.services.signups import signup_cancel

    day = f.StrikeDayFactory(dispute=f.DisputeFactory(union=world.union))
    line = f.PicketLineFactory(
        strike_day=day, entrance=Entrance.objects.get(site__school=world.s1, is_main=True)
    )
    shift = f.ShiftFactory(picket_line=line, capacity=CAPACITY)
    first = [
        f.MembershipFactory(union=world.union, workplace=world.s1).user for _ in range(CAPACITY)
    ]
    held = [signup_create(shift=shift, user=u, acting_user=u) for u in first]
    late = [f.MembershipFactory(union=world.union, workplace=world.s1).user for _ in range(20)]
    barrier = threading.Barrier(len(held) + len(late))
    errors: list[BaseException] = []

    def run(fn) -> None:
        try:
            barrier.wait(timeout=30)
            fn()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    jobs = [lambda s=s: signup_cancel(signup=s, acting_user=s.user) for s in held] + [
        lambda u=u: signup_create(shift=Shift(pk=shift.pk), user=u, acting_user=u) for u in late
    ]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    shift.refresh_from_db()
    line.refresh_from_db()
    registered = Signup.objects.filter(shift=shift, status="registered").count()
    assert registered == CAPACITY
    assert shift.booked == CAPACITY
    assert line.pickets_signed_up == CAPACITY
    assert Signup.objects.filter(shift=shift, status="waitlisted").count() == 20 - CAPACITY
