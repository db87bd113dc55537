"""自动导入: one pass over the drop folders, importing each settled file through the
standard data interface, exactly as ``huifang import`` does (all or nothing, as the system).

    runs = run_pass()                    # every dataset, in dependency order
    runs = run_pass(dataset="daily")     # one

Each dataset's folder is the one in force at the start of the pass
(``intake_folders.effective``: 系统管理 → 导入目录, else ``HUIFANG_INTAKE_DIR/<dataset>``), so
a change on the page counts from the next pass. Datasets are taken in dependency order
(branches → customers → daily → products), the files of each in name order; a dataset
without a folder, or switched off, is passed over. A file that has not settled
(``dropfolder.settled``), or a folder that cannot be opened, holds back the files named
after it and the later datasets until a later pass, so that e.g. a daily file is never
imported before the customers file still being written. Each file
taken leaves an :class:`IntakeRun` and an audit row (自动导入 / 自动导入被拒绝 / 自动导入失败);
a file not imported is announced after commit with ``signals.intake_failed``.

Call it outside any transaction: the import engine commits as it goes. The audit rows and
the import records carry the context's actor: ``job:自动导入`` in the worker
(``tasks.tick_intake``), ``command:intake`` from the command.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from huifang.automation import dropfolder, intake_folders, tasks
from huifang.automation.audit_actions import AutomationAction
from huifang.automation.models import IntakeRun, IntakeStatus
from huifang.automation.signals import intake_failed
from huifang.core import audit, export, liveness
from huifang.customers.importers import report as error_report
from huifang.customers.models import ImportRecord


def import_file(*args, **kwargs):
    """``customers.importers.import_file``, imported when a file arrives rather than when
    the app starts (every ``huifang`` command would pay for the importer otherwise)."""
    from huifang.customers.importers import import_file as run

    return run(*args, **kwargs)


log = logging.getLogger(__name__)

DATASETS = intake_folders.DATASETS  # dependency order
ABANDONED = "导入该文件的进程已中断（被强制结束、崩溃或服务器重启），未写入任何数据；文件已移至 failed/，请检查后放回导入目录"
OUTCOME_AUDIT = {
    IntakeStatus.APPLIED: AutomationAction.INTAKE_IMPORT,
    IntakeStatus.REJECTED: AutomationAction.INTAKE_REJECTED,
    IntakeStatus.FAILED: AutomationAction.INTAKE_FAILED,
}


def enabled() -> bool:
    """Whether some dataset's drop folder is taken in (``intake_folders``)."""
    return intake_folders.any_active()


def run_pass(*, dataset: str | None = None, now: float | None = None) -> list[IntakeRun]:
    """Import every settled file waiting in the drop folders (or in ``dataset``'s only);
    returns the runs this pass made, in the order they ran. Each dataset's folder is its
    effective one at this moment (``intake_folders.effective``: the page's setting, else
    ``HUIFANG_INTAKE_DIR``); a dataset without one, or switched off, is passed over."""
    if dataset is not None and dataset not in DATASETS:
        raise ValueError(f"未知的数据集 {dataset!r}（可选：{'、'.join(DATASETS)}）")
    settle = int(getattr(settings, "INTAKE_SETTLE_SECONDS", 60))
    made: list[IntakeRun] = []
    for folder in intake_folders.effective():
        if not folder.active or dataset not in (None, folder.dataset):
            continue
        try:
            base = dropfolder.ensure(folder.path)
        except OSError:
            # As for a file still being written: the later datasets wait for this one.
            log.exception(
                "自动导入：无法使用%s的导入目录 %s，本次不导入", folder.label, folder.path
            )
            return made
        for seen in dropfolder.waiting(base):
            if not dropfolder.settled(seen, settle, now):
                # Later names of this dataset, and later datasets, wait for it.
                log.info("自动导入：%s 仍在写入或刚写入，本次不导入", seen.path)
                return made
            claimed = dropfolder.claim(seen)
            if claimed is None:  # another pass took it, or it changed under the rename
                continue
            made.append(import_claimed(folder.dataset, claimed))
    return made


def import_claimed(dataset: str, claimed: Path) -> IntakeRun:
    """Import a file this process claimed (in ``processing/``), move it on, record it."""
    intake = IntakeRun.objects.create(
        dataset=dataset,
        file_name=dropfolder.original_name(claimed)[:255],
        checksum=_checksum(claimed),
        size=claimed.stat().st_size,
        moved_to=str(claimed),
        source=audit.current_actor().label[:64],
        runner=liveness.mark(),
    )
    record = None
    error = ""
    try:
        result = import_file(dataset, claimed, actor=None, file_name=intake.file_name)
        record = result.record
        status = IntakeStatus.APPLIED if result.ok else IntakeStatus.REJECTED
        if not result.ok:
            error = record.message
    except Exception as exc:  # kept on the row for HQ, the trace for the operator
        log.exception("自动导入 %s 出错", claimed)
        status, error = IntakeStatus.FAILED, f"导入出错：{exc}"
        # The engine marks its record 失败 itself; link it when it got that far.
        record = ImportRecord.objects.filter(
            file_name=intake.file_name,
            checksum=intake.checksum,
            started_at__gte=intake.started_at,
        ).first()
    return _finish(intake, claimed, status, record, error)


