"""The audit log is append-only in the database (issue 19): triggers refuse UPDATE and
DELETE on ``core_auditevent`` (TRUNCATE too on PostgreSQL), and the model's base manager is
its append-only one. After 0007, which masks stored rows with UPDATEs."""

from django.db import migrations

from huifang.core.migration_ops import append_only_audit


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_mask_audit_personal_data"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "base_manager_name": "objects",
                "ordering": ["-time", "-id"],
                "verbose_name": "审计日志",
                "verbose_name_plural": "审计日志",
            },
        ),
        append_only_audit(),
    ]
