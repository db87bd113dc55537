"""The audit actions on rules and screenings (see :class:`huifang.core.audit.AuditAction`)."""

from huifang.core.audit import AuditAction


class RuleAction(AuditAction):
    RULE_CREATE = "rule_create", "新建规则"
    RULE_CHANGE = "rule_change", "修改规则参数"
    RULE_ENABLE = "rule_enable", "启用规则"
    RULE_DISABLE = "rule_disable", "停用规则"
    SCREEN = "screen", "筛选"
    RUN_FREEZE = "run_freeze", "数据落地"
