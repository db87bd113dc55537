"""Masking of sensitive personal information (PIPL): IDs, phone numbers and e-mails."""

from __future__ import annotations

import re

MASK = "****"
# A mainland mobile number, ASCII digits only (``re.A``: no full-width ``１３８…``), and a
# phone number: digits with the usual separators (``0755-8888 6666``). Checked with
# ``fullmatch`` by the importers and the callback records alike.
MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}", re.A)
PHONE_NUMBER = re.compile(r"[\d()+\- ]*\d[\d()+\- ]*", re.A)


def mask_id(value: str | None) -> str:
    """``110101199001011234`` → ``110***********1234`` (first 3 and last 4 kept)."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; landlines keep their first 3 and last 2."""
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + MASK + value[-4:]
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def mask_email(value: str | None) -> str:
    """The local part masked, the domain kept: ``18216097175@139.com`` →
    ``182****7175@139.com`` (a mobile number as the local part is masked as a mobile);
    ``zhangsan@qq.com`` → ``zh****an@qq.com``; ``abc@x.cn`` → ``a****c@x.cn``.

    Always four stars, so the mask does not tell the length; a short local part keeps at
    most one character at each end, and a local part of one or two characters keeps
    only its first. Text without ``@`` is masked as a local part alone.
    """
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at:
        local, domain = value, ""
    if len(local) == 11 and local.isdigit():
        masked = mask_phone(local)
    elif len(local) <= 2:
        masked = local[:1] + MASK
    elif len(local) <= 6:
        masked = local[0] + MASK + local[-1]
    else:
        masked = local[:2] + MASK + local[-2:]
    return masked + at + domain


def mask_address(value: str | None) -> str:
    """An address keeps its first six characters (about the district): ``北京市朝阳区建国路
    88号`` → ``北京市朝阳区****``; a short one keeps at most its first half."""
    if not value:
        return ""
    return value[: min(6, len(value) // 2)] + MASK


def is_masked(value: str) -> bool:
    """Whether ``value`` already went through a mask (masking again must not change it)."""
    return "*" in value


# Personal fields by the name they carry in snapshots and audit rows (a customer's, a
# user's): the audit writer masks them whatever object they belong to.
PERSONAL_FIELDS = {
    "id_number": mask_id,
    "mobile": mask_phone,
    "phone": mask_phone,
    "email": mask_email,
}


def mask_personal(values: dict | None) -> dict | None:
    """A copy of ``values`` with every personal field (:data:`PERSONAL_FIELDS`) masked."""
    if not isinstance(values, dict):
        return values
    return mask_fields(values, PERSONAL_FIELDS)


def mask_fields(values: dict | None, maskers: dict) -> dict | None:
    """A copy of ``values`` with each key of ``maskers`` masked by its function; a value
    already masked stays as it is (so masking is idempotent)."""
    if not isinstance(values, dict):
        return values
    return {
        key: maskers[key](value)
        if key in maskers and isinstance(value, str) and not is_masked(value)
        else value
        for key, value in values.items()
    }
