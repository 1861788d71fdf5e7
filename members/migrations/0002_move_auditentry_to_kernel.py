"""AuditEntry now belongs to the kernel (see kernel/migrations/0001_initial.py): it leaves the
members app in Django's state only; the table and its rows are the kernel's."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("kernel", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
