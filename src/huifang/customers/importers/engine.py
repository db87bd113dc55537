"""parse → validate → stage → apply, for every way data comes in.

The command, the upload page's job and the REST API all call :func:`import_file` or
:func:`import_rows`. Validation streams the source in chunks into a temporary staging
table, writing nothing else (``staging.checking``: no write lock held, so the rest of the
system writes on during a long read); only when every row is valid (or ``skip_invalid``
was asked for) is anything applied to the real tables, set-based and in one transaction
(``staging.py``). A rejected import leaves nothing but its :class:`ImportRecord` and that
record's audit row.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.utils import timezone

from huifang.core import audit, dbstats, liveness
from huifang.customers import aggregates
from huifang.customers.audit_actions import CustomerAction
from huifang.customers.importers import branches as branch_import
from huifang.customers.importers import parallel, report, specs, staging
from huifang.customers.importers.daily import DailyValidator
from huifang.customers.importers.readers import (
    SourceError,
    Table,
    map_header,
    open_table,
    table_from_dicts,
    watch_blanks,
)
from huifang.customers.importers.staging import Stage
from huifang.customers.importers.targets import TARGETS
from huifang.customers.importers.validators import (
    CustomerValidator,
    Errors,
    ProductValidator,
    RowError,
    excel_errors,
    overlong,
)
from huifang.customers.models import Customer, ImportRecord, MonthlyAggregate
from huifang.customers.signals import customers_closed
from huifang.org.models import Branch

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None, str], None]
STORED_ERRORS = 1_000  # kept on the record for the detail page; the xlsx report has all
REFRESH_BY_CUSTOMER = 5_000  # above this many customers, refresh whole months
VALIDATORS = {"customers": CustomerValidator, "daily": DailyValidator, "products": ProductValidator}


@dataclass
class ImportResult:
    ok: bool
    record: ImportRecord
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    total: int = 0

    def as_dict(self, report_limit: int | None = None) -> dict:
        """The counts and the row report (``report``: its first ``report_limit`` rows)."""
        errors = self.errors if report_limit is None else self.errors[:report_limit]
        return {
            "ok": self.ok,
            "record": self.record.pk,
            "status": str(self.record.status),
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "report": [e.as_dict() for e in errors],
        }


class _Rejected(Exception):
    """Rolls the staging back when an all-or-nothing import found invalid rows."""


def import_file(
    dataset: str,
    path,
    *,
    skip_invalid: bool = False,
    actor=None,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a .csv or .xlsx file of ``dataset`` (``branches``/``customers``/``daily``/
    ``products``). ``actor`` (a user) restricts rows to the user's branch scope."""
    spec = _spec(dataset)
    path = Path(path)
    _check_permission(actor)
    with _acting(actor):
        record = _start_record(
            spec,
            actor,
            file_name=file_name or path.name,
            checksum=_file_checksum(path),
            file_path=_media_relative(path),
            skip_invalid=skip_invalid,
            source=audit.current_actor().label,
        )
        try:
            table = open_table(path)
        except (SourceError, OSError) as exc:
            return _file_rejected(record, str(getattr(exc, "strerror", None) or exc))
        return _run(spec, table, record, actor, skip_invalid, progress)


def import_rows(
    dataset: str,
    rows: Iterable[dict],
    *,
    skip_invalid: bool = False,
    actor=None,
    source: str = "api",
) -> ImportResult:
    """Import rows given as dicts keyed by the Chinese or English column names."""
    spec = _spec(dataset)
    rows = list(rows)
    _check_permission(actor)
    with _acting(actor, label=source):
        body = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str)
        record = _start_record(
            spec,
            actor,
            file_name="",
            checksum=hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest(),
            file_path="",
            skip_invalid=skip_invalid,
            source=source,
        )
        try:
            table = table_from_dicts(rows, spec)
        except SourceError as exc:
            return _file_rejected(record, str(exc))
        return _run(spec, table, record, actor, skip_invalid, None)


# -- the run ---------------------------------------------------------------------------------


