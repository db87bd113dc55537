"""The audit actions on business types, batches, tasks and callback records (see
:class:`huifang.core.audit.AuditAction`)."""

from enum import nonmember

from huifang.callbacks.records.choices import AttachmentKind
from huifang.core.audit import AuditAction
from huifang.core.audit_display import register_format
from huifang.core.masking import mask_address, mask_phone


class CallbackAction(AuditAction):
    # The numbers and address a record was made with (the customer's own personal fields
    # are masked for every action).
    sensitive_fields = nonmember(
        {"mobile_used": mask_phone, "phone_used": mask_phone, "address": mask_address}
    )

    CREATE = "create", "新建"
    CHANGE = "change", "修改"
    BATCH_CREATE = "batch_create", "加入回访名单"
    TASK_START = "task_start", "开始处理"
    TASK_COMPLETE = "task_complete", "完成任务"
    TASK_CANCEL = "task_cancel", "取消任务"
    TASK_UNREACHABLE = "task_unreachable", "关闭为无法联系"
    TASK_ASSIGN = "task_assign", "分配任务"
    TASK_MERGE = "task_merge", "合并任务"
    TASK_ATTEMPTS = "task_attempts", "更新回访次数"
    ASSIGN = "assign", "分配任务"
    DISTRIBUTE = "distribute", "自动分派任务"
    DISTRIBUTION_MODE = "distribution_mode", "修改分配方式"
    ABSENCE_ADD = "absence_add", "登记离岗"
    ABSENCE_END = "absence_end", "结束离岗"
    DEADLINE_RECOMPUTE = "deadline_recompute", "重算截止日期"
    RECORD_CREATE = "record_create", "登记回访记录"
    RECORD_CHANGE = "record_change", "修改回访记录"
    RECORD_ATTACHMENT = "record_attachment", "添加附件"
    FEEDBACK = "feedback", "反馈营业部"
    FEEDBACK_HANDLE = "feedback_handle", "处理反馈"


# 添加附件 is logged on the record, which has no field ``kind``: name the attachment's kind.
register_format(
    "records.callbackrecord",
    "kind",
    lambda value, names, event: str(dict(AttachmentKind.choices).get(value, value)),
)
