"""The audit log moves from ``members`` to the kernel: the model changes app in Django's state
only, then its table is renamed, so every existing row stays. The content type moves with it,
so the data officer's existing ``view_auditentry`` grants carry over."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    db = schema_editor.connection.alias
    old = ContentType.objects.using(db).filter(app_label=source, model="auditentry").first()
    if old is None:  # a new database: post_migrate creates the content type later
        return
    new = ContentType.objects.using(db).filter(app_label=target, model="auditentry").first()
    if new is None:
        old.app_label = target
        old.save(update_fields=["app_label"])
        return
    # Both exist (post_migrate ran in between): hand every grant to the target's permissions.
    user_grants = User.user_permissions.through.objects.using(db)
    group_grants = Group.permissions.through.objects.using(db)
    for perm in Permission.objects.using(db).filter(content_type=old):
        keep, _ = Permission.objects.using(db).get_or_create(
            content_type=new, codename=perm.codename, defaults={"name": perm.name}
        )
        for grant in user_grants.filter(permission=perm):
            user_grants.get_or_create(user_id=grant.user_id, permission=keep)
        for grant in group_grants.filter(permission=perm):
            group_grants.get_or_create(group_id=grant.group_id, permission=keep)
    old.delete()


def forwards(apps, schema_editor):
    move_content_type(apps, schema_editor, source="members", target="kernel")


def backwards(apps, schema_editor):
    move_content_type(apps, schema_editor, source="kernel", target="members")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("members", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "at",
                            models.DateTimeField(
                                db_index=True, default=django.utils.timezone.now
                            ),
                        ),
                        ("action", models.CharField(db_index=True, max_length=60)),
                        ("object_type", models.CharField(blank=True, max_length=60)),
                        ("object_id", models.CharField(blank=True, max_length=40)),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "audit entries",
                        "ordering": ["-at"],
                        "db_table": "members_auditentry",
                    },
                ),
            ],
            database_operations=[],
        ),
        # Now the table takes the kernel's name (members_auditentry -> kernel_auditentry).
        migrations.AlterModelTable(name="auditentry", table=None),
        migrations.RunPython(forwards, backwards),
    ]
