"""``huifang export tasks|records FILE …``.

Each subcommand is one entry of :data:`EXPORTS`: a function adding its arguments and one
building the :class:`~huifang.core.exporter.Exporter` that writes (and audits) the file.
Later apps add theirs from ``AppConfig.ready`` (records does), since callbacks must not
import them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError

from huifang.callbacks.choices import TaskStatus
from huifang.callbacks.filtersets import OPEN, TaskFilterSet
from huifang.callbacks.models import Batch, BusinessType, CallbackTask, TaskBatch
from huifang.callbacks.tables import deadline_state
from huifang.core import audit
from huifang.core.choices import choice_labels, parse_choice
from huifang.core.exporter import Exporter, ExportError
from huifang.core.output_files import output_path
from huifang.customers.choices import CustomerType
from huifang.customers.choices import Status as CustomerStatus
from huifang.customers.models import risk_label
from huifang.org.models import Branch

TASK_HEADER = [
    "批次号",
    "投资者代码",
    "投资者名称",
    "部门代码",
    "部门",
    "投资者类型",
    "风险承受能力",
    "回访业务类型",
    "筛选理由",
    "账户状态",
    "是否休眠",
    "处理状态",
    "截止日期",
    "截止日期状态",
    "回访专员",
    "相关批次",
]


def _status_value(text: str) -> str:
    try:
        return parse_choice(TaskStatus, text, noun="处理状态", extra={OPEN: OPEN, "未完成": OPEN})
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


TASK_FIELDS = (
    "pk",
    "batch_id",
    "customer__investor_code",
    "customer__name",
    "branch_id",
    "customer__customer_type",
    "customer__risk_level",
    "customer__risk_lowest",
    "business_type_id",
    "reasons",
    "customer__status",
    "customer__dormant",
    "status",
    "deadline",
    "deadline_provisional",
    "assignee__username",
)


def _task_rows(queryset, size: int = 5000) -> Iterator[list]:
    """The export's rows in task id order: plain tuples (``values_list``) in keyset chunks,
    labels from dicts made once, so memory stays constant and no model instance is built.
    The small tables (branches, business types, batches) are read once into dicts."""
    customer_types = choice_labels(CustomerType)
    customer_statuses = choice_labels(CustomerStatus)
    task_statuses = choice_labels(TaskStatus)
    branches = {
        pk: (code, name) for pk, code, name in Branch.objects.values_list("pk", "code", "name")
    }
    types = dict(BusinessType.objects.values_list("pk", "name"))
    batches = dict(Batch.objects.values_list("pk", "number"))
    rows = queryset.order_by("pk").values_list(*TASK_FIELDS)
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last)[:size])
        if not chunk:
            return
        first, last = chunk[0][0], chunk[-1][0]
        numbers: dict[int, list[str]] = {}
        links = TaskBatch.objects.filter(task_id__gte=first, task_id__lte=last)
        for task_id, batch_id in links.order_by().values_list("task_id", "batch_id"):
            numbers.setdefault(task_id, []).append(batches[batch_id])
        for (
            pk,
            batch_id,
            code,
            name,
            branch_id,
            customer_type,
            risk_level,
            risk_lowest,
            type_id,
            reasons,
            customer_status,
            dormant,
            status,
            deadline,
            provisional,
            assignee,
        ) in chunk:
            branch_code, branch_name = branches[branch_id]
            risk = risk_label(risk_level, risk_lowest)
            yield [
                batches[batch_id],
                code,
                name,
                branch_code,
                branch_name,
                customer_types.get(customer_type, customer_type),
                risk,
                types[type_id],
                reasons,
                customer_statuses.get(customer_status, customer_status),
                "休眠" if dormant else "正常",
                task_statuses.get(status, status),
                deadline,
                deadline_state(deadline, provisional),
                assignee or "",
                "，".join(sorted(numbers.get(pk, ()))),
            ]


def add_task_arguments(parser) -> None:
    parser.add_argument("file", help="输出文件（.csv 或 .xlsx）")
    parser.add_argument("--batch", help="批次号（该批次新建或合并过的任务）")
    parser.add_argument("--status", help="处理状态：未处理/处理中/已完成/无法联系/已取消/未完成")


def task_sheet(tasks) -> tuple[list[str], Iterator[list]]:
    """The CLI's task columns (``TASK_HEADER``), read by the fast path of :func:`_task_rows`."""
    return TASK_HEADER, _task_rows(tasks)


def task_exporter(filterset=None, *, queryset=None) -> Exporter:
    """The tasks of ``filterset`` (or ``queryset``) with ``huifang export tasks``' columns."""
    return Exporter(
        task_sheet, filterset, queryset=queryset, name="tasks", title="回访任务", sheet="数据"
    )


def export_tasks(command: BaseCommand, options: dict) -> Exporter:
    data = {}
    if options.get("batch"):
        number = options["batch"].strip()
        if not Batch.objects.filter(number=number).exists():
            raise CommandError(f"批次 {number} 不存在")
        data["batch"] = number
    if options.get("status"):
        data["status"] = _status_value(options["status"])
    base = CallbackTask.objects.select_related(
        "customer", "branch", "business_type", "batch", "assignee"
    )
    return task_exporter(TaskFilterSet(data=data, queryset=base))


def write_tasks(path: str, tasks) -> int:
    """The tasks to a .csv or .xlsx file, audited (an xlsx of a known, modest count with
    shared strings: ``core.export.SHARED_STRINGS_ROWS``). The benchmark times this."""
    return task_exporter(queryset=tasks).write(path)


@dataclass(frozen=True)
class Export:
    help: str
    add_arguments: Callable
    # The exporter of the subcommand's rows; bad options raise CommandError.
    exporter: Callable[[BaseCommand, dict], Exporter]


EXPORTS: dict[str, Export] = {
    "tasks": Export("回访任务，每行一条任务", add_task_arguments, export_tasks),
}


class Command(BaseCommand):
    help = "导出数据到 CSV（UTF-8 BOM）或 Excel 文件"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="|".join(EXPORTS))
        for name, spec in EXPORTS.items():
            spec.add_arguments(sub.add_parser(name, help=spec.help))

    def handle(self, *args, **options):
        spec = EXPORTS[options["what"]]
        path = output_path(options["file"])
        with audit.acting(label=f"command:export {options['what']}"):
            try:
                count = spec.exporter(self, options).write(path)
            except ExportError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"已导出 {count} 行到 {path}")
