"""Seed the result mapping with interfaces.md's defaults: ``connected`` with the IVR
confirmation → 成功 (回访形式 外呼); no_answer / busy / power_off / invalid_number /
rejected → 失败 with the matching failure reason; ``other`` waits for an agent. HQ edits
it on 外呼结果映射; re-running never overwrites an edited row."""

from django.db import migrations

# result, action, status, failure reason, IVR confirmation required
DEFAULTS = [
    ("connected", "record", "success", None, True),
    ("no_answer", "record", "failure", "无人接听", False),
    ("busy", "record", "failure", "占线", False),
    ("power_off", "record", "failure", "关机", False),
    ("invalid_number", "record", "failure", "空号/号码错误", False),
    ("rejected", "record", "failure", "客户拒绝回访", False),
    ("other", "wait", "", None, False),
]


def seed(apps, schema_editor):
    ResultMapping = apps.get_model("calls", "ResultMapping")
    FailureReason = apps.get_model("records", "FailureReason")
    for result, action, status, reason_name, ivr in DEFAULTS:
        reason = FailureReason.objects.filter(name=reason_name).first() if reason_name else None
        if reason_name and reason is None:  # the dictionary was edited: let an agent decide
            action, status = "wait", ""
        ResultMapping.objects.get_or_create(
            result=result,
            defaults={
                "action": action,
                "status": status,
                "failure_reason": reason,
                "ivr_required": ivr,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("calls", "0001_initial"), ("records", "0002_seed_failure_reasons")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
