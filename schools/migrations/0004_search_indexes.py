"""Trigram indexes for the school search (PostgreSQL only): a search for part of a name, a town,
a postcode or a former name uses an index instead of reading all 23,466 schools. The expressions
match what Django's ``icontains``/``istartswith`` send (``UPPER(col::text) LIKE UPPER(...)``).
SQLite has no such index and needs none at its scale. The pg_trgm extension is created if it is
missing (and left in place on the way back)."""

from django.db import migrations

INDEXES = [
    ("school_name_trgm", "schools_school", "name"),
    ("school_town_trgm", "schools_school", "town"),
    ("school_postcode_trgm", "schools_school", "postcode"),
    ("school_former_name_trgm", "schools_schoolformername", "name"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('schools', '0003_former_names_and_holidays'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
