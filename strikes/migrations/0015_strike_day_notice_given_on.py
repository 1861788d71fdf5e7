from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('strikes', '0014_line_attention_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='strikeday',
            name='notice_given_on',
            field=models.DateField(blank=True, help_text='The day the employers were (or will be) given notice of this strike day.', null=True),
        ),
        migrations.AddConstraint(
            model_name='strikeday',
            constraint=models.CheckConstraint(condition=models.Q(('notice_given_on__isnull', True), ('notice_given_on__lt', models.F('date')), _connector='OR'), name='strike_day_notice_before_day', violation_error_message='Notice must be given before the strike day.'),
        ),
    ]
