"""``huifang report progress|compliance|restrictions … --out FILE`` (``interfaces.md``,
"Reports from the command line"): the dashboard's numbers, the compliance findings and the
restriction list as xlsx or csv, written through the one exporter (audited)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit
from huifang.core.exporter import Exporter, ExportError
from huifang.core.output_files import output_path


@dataclass(frozen=True)
class Report:
    help: str
    add_arguments: Callable
    exporter: Callable[[dict], Exporter]


def _progress_arguments(parser) -> None:
    parser.add_argument("--batch", help="批次号")
    parser.add_argument("--branch", help="部门代码（含下级部门）")
    parser.add_argument("--business-type", dest="business_type", help="回访业务类型名称")


def _progress(options: dict) -> Exporter:
    from huifang.callbacks.models import Batch, BusinessType, CallbackTask
    from huifang.org.models import Branch
    from huifang.reports import figures

    filters = figures.Filters()
    if options.get("batch"):
        filters.batch = Batch.objects.filter(number=options["batch"].strip()).first()
        if filters.batch is None:
            raise CommandError(f"批次号“{options['batch']}”不存在")
    if options.get("branch"):
        filters.branch = Branch.objects.filter(code=options["branch"].strip()).first()
        if filters.branch is None:
            raise CommandError(f"部门代码“{options['branch']}”不存在")
    if options.get("business_type"):
        name = options["business_type"].strip()
        filters.business_type = BusinessType.objects.filter(name=name).first()
        if filters.business_type is None:
            raise CommandError(f"回访业务类型“{name}”不存在")
    rows = figures.progress_rows(None, filters)
    return Exporter(
        lambda rows: (figures.PROGRESS_HEADER, rows),
        queryset=rows,
        model=CallbackTask,
        name="progress",
        title="回访进度",
        filters=_describe(options, ("batch", "branch", "business_type")),
    )


def _describe(options: dict, keys) -> str:
    return "，".join(f"{k}={options[k]}" for k in keys if options.get(k))


def _no_arguments(parser) -> None:
    pass


def _restrictions(options: dict) -> Exporter:
    from huifang.reports import restrictions
    from huifang.reports.models import Measure

    measures = restrictions.restricted(
        Measure.objects.select_related("customer", "branch", "measure_type")
    )
    return Exporter(
        restrictions.sheet,
        queryset=measures,
        name="restrictions",
        title="限制名单",
    )


def _compliance_arguments(parser) -> None:
    parser.add_argument(
        "--check",
        help="检查项：名称（如 overdue_tasks）或报表“检查项”列的中文名（不填则为全部检查项）",
    )


def _check_name(given: str) -> str:
    """The check ``--check`` names: by its name, or by its title as the report's 检查项
    column shows it (so a value copied from the report works)."""
    from huifang.reports import compliance

    given = given.strip()
    if given in compliance.REGISTRY:
        return given
    for name, check in compliance.REGISTRY.items():
        if check.title == given:
            return name
    choices = "、".join(f"{name}（{check.title}）" for name, check in compliance.REGISTRY.items())
    raise CommandError(f"没有名为“{given}”的检查项，可选：{choices}")


def _compliance(options: dict) -> Exporter:
    from huifang.reports import compliance

    names = list(compliance.REGISTRY)
    if options.get("check"):
        names = [_check_name(options["check"])]
    findings = [
        f for name in names for f in compliance.get(name).findings(None, compliance.Period())
    ]
    return Exporter(
        compliance.sheet,
        queryset=findings,
        name="compliance",
        title="合规核查",
        filters=_describe(options, ("check",)),
    )


REPORTS: dict[str, Report] = {
    "progress": Report("回访进度：每个部门一行（含下级部门）", _progress_arguments, _progress),
    "compliance": Report(
        "合规核查：每条发现一行（检查项, 投资者代码, 任务, 说明）",
        _compliance_arguments,
        _compliance,
    ),
    "restrictions": Report(
        "限制名单：未完成的限制开仓、限制出金、重新适当性评估措施，每条一行",
        _no_arguments,
        _restrictions,
    ),
}


class Command(BaseCommand):
    help = "汇总报表：progress（回访进度）、compliance（合规核查）、restrictions（限制名单）"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, metavar="报表")
        for name, report in REPORTS.items():
            p = sub.add_parser(name, help=report.help)
            report.add_arguments(p)
            p.add_argument("--out", required=True, help="输出文件（.csv 或 .xlsx）")

    def handle(self, *args, **options) -> None:
        report = REPORTS[options["what"]]
        path = output_path(options["out"])
        with audit.acting(label=f"command:report {options['what']}"):
            try:
                count = report.exporter(options).write(path)
            except ExportError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"已导出 {count} 行到 {path}")
