"""系统管理 → 导入目录: where each dataset's drop folder of 自动导入 is, and HQ's edits of it.

A dataset's *effective* folder (:func:`effective`) is read afresh by every pass of the
intake, so an edit counts from the next pass (within a minute), with no restart:

1. HQ's setting on the page (an :class:`IntakeFolder` row), its path and 启用 — it wins;
2. else ``HUIFANG_INTAKE_DIR/<dataset>/`` when ``HUIFANG_INTAKE_DIR`` is set (启用);
3. else none: the dataset is not taken in.

The page wins because it is what can change while the processes run: the environment is
read once, when a process starts. :func:`do_reset_intake_folder` removes the page's setting
and the environment's holds again.

Saving a folder that is 启用 creates it with its ``processing/``, ``done/`` and ``failed/``
(as the web process) and writes a probe file in each: a path that cannot be created or
written is refused then, not found out by the worker at night. Refused too, 启用 or not: a
relative path, the file system's root and system directories, Huifang's own data, upload
and static folders, and a folder that is, holds or lies in another dataset's.
"""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from huifang.automation import dropfolder, tasks
from huifang.automation.audit_actions import AutomationAction
from huifang.automation.models import IntakeFolder
from huifang.core import audit
from huifang.core.actors import person_of
from huifang.core.permissions import require
from huifang.customers.models import ImportRecord

DATASETS = ("branches", "customers", "daily", "products")  # dependency order
PAGE, ENV, NONE = "page", "env", ""
SOURCES = {PAGE: "页面设置", ENV: "环境变量", NONE: "未配置"}
PERMISSION = "automation.change_intakefolder"
DENIED = "您没有维护导入目录的权限"
# Where a drop folder never belongs: the worker moves every .csv/.xlsx it finds there.
SYSTEM_DIRS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys", "/usr")
OS_REASONS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "文件系统只读",
    errno.ENOSPC: "磁盘空间不足",
    errno.ENOTDIR: "路径中的某一级不是目录",
    errno.EEXIST: "已有同名的文件",
    errno.ENAMETOOLONG: "路径过长",
}


@dataclass(frozen=True)
class Folder:
    """A dataset's effective drop folder: ``path`` (None: none), whether it is taken in,
    and where the setting comes from (:data:`PAGE`, :data:`ENV` or :data:`NONE`)."""

    dataset: str
    path: Path | None
    enabled: bool
    source: str

    @property
    def label(self) -> str:
        return ImportRecord.Dataset(self.dataset).label

    @property
    def active(self) -> bool:
        """Whether the intake takes this dataset's files in."""
        return self.enabled and self.path is not None

    @property
    def source_label(self) -> str:
        return SOURCES[self.source]

    def snapshot(self) -> dict:
        """The setting as the audit log keeps it."""
        return {"path": str(self.path or ""), "enabled": self.enabled, "source": self.source}


def env_folder(dataset: str) -> Path | None:
    """``HUIFANG_INTAKE_DIR/<dataset>``, or None when the variable is not set."""
    root = getattr(settings, "INTAKE_DIR", None)
    return dropfolder.folder(Path(root), dataset) if root else None


def resolve(dataset: str, row: IntakeFolder | None) -> Folder:
    """``dataset``'s effective folder given its page setting ``row`` (None: no setting)."""
    if row is not None:
        path = Path(row.path) if row.path else None
        return Folder(dataset, path, row.enabled and path is not None, PAGE)
    env = env_folder(dataset)
    return Folder(dataset, env, env is not None, ENV if env is not None else NONE)


def effective() -> list[Folder]:
    """Every dataset's effective folder, in dependency order (one query)."""
    rows = {row.dataset: row for row in IntakeFolder.objects.all()}
    return [resolve(name, rows.get(name)) for name in DATASETS]


def known(dataset: str) -> str:
    """``dataset`` if it is one of :data:`DATASETS`, else a ValidationError."""
    if dataset not in DATASETS:
        raise ValidationError(f"未知的数据集 {dataset!r}（可选：{'、'.join(DATASETS)}）")
    return dataset


def any_active() -> bool:
    return any(folder.active for folder in effective())


# ---------------------------------------------------------------- checking a path