def _run(spec, table: Table, record, actor, skip_invalid: bool, progress) -> ImportResult:
    errors = Errors(spec)
    header = map_header(spec, table.header)
    result = ImportResult(ok=False, record=record, warnings=list(header.warnings))
    if table.total == 0 and not table.header:
        header.missing = []  # API rows: an empty list, nothing to import
    for label in header.missing:
        errors.add(1, label, "", "缺少必填列")
    if header.missing and table.other_sheets:
        result.warnings.append(
            f"只读取第一个工作表“{table.sheet}”；其他工作表（{'、'.join(table.other_sheets)}）不会导入"
        )
    for label in header.duplicates:
        errors.add(1, label, label, "列名重复")
    if errors.count:
        table.close()
        return _finish_rejected(record, result, errors, total=0, rejected=0)
    scope_path = _scope_path(actor)
    notify = progress or (lambda done, total, message: None)
    staging.detach_parts()
    stage = None
    try:
        if spec.name == "branches":  # a short file, read and applied in one transaction
            with transaction.atomic():
                filled: set[int] = set()
                counts, total, rejected = _run_branches(
                    header.index, errors, scope_path, table, skip_invalid, filled
                )
                _warn_blanks(result, table, filled)
                _applied(record, result, errors, counts, total, rejected, skip_invalid)
        else:
            # Reading, checking and staging the file write only the import's own stage:
            # other requests and the task worker write on meanwhile. Only the apply
            # below holds the database's write lock (SQLite has one for everything).
            with staging.checking():
                stage, total, filled = _check(spec, header.index, errors, scope_path, table, notify)
            _warn_blanks(result, table, filled)
            rejected = total - stage.rows
            errors.rows = rejected
            if rejected and not skip_invalid:
                result.total = total
                raise _Rejected
            notify(total, total, "正在写入数据库…")
            with transaction.atomic():
                counts = _apply(stage, spec, record, _absent(spec, header.index))
                _applied(record, result, errors, counts, total, rejected, skip_invalid)
    except _Rejected:
        return _finish_rejected(record, result, errors, total=result.total, rejected=errors.rows)
    except SourceError as exc:
        errors.add(0, "", record.file_name, str(exc))
        return _finish_rejected(record, result, errors, total=0, rejected=0)
    except Exception as exc:
        log.exception("import %s failed", record.pk)
        ImportRecord.objects.filter(pk=record.pk).update(
            status=ImportRecord.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:2000]
        )
        raise
    finally:
        table.close()
        if stage is not None:
            with contextlib.suppress(DatabaseError):  # never hide what went wrong before
                stage.drop()
        staging.detach_parts()
    if result.ok:
        dbstats.after_import(_written_tables(spec, stage), result.created + result.updated)
    notify(result.total, result.total, "导入完成")
    return result


def _written_tables(spec, stage) -> list[str]:
    """The tables an import wrote: the dataset's own, and the month sums of daily rows."""
    if stage is None:
        return [Branch._meta.db_table]
    tables = [stage.target.table]
    if spec.name == "daily":
        tables.append(MonthlyAggregate._meta.db_table)
    return tables


def _applied(record, result: ImportResult, errors: Errors, counts, total, rejected, skip_invalid):
    """Inside the apply transaction: the counts on the result and the record, audited."""
    if rejected and not skip_invalid:
        result.total = total
        raise _Rejected
    result.total, result.rejected = total, rejected
    result.created, result.updated, result.unchanged = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )
    result.errors = errors.items
    result.ok = True
    _finish_applied(record, result, errors)
    closed = counts.get("closed") or []
    if closed:
        transaction.on_commit(
            lambda: customers_closed.send(
                sender=Customer, customer_ids=closed, import_record=record
            )
        )


def _header_width(table: Table) -> int | None:
    """A CSV file's header width: its rows may not hold values beyond it (``overlong``)."""
    return len(table.header) if table.plain_text and table.header else None


def _warn_blanks(result: ImportResult, table: Table, filled: set[int]) -> None:
    warning = table.blank_warning(filled)
    if warning:
        result.warnings.append(warning)


def _run_branches(
    index, errors: Errors, scope_path, table: Table, skip_invalid: bool, filled: set[int]
):
    importer = branch_import.BranchImport(index, errors, scope_path=scope_path)
    width = _header_width(table)
    for rowno, cells in watch_blanks(table.rows, table.blank_columns(), filled):
        if overlong(errors, rowno, cells, width) or excel_errors(
            errors, rowno, cells, importer.pos
        ):
            importer.total += 1  # read, and refused
            continue
        importer.row(rowno, cells)
    plan = importer.finish()
    errors.sort()  # the tree checks report after the row checks, out of row order
    rejected = importer.total - len(plan)
    errors.rows = rejected
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    if plan and (not rejected or skip_invalid):
        counts = branch_import.apply(plan)
    return counts, importer.total, rejected


