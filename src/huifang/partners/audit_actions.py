"""The audit actions on partners and their deliveries (see
:class:`huifang.core.audit.AuditAction`)."""

from enum import nonmember

from huifang.core.audit import AuditAction


def _hidden(value) -> str:
    return "******" if value else ""


class PartnerAction(AuditAction):
    # A partner's secret never reaches the log, in clear or encrypted (the services leave
    # it out; this is the second lock).
    sensitive_fields = nonmember({"secret": _hidden, "secret_encrypted": _hidden})

    PARTNER_CREATE = "partner_create", "新建对接方"
    PARTNER_UPDATE = "partner_update", "修改对接方"
    PARTNER_ENABLE = "partner_enable", "启用对接方"
    PARTNER_DISABLE = "partner_disable", "停用对接方"
    PARTNER_RESET_SECRET = "partner_reset_secret", "重置对接方密钥"
    DELIVERY_ENQUEUE = "delivery_enqueue", "排队推送"
    DELIVERY_RETRY = "delivery_retry", "重试推送"
