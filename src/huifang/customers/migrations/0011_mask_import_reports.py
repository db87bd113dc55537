"""Mask the personal data already kept in clear in import records' row reports (issue 19).

Until now a rejected value was kept as it was in the file: a customers import's report
(the record's ``errors`` and its xlsx under ``MEDIA_ROOT/imports/reports/``) may hold ID
numbers, mobiles, phones, addresses and e-mails. Both are masked as the importer masks
them today (``specs.Column.masked``: the product's masks, a value too short for its mask
all stars; the shifted cells of an overlong CSV row all stars). A value already holding a
star is left as it is, so running it again changes nothing. Not reversible.
"""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import migrations

from huifang.core import export
from huifang.core.masking import mask_address, mask_email, mask_id, mask_phone
from huifang.customers.importers.specs import conceal

log = logging.getLogger(__name__)

# Frozen here: the customers columns the spec calls personal data on the day of this
# migration, by the Chinese name the report shows.
MASKS = {
    "证件号码": mask_id,
    "手机号": mask_phone,
    "联系电话": mask_phone,
    "联系地址": mask_address,
    "电子邮箱": mask_email,
}
SHIFTED = "多于表头"  # the reason of an overlong CSV row (its value: the shifted cells)
HEADER = ["行号", "列", "值", "原因"]


def masked(column, value, reason):
    """A report row's value as the importer keeps it now."""
    if not isinstance(value, str) or not value or "*" in value:
        return value
    if column in MASKS:
        return conceal(value, MASKS[column](value))
    if not column and SHIFTED in str(reason):
        return conceal(value)
    return value


def mask_reports(apps, schema_editor=None) -> int:
    """Mask the stored reports of customers imports; returns how many records changed."""
    ImportRecord = apps.get_model("customers", "ImportRecord")
    changed = 0
    records = ImportRecord.objects.filter(dataset="customers", error_count__gt=0)
    for record in records.only("pk", "errors", "report_file").order_by("pk").iterator(500):
        errors = [
            [row, column, masked(column, value, reason), reason]
            for row, column, value, reason in record.errors or []
        ]
        if errors != record.errors:
            ImportRecord.objects.filter(pk=record.pk).update(errors=errors)
            changed += 1
        if record.report_file:
            _mask_file(Path(settings.MEDIA_ROOT) / record.report_file)
    return changed


def _mask_file(path: Path) -> None:
    """Rewrite an xlsx report with its values masked (written aside, then moved over)."""
    from python_calamine import CalamineError, CalamineWorkbook

    if not path.exists():
        return
    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            rows = workbook.get_sheet_by_index(0).to_python()
    except (CalamineError, OSError, ValueError):
        # Unreadable: removed, so that a download rebuilds it from the (masked) record.
        log.warning("import report %s unreadable: removed", path.name)
        path.unlink(missing_ok=True)
        return
    body = [list(row) + [""] * (4 - len(row)) for row in rows[1:]]
    out = [
        [_whole(row), column, masked(column, value, reason), reason]
        for row, column, value, reason, *_ in body
    ]
    if [row[2] for row in out] == [row[2] for row in body]:
        return
    aside = path.with_name(f"masking_{path.name}")
    export.write_xlsx(str(aside), HEADER, out, sheet="错误报告")
    os.replace(aside, path)


def _whole(value):
    """A row number read back (a spreadsheet number is a float)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_monthly_days_traded"),
    ]

    operations = [
        migrations.RunPython(mask_reports, migrations.RunPython.noop, elidable=True),
    ]
