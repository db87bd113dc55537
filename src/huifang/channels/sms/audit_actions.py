"""The audit actions of SMS (see :class:`huifang.core.audit.AuditAction`)."""

from enum import nonmember

from huifang.core.audit import AuditAction
from huifang.core.masking import mask_phone


class SmsAction(AuditAction):
    # ``mobile`` is masked for every action already; the list of numbers a bulk send
    # skipped or the opt-out's number under its own key are masked here too.
    sensitive_fields = nonmember({"mobile": mask_phone, "number": mask_phone})

    TEMPLATE_CREATE = "sms_template_create", "新建短信模板"
    TEMPLATE_UPDATE = "sms_template_update", "修改短信模板"
    QUEUE = "sms_queue", "发送短信"
    OPT_OUT = "sms_opt_out", "登记短信退订"
    OPT_IN = "sms_opt_in", "取消短信退订"
    RECEIPT = "sms_receipt", "短信回执"