def _within(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _real(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def clean_path(dataset: str, raw: str, others: list[Folder]) -> Path:
    """``raw`` as a drop folder of ``dataset``: absolute and normalised, not a system or
    Huifang folder, and apart from each other dataset's folder in ``others``; else a
    ValidationError in Chinese. Touches nothing on disk (see :func:`prepare`)."""
    text = (raw or "").strip()
    if any(ord(char) < 32 for char in text):
        raise ValidationError("路径中不能有换行、制表符等控制字符")
    if not text.startswith("/"):
        raise ValidationError(
            f"请填写以 / 开头的绝对路径，例如 /srv/huifang/intake/{dataset}"
            f"（“{text}”是相对路径，不知道相对于哪个目录）"
        )
    path = Path(os.path.normpath(text))
    real = _real(path)
    if real == Path(real.anchor):
        raise ValidationError("不能使用文件系统的根目录 /")
    for system in SYSTEM_DIRS:
        if _within(real, _real(system)):
            raise ValidationError(f"不能使用系统目录 {system} 或其中的目录")
    if real == _real(settings.DATA_DIR):
        raise ValidationError(f"不能使用 Huifang 的数据目录 {settings.DATA_DIR}，请另建一个目录")
    for own, what in ((settings.MEDIA_ROOT, "上传与导出文件"), (settings.STATIC_ROOT, "静态文件")):
        if _within(real, _real(own)):
            raise ValidationError(f"不能使用 Huifang 存放{what}的目录 {own} 或其中的目录")
    for other in others:
        if other.dataset == dataset or other.path is None:
            continue
        theirs = _real(other.path)
        named = f"“{other.label}”的导入目录"
        if real == theirs:
            clash = f"与{named}相同（{other.path}）"
        elif _within(real, theirs):
            clash = f"位于{named}（{other.path}）之中"
        elif _within(theirs, real):
            clash = f"包含了{named}（{other.path}）"
        else:
            continue
        raise ValidationError(f"{clash}：每个数据集须使用单独的目录，互不包含")
    return path


def prepare(path: Path) -> None:
    """Create ``path`` with its sub-folders and prove each writable (a hidden probe file,
    never taken by the intake, written and removed); a ValidationError in Chinese when it
    cannot be done."""
    if path.exists() and not path.is_dir():
        raise ValidationError(f"{path} 已存在，但不是目录")
    try:
        base = dropfolder.ensure(path)
        for directory in (base, *(base / sub for sub in dropfolder.SUBFOLDERS)):
            handle, probe = tempfile.mkstemp(prefix=".huifang-probe-", dir=directory)
            os.close(handle)
            os.unlink(probe)
    except OSError as exc:
        reason = OS_REASONS.get(exc.errno, exc.strerror or str(exc))
        raise ValidationError(
            f"无法创建或写入该目录（{reason}）：请确认路径无误，"
            "且运行 Huifang 的系统用户可以在其中建立和修改文件"
        ) from None


def problem(folder: Folder) -> str:
    """What keeps an active folder from working as this process sees it (empty: nothing,
    or not created yet, which the next pass does)."""
    if not folder.active or not folder.path.exists():
        return ""
    if not folder.path.is_dir():
        return "不是目录，无法导入"
    if not os.access(folder.path, os.R_OK | os.W_OK | os.X_OK):
        return "没有读写权限，无法导入"
    return ""


# ---------------------------------------------------------------- the services


def do_save_intake_folder(dataset: str, *, path: str, enabled: bool, actor) -> Folder:
    """Set ``dataset``'s drop folder on the page (it then wins over the environment's):
    ``path`` checked by :func:`clean_path` and, when ``enabled``, created and proved
    writable (:func:`prepare`); blank only when not ``enabled``. Audited with the effective
    setting before and after; saving what is already in force writes nothing."""
    require(actor, PERMISSION, message=DENIED)
    known(dataset)
    others = effective()
    cleaned = None
    if (path or "").strip():
        try:
            cleaned = clean_path(dataset, path, others)
            if enabled:
                prepare(cleaned)
        except ValidationError as exc:
            raise ValidationError({"path": exc.messages}) from None
    elif enabled:
        raise ValidationError({"path": ["启用时请填写导入目录"]})
    with transaction.atomic():
        row = IntakeFolder.objects.select_for_update().filter(dataset=dataset).first()
        before = resolve(dataset, row)
        row = row or IntakeFolder(dataset=dataset)
        row.path, row.enabled = str(cleaned or ""), enabled
        after = resolve(dataset, row)
        if after == before:
            return after
        row.updated_by = person_of(actor)
        row.save()
        _changed(
            AutomationAction.INTAKE_FOLDER_CHANGE,
            row,
            before,
            after,
            f"{after.label}的导入目录：{after.path or '未填写'}，"
            f"{'启用' if enabled else '停用'}（页面设置）",
            actor=actor,
        )
    return after


def do_reset_intake_folder(dataset: str, *, actor) -> Folder:
    """Remove the page's setting of ``dataset``: the environment's folder holds again (or
    none). Audited with the setting before and after; nothing to remove, nothing written."""
    require(actor, PERMISSION, message=DENIED)
    known(dataset)
    with transaction.atomic():
        row = IntakeFolder.objects.select_for_update().filter(dataset=dataset).first()
        after = resolve(dataset, None)
        if row is None:
            return after
        _changed(
            AutomationAction.INTAKE_FOLDER_RESET,
            row,
            resolve(dataset, row),
            after,
            f"{after.label}的导入目录恢复为环境变量设置："
            f"{after.path or '未配置（HUIFANG_INTAKE_DIR 未设置），不再自动导入'}",
            actor=actor,
        )
        row.delete()
    return after


def _changed(action, row: IntakeFolder, before: Folder, after: Folder, message: str, *, actor):
    """The audit row of a change of setting; and, once it commits, the worker's chain
    (re)started, since a folder may just have been switched on."""
    audit.record(
        action, row, before=before.snapshot(), after=after.snapshot(), message=message, actor=actor
    )
    transaction.on_commit(tasks.restart_intake_chain)