def _check(spec, index, errors: Errors, scope_path, table: Table, notify):
    """Read and check every row, staging the valid ones; returns the stage, the rows read
    and the positions of blank header cells with values under them."""
    validator = VALIDATORS[spec.name](index, errors, scope_path=scope_path, source=table)
    validator.header_width = _header_width(table)
    validator.blank_columns = table.blank_columns()
    stage = Stage(TARGETS[spec.name])
    stage.create()
    notify(0, table.total, "正在读取和校验…")
    cut = parallel.parts(table, validator)
    with _no_gc():
        if cut is None:
            total = parallel.stage_rows(
                table.rows,
                validator,
                stage.insert,
                lambda done: notify(done, _estimate(table, done), f"已校验 {done} 行"),
            )
        else:
            total = parallel.stage_parts(
                cut,
                validator,
                stage,
                lambda done, estimate: notify(
                    done, estimate, f"已校验 {done} 行（{len(cut)} 个进程并行）"
                ),
            )
    stage.key_ordered = getattr(validator, "key_ordered", False)
    late = validator.finish(stage)
    if late:
        stage.remove(late)
    errors.sort()
    return stage, total, validator.blank_filled


def _absent(spec, index: dict[str, int]) -> list[str]:
    """The stored fields of the optional columns the file lacks, and of the columns
    computed from them."""
    absent = {c.key for c in spec.columns if c.key not in index}
    return [c.stored_as for c in spec.declared if (c.key if c.in_file else c.source) in absent]


def _apply(stage: Stage, spec, record, absent: list[str]) -> dict:
    target = stage.target
    matched = stage.match()
    if target.keeps_absent:
        stage.keep(absent)
    message = f"导入记录 #{record.pk}"
    changed_ids: list[int] = []
    closed: list[int] = []
    for batch in stage.changes():
        rows = []
        for pk, key, before, after in batch:
            changed_ids.append(pk)
            if after.get("status") == "closed" and before.get("status") != "closed":
                closed.append(pk)
            rows.append(
                {
                    "action": CustomerAction.UPDATE,
                    "object_type": target.object_type,
                    "object_id": pk,
                    "object_repr": key,
                    "before": before,
                    "after": after,
                    "message": message,
                }
            )
        audit.record_many(rows)
    updated = stage.update()
    created = stage.insert_new()
    if target.audit_creates and created:
        stage.audit_creates(message)
    if spec.name == "daily" and updated:
        months = {aggregates.month_start(d) for d in stage.touched("trade_date", changed_ids)}
        customers = set(stage.touched("customer_id", changed_ids))
        ids = customers if len(customers) <= REFRESH_BY_CUSTOMER else None
        aggregates.refresh_months(months, ids)
    elif spec.name == "daily" and created:
        # Only new rows: add their sums rather than re-reading whole months.
        # A night's file holds one trading day: one row per customer and month.
        one_day = stage.partitions == 1
        aggregates.add_new_rows(stage.target.stage, "s.target_id IS NULL", one_day=one_day)
    return {
        "created": created,
        "updated": updated,
        "unchanged": matched - updated,
        "closed": closed,
    }


