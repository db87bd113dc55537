"""Seed the failure-reason dictionary from docs (domain.md: 回访失败原因). HQ edits it later
in 失败原因字典; re-running never overwrites an edited reason."""

from django.db import migrations

# name, counts_as_unanswered, is_final, remark_required, asks_appointment
REASONS = [
    ("无人接听", True, False, False, False),
    ("占线", True, False, False, False),
    ("关机", True, False, False, False),
    ("停机", True, False, False, False),
    ("空号/号码错误", True, True, False, False),
    ("非本人接听", True, False, False, False),
    ("客户拒绝回访", False, True, False, False),
    ("客户要求改约", False, False, False, True),
    ("语音信箱/秘书台", True, False, False, False),
    ("其他", False, False, True, False),
]


def seed(apps, schema_editor):
    FailureReason = apps.get_model("records", "FailureReason")
    for order, (name, unanswered, final, remark, appointment) in enumerate(REASONS, start=1):
        FailureReason.objects.get_or_create(
            name=name,
            defaults={
                "counts_as_unanswered": unanswered,
                "is_final": final,
                "remark_required": remark,
                "asks_appointment": appointment,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
