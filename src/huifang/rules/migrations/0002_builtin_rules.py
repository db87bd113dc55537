"""The six built-in rules A001–A006 (``docs/rules.md``), each with its first version."""

from django.db import migrations
from django.utils import timezone

PERIOD = {"period_start": None, "period_end": None}
COMMON = {"customer_types": [], "branches": []}

BUILTINS = [
    ("A001", "新开户客户", "新开户客户回访", "new_account", {**PERIOD}),
    (
        "A002",
        "大额亏损客户",
        "一定时间周期内，亏损金额≥XX，亏损比例≥X%",
        "large_loss",
        {**PERIOD, "min_loss_amount": "100000.00", "min_loss_ratio": "0.5"},
    ),
    (
        "A003",
        "老年交易者",
        "年满70周岁及以上的客户",
        "elderly",
        {"min_age": 70, "require_trade_in_period": False, **PERIOD},
    ),
    (
        "A004",
        "收入为“依靠积蓄并有社会保障”的客户",
        "适当性问卷中收入项为“依靠积蓄并有社会保障”",
        "income_source",
        {"values": ["依靠积蓄并有社会保障"]},
    ),
    ("A005", "职业为“无业”的客户", "职业项为“无业”", "occupation", {"values": ["无业"]}),
    (
        "A006",
        "购买或接受高风险产品或服务的客户",
        "期间内购买或接受R4及以上风险等级产品或服务的普通投资者",
        "high_risk_product",
        {**PERIOD, "min_product_risk": 4, "ordinary_only": True},
    ),
]


def create(apps, schema_editor):
    Rule = apps.get_model("rules", "Rule")
    RuleVersion = apps.get_model("rules", "RuleVersion")
    now = timezone.now()
    for code, name, description, rule_type, params in BUILTINS:
        if Rule.objects.filter(code=code).exists():
            continue
        rule = Rule.objects.create(
            code=code,
            name=name,
            description=description,
            kind="builtin",
            rule_type=rule_type,
            enabled=True,
            created_at=now,
            updated_at=now,
        )
        version = RuleVersion.objects.create(
            rule=rule, number=1, name=name, params={**params, **COMMON}, note="内置规则初始版本",
            created_at=now,
        )
        rule.current_version = version
        rule.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
