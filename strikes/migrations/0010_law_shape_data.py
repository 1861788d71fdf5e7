"""Existing rows in the law's shape: disputes get a place, ballots a constituency, rule sets the
law's dimensions, called-out schools their staff groups.

- A dispute with nations becomes a nation dispute over them, one without becomes national; both
  cover maintained schools and academies (the field's default).
- Each ballot asked the dispute's staff groups in the dispute's nations.
- Each called-out school called out the dispute's staff groups (what the app did before).
- The rule sets are re-seeded with their nation, employers and the Welsh row.
"""

from __future__ import annotations

from django.db import migrations


def forward(apps, schema_editor):
    from strikes.rules import rule_sets_ensure

    Dispute = apps.get_model("strikes", "Dispute")
    Ballot = apps.get_model("strikes", "Ballot")
    CalledOutSchool = apps.get_model("strikes", "CalledOutSchool")
    for dispute in Dispute.objects.prefetch_related("nations").iterator(chunk_size=500):
        nations = list(dispute.nations.all())
        dispute.place_kind = "nation" if nations else "national"
        dispute.save(update_fields=["place_kind"])
        groups = list(dispute.staff_groups or ["teacher"])
        for ballot in Ballot.objects.filter(dispute=dispute):
            ballot.staff_groups = groups
            ballot.save(update_fields=["staff_groups"])
            ballot.nations.set(nations)
        CalledOutSchool.objects.filter(strike_day__dispute=dispute).update(staff_groups=groups)
    rule_sets_ensure(apps.get_model("strikes", "RuleSet"))


def backward(apps, schema_editor):
    RuleSet = apps.get_model("strikes", "RuleSet")
    RuleSet.objects.exclude(nation="").delete()


class Migration(migrations.Migration):
    dependencies = [("strikes", "0009_dispute_place_ballot_constituency")]
    operations = [migrations.RunPython(forward, backward)]
