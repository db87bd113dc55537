"""The default business types (回访业务类型) and the batch-number counter.

Self-contained (historical models) so it keeps doing what it did when the code changes.
Existing rows with the same names are left as HQ edited them.
"""

from django.db import migrations

DEFAULTS = [
    # name, description, deadline rule, trading days, event age, max unanswered, questionnaire
    ("年度适当性回访", "年度适当性回访（年度回访名单）", "trading_days", 40, 70, 3, True),
    ("新开户回访", "新开户客户在开户后的回访", "trading_days", 20, 70, 3, True),
    ("专项回访", "大额亏损、收入或职业等专项情形的回访", "trading_days", 20, 70, 3, False),
    ("高风险产品回访", "购买或接受高风险产品或服务的客户回访", "trading_days", 10, 70, 3, True),
    (
        "老年交易者回访",
        "年满70周岁交易者的回访（面谈），截止于年满70周岁次月月末",
        "birthday_month_end",
        20,
        70,
        3,
        False,
    ),
]

FIRST_BATCH_NUMBER = 1_000_000_001


def seed(apps, schema_editor):
    BusinessType = apps.get_model("callbacks", "BusinessType")
    Counter = apps.get_model("callbacks", "Counter")
    AuditEvent = apps.get_model("core", "AuditEvent")
    existing = set(BusinessType.objects.values_list("name", flat=True))
    created = []
    for order, (name, description, rule, days, age, attempts, questionnaire) in enumerate(
        DEFAULTS, start=1
    ):
        if name in existing:
            continue
        BusinessType.objects.create(
            name=name,
            description=description,
            deadline_rule=rule,
            deadline_days=days,
            event_age=age,
            max_unanswered_attempts=attempts,
            questionnaire_required=questionnaire,
            sort_order=order * 10,
        )
        created.append(name)
    # The counter holds the last number handed out: the first batch gets 1000000001.
    Counter.objects.get_or_create(name="batch_number", defaults={"value": FIRST_BATCH_NUMBER - 1})
    if created:
        AuditEvent.objects.create(
            actor_label="migration",
            action="seed",
            object_type="callbacks.businesstype",
            object_repr="默认回访业务类型",
            after={"names": created},
            message=f"创建默认回访业务类型：{'、'.join(created)}",
        )


class Migration(migrations.Migration):
    dependencies = [("callbacks", "0001_initial"), ("core", "0002_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
