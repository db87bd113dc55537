import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from huifang.core.migration_ops import without_indexes


class Migration(migrations.Migration):
    """No single-column indexes on the audit log's user and object type: the (user, time)
    and (object_type, object_id) indexes serve the same lookups, and an import writes up to
    a million audit rows at once."""

    dependencies = [
        ("core", "0004_seed_calendar"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        without_indexes(
            [
                migrations.AlterField(
                    model_name="auditevent",
                    name="object_type",
                    field=models.CharField(blank=True, max_length=64, verbose_name="对象类型"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
            ],
            [
                ("core_auditevent_object_type_e0bee35e", "core_auditevent", "object_type"),
                ("core_auditevent_user_id_2b330de8", "core_auditevent", "user_id"),
            ],
        ),
    ]
