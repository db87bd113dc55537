"""The audit actions of 回访计划, 自动导入 and its 导入目录 (see :class:`huifang.core.audit.AuditAction`)."""

from huifang.automation.models import NotificationKind
from huifang.core.audit import AuditAction
from huifang.core.audit_display import register_codes


class AutomationAction(AuditAction):
    PLAN_CREATE = "plan_create", "新建回访计划"
    PLAN_CHANGE = "plan_change", "修改回访计划"
    PLAN_RUN = "plan_run", "执行回访计划"
    PLAN_RUN_FAILED = "plan_run_failed", "回访计划执行失败"
    PLAN_APPROVE = "plan_approve", "审核通过回访计划执行"
    INTAKE_IMPORT = "intake_import", "自动导入"
    INTAKE_REJECTED = "intake_rejected", "自动导入被拒绝"
    INTAKE_FAILED = "intake_failed", "自动导入失败"
    INTAKE_FOLDER_CHANGE = "intake_folder_change", "修改导入目录"
    INTAKE_FOLDER_RESET = "intake_folder_reset", "导入目录恢复为环境变量设置"
    NOTIFY = "notify", "生成站内消息提醒"


# 生成站内消息提醒 counts its messages per kind: {"overdue": 3} reads 逾期… 3.
register_codes("kinds", NotificationKind.choices)
