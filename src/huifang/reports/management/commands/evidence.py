"""``huifang evidence (--customer CODE | --batch N | --branch CODE --from DATE --to DATE)
--out FILE.xlsx`` (``interfaces.md``, "Reports from the command line"): the evidence
package (证据包) as one workbook, a sheet per section. When the package has attachments or
recording references, ``FILE.zip`` is written beside it (the workbook, ``attachments/``
and ``manifest.csv``) and its path printed. Audited as the command."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit
from huifang.core.dates import parse_day
from huifang.core.output_files import output_path
from huifang.reports.evidence.package import do_generate_evidence
from huifang.reports.evidence.scope import ScopeError, resolve


def _date(text: str) -> datetime.date:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise CommandError(f"日期{exc}") from exc


class Command(BaseCommand):
    help = "证据包：按客户、批次或部门及期间生成一个工作簿（每部分一个工作表），有附件时另附 zip"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--customer", help="投资者代码")
        parser.add_argument("--batch", help="批次号")
        parser.add_argument("--branch", help="部门代码（含下级部门），须同时给出 --from 和 --to")
        parser.add_argument("--from", dest="start", help="任务创建日期起（如 2025-12-31）")
        parser.add_argument("--to", dest="end", help="任务创建日期止（如 2025-12-31）")
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")

    def handle(self, *args, **options) -> None:
        path = output_path(options["out"], (".xlsx",))
        try:
            scope = resolve(
                customer=options.get("customer"),
                batch=options.get("batch"),
                branch=options.get("branch"),
                start=_date(options["start"]) if options.get("start") else None,
                end=_date(options["end"]) if options.get("end") else None,
            )
        except ScopeError as exc:
            raise CommandError(str(exc)) from exc
        with audit.acting(label="command:evidence"):
            package = do_generate_evidence(scope, path, actor=None)
        self.stdout.write(f"{package.summary()}，已写入 {path}")
        if package.zip is not None:
            self.stdout.write(f"附件包：{package.zip}")
