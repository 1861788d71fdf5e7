"""Mark the walk-ups already recorded, so the counters' check counts the same places the
services counted.

A walk-up was a signup with neither user nor supporter and a nonce. Erasure clears the nonce of
a member's signups (and names them "(erased)"): those booked a place and are not walk-ups.
Anonymisation after a dispute clears everyone alike; there a walk-up is told by having arrived
when it was made (a rep adds a walk-up as arrived; a member checks in later).
"""

import datetime as dt

from django.db import migrations
from django.db.models import F, Q


def mark(apps, schema_editor):
    Signup = apps.get_model("strikes", "Signup")
    nobody = Q(user__isnull=True, supporter__isnull=True)
    live = ~Q(nonce="")
    anonymised = Q(
        walk_up_name="(anonymised)",
        arrived_at__isnull=False,
        arrived_at__lte=F("created_at") + dt.timedelta(minutes=1),
        arrived_at__gte=F("created_at") - dt.timedelta(minutes=1),
    )
    Signup.objects.filter(nobody & (live | anonymised)).update(is_walk_up=True)


def unmark(apps, schema_editor):
    apps.get_model("strikes", "Signup").objects.update(is_walk_up=False)


class Migration(migrations.Migration):
    dependencies = [
        ("strikes", "0006_signup_is_walk_up"),
    ]

    operations = [migrations.RunPython(mark, unmark)]
