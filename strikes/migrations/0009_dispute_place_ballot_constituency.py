# The law's shape: a dispute's place and employers, a ballot's constituency, rule sets by nation and employer, the staff groups called out at each school.

import django.db.models.expressions
import strikes.models.planning
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('schools', '0002_employer_kinds_beyond_state_schools'),
        ('strikes', '0008_district_figures'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='ruleset',
            options={'ordering': ['effective_from', 'nation']},
        ),
        migrations.AddField(
            model_name='ballot',
            name='electorate_leader',
            field=models.PositiveIntegerField(default=0, verbose_name='leaders entitled to vote'),
        ),
        migrations.AddField(
            model_name='ballot',
            name='electorate_support',
            field=models.PositiveIntegerField(default=0, verbose_name='support staff entitled to vote'),
        ),
        migrations.AddField(
            model_name='ballot',
            name='electorate_teacher',
            field=models.PositiveIntegerField(default=0, verbose_name='teachers entitled to vote'),
        ),
        migrations.AddField(
            model_name='ballot',
            name='nations',
            field=models.ManyToManyField(blank=True, related_name='+', to='schools.nation'),
        ),
        migrations.AddField(
            model_name='ballot',
            name='staff_groups',
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name='calledoutschool',
            name='staff_groups',
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name='dispute',
            name='districts',
            field=models.ManyToManyField(blank=True, help_text='For a district dispute, or the local authorities as employers.', related_name='+', to='schools.district'),
        ),
        migrations.AddField(
            model_name='dispute',
            name='employer_kinds',
            field=models.JSONField(default=strikes.models.planning.default_employer_kinds, help_text="Which employers' schools the dispute covers."),
        ),
        migrations.AddField(
            model_name='dispute',
            name='place_kind',
            field=models.CharField(choices=[('national', 'National'), ('nation', 'Nation'), ('region', 'Regions'), ('district', 'Districts'), ('trust', 'Academy trust'), ('employer', 'Local authority as employer'), ('schools', 'Chosen schools')], default='national', max_length=10, verbose_name='place'),
        ),
        migrations.AddField(
            model_name='dispute',
            name='regions',
            field=models.ManyToManyField(blank=True, related_name='+', to='schools.region'),
        ),
        migrations.AddField(
            model_name='dispute',
            name='schools',
            field=models.ManyToManyField(blank=True, related_name='+', to='schools.school'),
        ),
        migrations.AddField(
            model_name='dispute',
            name='trusts',
            field=models.ManyToManyField(blank=True, related_name='+', to='schools.academytrust'),
        ),
        migrations.AddField(
            model_name='ruleset',
            name='employer_kinds',
            field=models.JSONField(blank=True, default=list, help_text='Only for schools with these employers; none ticked for every employer.'),
        ),
        migrations.AddField(
            model_name='ruleset',
            name='important_service_employer_kinds',
            field=models.JSONField(blank=True, default=list, help_text='Employers whose schools provide the important public service (education of those under 17).'),
        ),
        migrations.AddField(
            model_name='ruleset',
            name='nation',
            field=models.CharField(blank=True, choices=[('', 'Every nation'), ('E', 'England'), ('W', 'Wales')], default='', help_text='Only for schools in this nation; empty for every nation.', max_length=1),
        ),
        migrations.AlterField(
            model_name='dispute',
            name='nations',
            field=models.ManyToManyField(blank=True, related_name='disputes', to='schools.nation'),
        ),
        migrations.AlterField(
            model_name='dispute',
            name='staff_groups',
            field=models.JSONField(blank=True, default=list, help_text='The staff the dispute is about; each ballot says whom it asked.'),
        ),
        migrations.AlterField(
            model_name='ruleset',
            name='effective_from',
            field=models.DateField(help_text='The first day this row decides (see docs/law.md for which date of a ballot, notice or strike day is compared with it).'),
        ),
        migrations.AlterField(
            model_name='ruleset',
            name='important_service_staff_groups',
            field=models.JSONField(blank=True, default=list, help_text='Staff who normally work in important public services (in education: teachers and head teachers). The yes-of-electorate test applies when most of the electorate are in these groups.'),
        ),
        migrations.AddConstraint(
            model_name='ballot',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('electorate_leader', 0), ('electorate_support', 0), ('electorate_teacher', 0)), ('electorate', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('electorate_teacher'), '+', models.F('electorate_leader')), '+', models.F('electorate_support'))), _connector='OR'), name='ballot_electorate_by_group_adds_up'),
        ),
        migrations.AddConstraint(
            model_name='ruleset',
            constraint=models.UniqueConstraint(fields=('effective_from', 'nation'), name='ruleset_one_per_date_and_nation'),
        ),
    ]
