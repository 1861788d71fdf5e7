import datetime

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('schools', '0002_employer_kinds_beyond_state_schools'),
    ]

    operations = [
        migrations.CreateModel(
            name='SchoolFormerName',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('former_urn', models.PositiveIntegerField(blank=True, help_text='The URN it had under that name, if known.', null=True, verbose_name='former URN')),
                ('changed_on', models.DateField(blank=True, help_text='When it stopped using the name, if known.', null=True)),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='former_names', to='schools.school')),
            ],
            options={
                'verbose_name': 'former name',
                'ordering': ['-changed_on', 'name'],
                'constraints': [models.UniqueConstraint(fields=('school', 'name'), name='former_name_once_per_school')],
            },
        ),
        migrations.CreateModel(
            name='SchoolHoliday',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text="As people say it: 'Easter holiday', 'October half-term'.", max_length=100)),
                ('first_day', models.DateField()),
                ('last_day', models.DateField(help_text='The last weekday of the holiday, inclusive.')),
                ('district', models.ForeignKey(blank=True, help_text='The local authority whose term dates these are; or leave empty and choose a nation.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='holidays', to='schools.district')),
                ('nation', models.ForeignKey(blank=True, help_text="For a holiday every school in the nation shares; leave empty for one local authority's.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='holidays', to='schools.nation')),
            ],
            options={
                'ordering': ['first_day', 'name'],
                'indexes': [models.Index(fields=['first_day', 'last_day'], name='school_holiday_dates')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('district__isnull', False), ('nation__isnull', True)), models.Q(('district__isnull', True), ('nation__isnull', False)), _connector='OR'), name='school_holiday_one_area', violation_error_message='Choose either a local authority or a nation.'), models.CheckConstraint(condition=models.Q(('last_day__gte', models.F('first_day'))), name='school_holiday_ends_after_start', violation_error_message='The last day must be on or after the first day.'), models.CheckConstraint(condition=models.Q(('first_day__gte', datetime.date(2000, 1, 1)), ('last_day__lte', datetime.date(2100, 12, 31))), name='school_holiday_plausible_dates', violation_error_message='Give dates between 2000 and 2100.'), models.UniqueConstraint(condition=models.Q(('district__isnull', False)), fields=('district', 'name', 'first_day'), name='school_holiday_once_per_district', violation_error_message='This holiday is already recorded for the area.'), models.UniqueConstraint(condition=models.Q(('nation__isnull', False)), fields=('nation', 'name', 'first_day'), name='school_holiday_once_per_nation', violation_error_message='This holiday is already recorded for the area.')],
            },
        ),
    ]
