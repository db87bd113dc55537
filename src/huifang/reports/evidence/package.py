"""Generating an evidence package: the workbook (a cover and one sheet per section), the
zip of its attachments, and the audit row saying who generated what.

The workbook is written by xlsxwriter in constant memory, one sheet after another; the
cover is the first sheet but written last, once every section's row count is known, so
the counts it shows are the rows written. Both files are written under temporary names
and put in place only when complete, with the audit row in the same transaction.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from huifang.core import audit
from huifang.core.actors import as_actor
from huifang.core.audit_display import source_label
from huifang.core.export import open_workbook, write_sheet
from huifang.core.permissions import require
from huifang.reports.audit_actions import ReportsAction
from huifang.reports.evidence import attachments
from huifang.reports.evidence.scope import Scope
from huifang.reports.evidence.sections import SECTIONS, Context

PERMISSION = "reports.generate_evidence"
COVER = "封面"
COVER_HEADER = ["项目", "内容", "行数"]
SECTION_PREFIX = "工作表 "
MASKING_NOTE = (
    "手机号、联系电话、地址按页面规则脱敏；证件号码不出现在证据包中。"
    "附件及录音引用见“附件清单”工作表和同名 zip 文件（含附件、manifest.csv）。"
)

Progress = Callable[..., None]


@dataclass
class Package:
    """What one generation wrote: the workbook, the zip (None without attachments), the
    rows of each sheet and the workbook's SHA-256."""

    scope: Scope
    workbook: Path
    zip: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    sha256: str = ""

    @property
    def download(self) -> Path:
        """The one file to hand over: the zip (it holds the workbook) or the workbook."""
        return self.zip or self.workbook

    def summary(self) -> str:
        rows = sum(self.counts.values())
        # The cover is a sheet too: the number is the workbook's, as Excel shows it.
        sheets = len(self.counts) + 1
        text = f"证据包（{self.scope.describe()}）：{sheets} 个工作表（含封面），共 {rows} 行"
        if self.zip is not None:
            text += f"；附件 {self.files} 个文件"
        return text


def do_generate_evidence(
    scope: Scope,
    path: Path,
    *,
    actor,
    progress: Progress | None = None,
    zip_path: Path | None = None,
) -> Package:
    """Write the evidence package of ``scope`` to ``path`` (an .xlsx) and, when it has
    attachments or recording references, ``zip_path`` (default: ``path`` with ``.zip``);
    audited. Rows are those ``actor`` may see (a branch user: their branches')."""
    anchor = scope.customer or scope.branch  # a batch is not branch-scoped: its rows are
    require(actor, PERMISSION, anchor, action="view", message="您没有生成证据包的权限")
    who = as_actor(actor)
    report = progress or (lambda *args, **kwargs: None)
    path = Path(path)
    zip_path = Path(zip_path) if zip_path is not None else path.with_suffix(".zip")
    total = len(SECTIONS) + 2
    generated_at = timezone.now()
    package = Package(scope=scope, workbook=path)
    part = path.with_name(f".{path.name}.part")
    zip_part = zip_path.with_name(f".{zip_path.name}.part")
    try:
        report(0, total, "正在读取范围内的回访任务")
        ctx = Context.build(scope, actor)
        workbook = open_workbook(str(part))
        cover = workbook.add_worksheet(COVER)
        for done, section in enumerate(SECTIONS, start=1):
            report(done, total, f"正在写入：{section.title}")
            ctx.tick = lambda n, s=section, d=done: report(
                d, total, f"正在写入：{s.title}（{n} 行）"
            )
            sheet = workbook.add_worksheet(section.title)
            rows = ctx.counted(section.rows(ctx))
            package.counts[section.title] = write_sheet(workbook, sheet, section.header, rows)
        write_sheet(workbook, cover, COVER_HEADER, _cover(scope, who, generated_at, ctx, package))
        workbook.close()
        package.sha256 = _sha256(part)
        report(total - 1, total, "正在打包附件")
        if attachments.any_items(ctx):
            package.files = attachments.write_zip(ctx, part, path.name, zip_part)
            package.zip = zip_path
        with transaction.atomic():
            audit.record(
                ReportsAction.EVIDENCE,
                scope.anchor,
                after={
                    "scope": scope.describe(),
                    "file_name": path.name,
                    "sha256": package.sha256,
                    "zip": zip_path.name if package.zip else "",
                    "attachments": package.files,
                    "sections": package.counts,
                },
                message=package.summary(),
                actor=actor,
            )
            os.replace(part, path)
            if package.zip is not None:
                os.replace(zip_part, zip_path)
    finally:
        for leftover in (part, zip_part):
            leftover.unlink(missing_ok=True)
    report(total, total, "完成")
    return package


def _cover(scope: Scope, who, generated_at, ctx: Context, package: Package) -> list[list]:
    rows = [
        ["证据包范围", scope.describe(), None],
        ["生成人", who.name, None],
        ["生成来源", source_label(who.label), None],
        ["生成时间", timezone.localtime(generated_at), None],
        ["回访任务数", None, len(ctx.task_ids)],
        ["所含筛选", "、".join(f"#{pk}" for pk in ctx.run_ids) or "无", len(ctx.run_ids)],
        ["说明", MASKING_NOTE, None],
    ]
    for section in SECTIONS:
        rows.append([SECTION_PREFIX + section.title, section.holds, package.counts[section.title]])
    return rows


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