def _finish(intake: IntakeRun, claimed: Path, status, record, error: str) -> IntakeRun:
    """Move the file to done/ or failed/ (with its report), then record and audit."""
    moved, report = claimed, None
    try:
        moved = dropfolder.move(
            claimed, dropfolder.DONE if status == IntakeStatus.APPLIED else dropfolder.FAILED
        )
        if status != IntakeStatus.APPLIED:
            report = _place_report(record, moved, error)
    except OSError as exc:  # the import stands; the file stays in processing/ for the operator
        log.exception("自动导入：无法移动 %s", claimed)
        error = "；".join(filter(None, [error, f"文件未能移动（仍在 {moved.parent}）：{exc}"]))
    intake.status = status
    intake.import_record = record
    intake.moved_to = str(moved)
    intake.report_path = str(report or "")
    intake.error = error
    intake.finished_at = timezone.now()
    intake.runner = ""
    with transaction.atomic():
        intake.save()
        audit.record(
            OUTCOME_AUDIT[status],
            intake,
            after=_summary(intake),
            message=outcome(intake),
        )
        if status != IntakeStatus.APPLIED:
            transaction.on_commit(lambda: announce_failure(intake))
    return intake


def _place_report(record: ImportRecord | None, moved: Path, error: str) -> Path:
    """The row report beside a file moved to failed/: the import's xlsx report, as the
    import page's 下载错误报告 serves it; for a file that failed before the engine
    reported anything, a one-row report of the error in the same columns."""
    if record is not None and not record.report_file and record.errors:
        record.report_file = error_report.write(record, record.errors)
        ImportRecord.objects.filter(pk=record.pk).update(report_file=record.report_file)
    if record is not None and record.report_file:
        placed = dropfolder.place_report(moved, Path(settings.MEDIA_ROOT) / record.report_file)
        if placed is not None:
            return placed
    target = dropfolder.report_of(moved)
    export.write_xlsx(
        str(target), error_report.HEADER, [[0, "", moved.name, error]], sheet="错误报告"
    )
    return target


def announce_failure(intake: IntakeRun) -> None:
    """Send ``intake_failed`` (after commit); a failing receiver is logged, never raised."""
    for receiver, response in intake_failed.send_robust(sender=IntakeRun, intake_run=intake):
        if isinstance(response, Exception):
            log.error("自动导入失败通知出错（%s）：%s", receiver, response, exc_info=response)


def outcome(intake: IntakeRun) -> str:
    """One line: the file, its status and the counts (or why not)."""
    head = f"{intake.get_dataset_display()} {intake.file_name}：{intake.get_status_display()}"
    record = intake.import_record
    if intake.status == IntakeStatus.APPLIED and record is not None:
        return (
            f"{head}，共 {record.total_rows} 行：新增 {record.created}，更新 {record.updated}，"
            f"未变 {record.unchanged}，拒绝 {record.rejected}（导入记录 #{record.pk}）"
        )
    tail = f"（导入记录 #{record.pk}）" if record is not None else ""
    return f"{head}，{intake.error}{tail}"[:1000]


def _summary(intake: IntakeRun) -> dict:
    return {
        "dataset": intake.dataset,
        "file_name": intake.file_name,
        "checksum": intake.checksum,
        "status": intake.status,
        "import_record": intake.import_record_id,
        "moved_to": intake.moved_to,
    }


def _checksum(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# ---------------------------------------------------------------- a killed pass


def recover_abandoned(is_dead) -> int:
    """Settle the runs left 导入中 by a process that is gone (``core.liveness``, when a
    worker starts): the import wrote nothing (it writes in one transaction at its end),
    so the file goes to failed/ and the run is 失败; then make sure the worker's intake
    tick is queued, since a worker is starting."""
    running = IntakeRun.objects.filter(status=IntakeStatus.RUNNING).exclude(runner="")
    settled = 0
    for intake in running:
        if not is_dead(intake.runner):
            continue
        claimed = Path(intake.moved_to)
        if claimed.is_file():
            _finish(intake, claimed, IntakeStatus.FAILED, None, ABANDONED)
        else:
            IntakeRun.objects.filter(pk=intake.pk).update(
                status=IntakeStatus.FAILED,
                error=ABANDONED,
                finished_at=timezone.now(),
                runner="",
            )
        settled += 1
    tasks.restart_intake_chain()  # a worker is starting
    return settled


liveness.register_recovery(recover_abandoned)


# ---------------------------------------------------------------- the page


def folders() -> list[dict]:
    """Each dataset's effective drop folder for the pages (自动导入, 导入目录): the
    setting and its source, what waits there, what is wrong with it, and its last run."""
    rows = []
    for folder in intake_folders.effective():
        problem = intake_folders.problem(folder)
        readable = folder.active and not problem and folder.path.is_dir()
        rows.append(
            {
                "folder": folder,
                "dataset": folder.dataset,
                "label": folder.label,
                "path": str(folder.path or ""),
                "waiting": len(dropfolder.waiting(folder.path)) if readable else None,
                "processing": len(dropfolder.abandoned(folder.path)) if readable else None,
                "problem": problem,
                "missing": folder.active and not folder.path.exists(),
                "last": IntakeRun.objects.filter(dataset=folder.dataset)
                .order_by("-started_at", "-pk")
                .first(),
            }
        )
    return rows
