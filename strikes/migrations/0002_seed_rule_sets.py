from __future__ import annotations

from django.db import migrations


def seed(apps, schema_editor):
    from strikes.rules import rule_sets_ensure

    rule_sets_ensure(apps.get_model("strikes", "RuleSet"))


def unseed(apps, schema_editor):
    from strikes.rules import RULE_SETS

    RuleSet = apps.get_model("strikes", "RuleSet")
    RuleSet.objects.filter(effective_from__in=[r["effective_from"] for r in RULE_SETS]).delete()


class Migration(migrations.Migration):
    dependencies = [("strikes", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
