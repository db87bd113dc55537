"""The audit actions on customers and their data (see
:class:`huifang.core.audit.AuditAction`)."""

from enum import nonmember

from huifang.core.audit import AuditAction
from huifang.core.masking import mask_address


class CustomerAction(AuditAction):
    # A customer's ID number, mobile, phone and e-mail are masked for every action.
    sensitive_fields = nonmember({"address": mask_address})

    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    IMPORT = "import", "导入"
    REVEAL = "reveal", "查看完整信息"
