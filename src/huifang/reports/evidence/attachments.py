"""The attachments of an evidence package: record attachments (scans, photos) and
measure attachments as files, call recordings as references (their address and the
SHA-256 the recording platform or the agent gave).

:func:`items` lists them for the package's tasks and measures; the workbook's 附件清单
sheet (:func:`manifest_rows`) and the zip's ``manifest.csv`` say for each the SHA-256
registered and the one computed now from the stored file, so an inspector can see that
nothing changed. :func:`write_zip` writes the zip: the workbook, ``attachments/…`` and the
manifest.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.files.storage import default_storage
from django.utils import timezone

from huifang.callbacks.records.choices import AttachmentKind
from huifang.callbacks.records.models import RecordAttachment
from huifang.channels.calls.models import CallAttempt
from huifang.core.chunks import in_chunks
from huifang.core.export import write_csv
from huifang.reports.models import MeasureAttachment

MANIFEST_HEADER = [
    "类型",
    "所属",
    "任务编号",
    "投资者代码",
    "名称",
    "包内文件",
    "录音地址或引用",
    "登记的SHA-256",
    "计算的SHA-256",
    "大小（字节）",
    "校验",
    "上传时间",
]
MANIFEST_NAME = "manifest.csv"
SAME, DIFFERENT, MISSING, REFERENCE = "一致", "不一致", "文件缺失", "引用（文件不在本系统）"
_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")


@dataclass(frozen=True)
class Item:
    kind: str
    pk: int
    owner: str
    task_id: int | None
    investor_code: str
    name: str
    stored: str  # the file's name in the storage ("" for a reference)
    reference: str
    sha256: str
    size: int | None
    created_at: object

    @property
    def arcname(self) -> str:
        """The file's path inside the zip ("" for a reference)."""
        if not self.stored:
            return ""
        folder = "measures" if self.kind == MEASURE else "records"
        number = self.owner.rpartition("#")[2]
        return f"attachments/{folder}/{number}-{self.pk}-{_UNSAFE.sub('_', self.name)}"


RECORD, RECORDING, CALL, MEASURE = "回访记录附件", "录音引用", "外呼录音", "管理措施附件"


def items(ctx) -> Iterator[Item]:
    """Every attachment and recording reference of the package, in a stable order."""
    record_files = ctx.qs(RecordAttachment).select_related("record__customer")
    for a in ctx.by_tasks(record_files.order_by("record_id", "pk"), "record__task_id"):
        recording = a.kind == AttachmentKind.RECORDING
        yield Item(
            kind=RECORDING if recording else RECORD,
            pk=a.pk,
            owner=f"回访记录 #{a.record_id}",
            task_id=a.record.task_id,
            investor_code=a.record.customer.investor_code,
            name=a.name,
            stored="" if recording else a.file.name,
            reference=a.reference,
            sha256=a.sha256,
            size=a.size,
            created_at=timezone.localtime(a.created_at),
        )
    calls = ctx.qs(CallAttempt).exclude(recording_url="").select_related("customer")
    for c in ctx.by_tasks(calls.order_by("task_id", "pk")):
        yield Item(
            kind=CALL,
            pk=c.pk,
            owner=f"外呼 {c.call_id} 第 {c.attempt} 次",
            task_id=c.task_id,
            investor_code=c.customer.investor_code,
            name=f"{c.call_id}-{c.attempt}",
            stored="",
            reference=c.recording_url,
            sha256=c.recording_sha256,
            size=None,
            created_at=timezone.localtime(c.received_at),
        )
    from huifang.reports.evidence.sections import measure_ids

    measure_files = ctx.qs(MeasureAttachment).select_related("measure__customer")
    for chunk in in_chunks(measure_ids(ctx)):
        for a in measure_files.filter(measure_id__in=chunk).order_by("measure_id", "pk"):
            yield Item(
                kind=MEASURE,
                pk=a.pk,
                owner=f"管理措施 #{a.measure_id}",
                task_id=a.measure.task_id,
                investor_code=a.measure.customer.investor_code,
                name=a.name,
                stored=a.file.name,
                reference="",
                sha256=a.sha256,
                size=a.size,
                created_at=timezone.localtime(a.created_at),
            )


def file_sha256(name: str) -> str | None:
    """The SHA-256 of a stored file now, or None when it is missing."""
    if not name or not default_storage.exists(name):
        return None
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_row(item: Item) -> list:
    computed = file_sha256(item.stored) if item.stored else None
    if not item.stored:
        verdict = REFERENCE
    elif computed is None:
        verdict = MISSING
    else:
        verdict = SAME if computed == item.sha256 else DIFFERENT
    return [
        item.kind,
        item.owner,
        item.task_id,
        item.investor_code,
        item.name,
        item.arcname if computed else "",
        item.reference,
        item.sha256,
        computed or "",
        item.size,
        verdict,
        item.created_at,
    ]


def manifest_rows(ctx) -> Iterator[list]:
    for item in items(ctx):
        yield manifest_row(item)


def write_zip(ctx, workbook: Path, workbook_name: str, target: Path) -> int:
    """The zip of the package: the workbook, each stored file under ``attachments/`` and
    ``manifest.csv``. Returns how many files it holds besides the workbook and manifest."""
    files = 0
    with (
        tempfile.NamedTemporaryFile("w+b", suffix=".csv") as manifest,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
    ):
        archive.write(workbook, workbook_name)

        def manifest_lines() -> Iterator[list]:
            nonlocal files
            for item in items(ctx):
                row = manifest_row(item)
                if row[5]:  # the file is there: copy it
                    with (
                        default_storage.open(item.stored, "rb") as source,
                        archive.open(item.arcname, "w", force_zip64=True) as copy,
                    ):
                        for block in iter(lambda: source.read(1 << 20), b""):
                            copy.write(block)
                    files += 1
                yield row

        write_csv(manifest, MANIFEST_HEADER, manifest_lines())
        manifest.flush()
        archive.write(manifest.name, MANIFEST_NAME)
    return files


def any_items(ctx) -> bool:
    return next(items(ctx), None) is not None
