"""Writes of the customers app. Data comes in through the standard data interface
(``customers.importers``); this module adds what the upload page needs around it: saving
an uploaded file under ``MEDIA_ROOT/imports/`` and running the import as a background job.
It also keeps the one gate to a customer's unmasked personal data (the audited reveal).

The job itself (its parameters and handler) is in ``customers/jobs.py``.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from huifang.core import audit
from huifang.core.jobs import start_job
from huifang.core.masking import mask_address, mask_email, mask_id, mask_phone
from huifang.core.permissions import REVEAL_PERMISSION, require
from huifang.core.uploads import check_upload
from huifang.customers.audit_actions import CustomerAction
from huifang.customers.importers import DATASETS
from huifang.customers.jobs import JOB_KIND, ImportParams
from huifang.customers.models import Customer

UPLOAD_DIR = "imports"
ALLOWED_SUFFIXES = (".csv", ".xlsx")


REVEAL_MESSAGE = "查看完整证件号码、手机号、联系电话、电子邮箱和联系地址"


def personal_data(customer: Customer, *, revealed: bool = False) -> dict[str, str]:
    """The customer's ID number, mobile, phone, e-mail and address: masked unless
    ``revealed`` (which only a caller that has gone through :func:`do_reveal` may ask for).
    The address is masked as the record pages mask it (its district only)."""
    if revealed:
        return {
            "id_number": customer.id_number,
            "mobile": customer.mobile,
            "phone": customer.phone,
            "email": customer.email,
            "address": customer.address,
        }
    return {
        "id_number": mask_id(customer.id_number),
        "mobile": mask_phone(customer.mobile),
        "phone": mask_phone(customer.phone),
        "email": mask_email(customer.email),
        "address": mask_address(customer.address),
    }


def do_reveal(customer: Customer, *, actor) -> None:
    """Let ``actor`` read ``customer``'s personal data once: refused without the reveal
    permission or out of scope, else the audit row PIPL asks for."""
    require(actor, REVEAL_PERMISSION, customer, action="view", message="您没有查看完整信息的权限")
    audit.record(CustomerAction.REVEAL, customer, message=REVEAL_MESSAGE, actor=actor)


def save_upload(uploaded, *, actor) -> str:
    """Store an uploaded file under MEDIA_ROOT/imports/YYYYMM/; returns its relative path."""
    name = Path(uploaded.name or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError("文件须为 .csv 或 .xlsx")
    check_upload(uploaded)  # size limit, and what the name says it is
    safe = re.sub(r"[^\w.\-]+", "_", Path(name).stem)[:80] or "upload"
    relative = f"{UPLOAD_DIR}/{timezone.localtime():%Y%m}/{uuid.uuid4().hex[:12]}_{safe}{suffix}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    return relative


def media_path(relative: str) -> Path:
    """A path under MEDIA_ROOT, refusing anything that escapes it."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise PermissionDenied("非法的文件路径")
    return path


def do_start_import(dataset: str, relative_path: str, *, file_name: str, skip_invalid: bool, actor):
    """Queue the import of an uploaded file as a background job; returns the Job."""
    if dataset not in DATASETS:
        raise ValidationError("未知的数据集")
    require(actor, "customers.import_data", message="您没有通过标准数据接口导入数据的权限")
    media_path(relative_path)
    title = f"导入{DATASETS[dataset].label}：{file_name}"
    params = ImportParams(
        dataset=dataset, path=relative_path, file_name=file_name, skip_invalid=skip_invalid
    )
    return start_job(JOB_KIND, title[:200], params, user=actor)
