"""The audit actions on customers and their data (see
:class:`huifang.core.audit.AuditAction`)."""

from enum import nonmember

from huifang.core.audit import AuditAction
from huifang.core.audit_display import register_codes
from huifang.core.masking import mask_address
from huifang.customers.choices import CustomerType


class CustomerAction(AuditAction):
    # A customer's ID number, mobile, phone and e-mail are masked for every action.
    sensitive_fields = nonmember({"address": mask_address})

    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    IMPORT = "import", "导入"
    REVEAL = "reveal", "查看完整信息"


def _datasets() -> dict:
    from huifang.customers.models import ImportRecord

    return dict(ImportRecord.Dataset.choices)


# A job's parameters keep the dataset's and the customer types' codes: the log names them.
register_codes("dataset", _datasets)
register_codes("customer_types", CustomerType.choices)