@contextlib.contextmanager
def _no_gc():
    """Millions of short-lived lists and tuples make the cyclic GC rescan the (large, long-
    lived) code maps over and over; nothing made here forms reference cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _estimate(table: Table, done: int) -> int | None:
    if table.total is not None:
        return table.total
    fraction = table.fraction()
    if not fraction:
        return None
    return max(done, int(done / fraction))


# -- the record ------------------------------------------------------------------------------


def _start_record(spec, actor, *, file_name, checksum, file_path, skip_invalid, source):
    user = actor if getattr(actor, "is_authenticated", False) else None
    return ImportRecord.objects.create(
        dataset=spec.name,
        source=source[:64],
        file_name=file_name[:255],
        file_path=file_path,
        checksum=checksum,
        user=user,
        branch=getattr(user, "branch", None),
        skip_invalid=skip_invalid,
        runner=liveness.mark(),
    )


ABANDONED = (
    "导入进程已中断（被强制结束、崩溃或服务器重启），导入没有完成，未写入任何数据；请重新导入"
)


def recover_abandoned(is_dead) -> int:
    """Fail the imports marked running whose process is gone (``core.liveness``): an
    import writes in one transaction at its end, so a dead one wrote nothing."""
    running = ImportRecord.objects.filter(status=ImportRecord.Status.RUNNING).exclude(runner="")
    dead = [pk for pk, runner in running.values_list("pk", "runner") if is_dead(runner)]
    if not dead:
        return 0
    return ImportRecord.objects.filter(pk__in=dead, status=ImportRecord.Status.RUNNING).update(
        status=ImportRecord.Status.FAILED, finished_at=timezone.now(), message=ABANDONED
    )


liveness.register_recovery(recover_abandoned)


def _finish_applied(record: ImportRecord, result: ImportResult, errors: Errors) -> None:
    record.status = ImportRecord.Status.PARTIAL if result.rejected else ImportRecord.Status.APPLIED
    _fill(record, result, errors)
    record.save()
    audit.record(CustomerAction.IMPORT, record, after=_summary(record), message=record.message)


def _finish_rejected(record, result, errors: Errors, *, total: int, rejected: int):
    result.ok = False
    result.total, result.rejected = total, rejected
    result.created = result.updated = result.unchanged = 0
    result.errors = errors.items
    record.status = ImportRecord.Status.REJECTED
    _fill(record, result, errors)
    with transaction.atomic():
        record.save()
        audit.record(CustomerAction.IMPORT, record, after=_summary(record), message=record.message)
    return result


def _file_rejected(record, reason: str) -> ImportResult:
    errors = Errors(specs.DATASETS[record.dataset])
    # A file that cannot be read; API rows: the reason names ``rows`` itself.
    errors.add(0, "", record.file_name, f"无法读取文件：{reason}" if record.file_name else reason)
    result = ImportResult(ok=False, record=record)
    return _finish_rejected(record, result, errors, total=0, rejected=0)


def _fill(record: ImportRecord, result: ImportResult, errors: Errors) -> None:
    record.finished_at = timezone.now()
    record.total_rows = result.total
    record.created, record.updated = result.created, result.updated
    record.unchanged, record.rejected = result.unchanged, result.rejected
    record.error_count = errors.count
    record.errors = [[e.row, e.column, e.value, e.reason] for e in errors.items[:STORED_ERRORS]]
    record.warnings = result.warnings
    if errors.items:
        record.report_file = report.write(record, errors.items)
    if record.status == ImportRecord.Status.REJECTED:
        record.message = (
            f"未写入任何数据：{errors.rows or errors.count} 行有错误"
            if result.total
            else "未写入任何数据：文件无法导入"
        )
    else:
        record.message = (
            f"新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，"
            f"拒绝 {result.rejected}"
        )


def _summary(record: ImportRecord) -> dict:
    return {
        "dataset": record.dataset,
        "file_name": record.file_name,
        "checksum": record.checksum,
        "status": record.status,
        "total": record.total_rows,
        "created": record.created,
        "updated": record.updated,
        "unchanged": record.unchanged,
        "rejected": record.rejected,
    }


# -- helpers ---------------------------------------------------------------------------------


def _spec(dataset: str) -> specs.Dataset:
    try:
        return specs.DATASETS[dataset]
    except KeyError:
        raise ValueError(f"未知的数据集 {dataset!r}（可选：{'、'.join(specs.DATASETS)}）") from None


def _check_permission(actor) -> None:
    if actor is not None and not actor.has_perm("customers.import_data"):
        raise PermissionDenied("您没有通过标准数据接口导入数据的权限")


def _scope_path(actor) -> str | None:
    """None: every branch. A user without a branch has an empty scope."""
    if actor is None or actor.is_superuser:
        return None
    branch = getattr(actor, "branch", None)
    return branch.path if branch is not None else "\x00"


class _acting:
    """Attribute audit rows to ``actor`` unless the context already does."""

    def __init__(self, actor, label: str | None = None):
        self.actor, self.label, self.inner = actor, label, None

    def __enter__(self):
        current = audit.current_actor()
        if self.actor is None or current.user == self.actor:
            if self.label is None or current.label == self.label:
                return current
            self.inner = audit.acting(user=current.user, label=self.label, ip=current.ip)
        else:
            label = self.label or current.label
            self.inner = audit.acting(user=self.actor, label=label, ip=current.ip)
        return self.inner.__enter__()

    def __exit__(self, *exc):
        if self.inner is not None:
            return self.inner.__exit__(*exc)
        return False


def _file_checksum(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return ""


def _media_relative(path: Path) -> str:
    media = Path(settings.MEDIA_ROOT).resolve()
    try:
        return str(path.resolve().relative_to(media))
    except (ValueError, OSError):
        return ""
