"""The audit actions on 管理措施 and 证据包 (see :class:`huifang.core.audit.AuditAction`)."""

from huifang.core.audit import AuditAction


class ReportsAction(AuditAction):
    CREATE = "create", "新建"
    CHANGE = "change", "修改"
    MEASURE_CREATE = "measure_create", "新建管理措施"
    MEASURE_CHANGE = "measure_change", "修改管理措施"
    MEASURE_STATUS = "measure_status", "变更管理措施状态"
    MEASURE_ATTACHMENT = "measure_attachment", "添加管理措施附件"
    EVIDENCE = "evidence", "生成证据包"
