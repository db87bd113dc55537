"""The measure types HQ starts with (措施类型字典); HQ may add, rename or switch them off."""

from django.db import migrations

TYPES = (
    "风险提示",
    "面谈",
    "限制开仓",
    "限制出金",
    "调整风险等级",
    "重新适当性评估",
    "加强回访",
    "其他",
)


def seed(apps, schema_editor):
    MeasureType = apps.get_model("reports", "MeasureType")
    for order, name in enumerate(TYPES, start=1):
        MeasureType.objects.get_or_create(name=name, defaults={"sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
