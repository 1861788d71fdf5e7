"""Days announced before the notice date was recorded: notice was taken as given on the day the
day was announced (London time), so that is what they record. Reversible: back, nothing to undo
(the column goes with 0015)."""

from zoneinfo import ZoneInfo

from django.db import migrations

LONDON = ZoneInfo("Europe/London")


def forwards(apps, schema_editor):
    StrikeDay = apps.get_model("strikes", "StrikeDay")
    rows = []
    for day in StrikeDay.objects.filter(notice_given_on__isnull=True).only("pk", "date", "created_at"):
        announced_on = day.created_at.astimezone(LONDON).date()
        if announced_on < day.date:
            day.notice_given_on = announced_on
            rows.append(day)
    StrikeDay.objects.bulk_update(rows, ["notice_given_on"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('strikes', '0015_strike_day_notice_given_on'),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
