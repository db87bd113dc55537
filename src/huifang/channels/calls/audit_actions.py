"""The audit actions of the outbound-call platform (see :class:`huifang.core.audit.AuditAction`)."""

from enum import nonmember

from huifang.channels.calls.choices import PUSH_TOPIC
from huifang.core.audit import AuditAction
from huifang.core.audit_display import register_codes
from huifang.core.masking import mask_phone


class CallAction(AuditAction):
    # A call list carries full numbers; an attempt's payload may name the number dialled.
    sensitive_fields = nonmember({"mobile": mask_phone, "phone_number": mask_phone})

    CALL_PUSH = "call_push", "推送外呼名单"
    CALL_RECEIVE = "call_receive", "接收外呼结果"
    CALL_IMPORT = "call_import", "导入外呼结果"
    MAPPING_CHANGE = "call_mapping_change", "修改外呼结果映射"


# 推送外呼名单 is logged on the partner with its delivery topic's code.
register_codes("topic", {PUSH_TOPIC: "外呼名单"})
