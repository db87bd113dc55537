"""The audit actions on branches and users (see :class:`huifang.core.audit.AuditAction`)."""

from huifang.core.audit import AuditAction


class OrgAction(AuditAction):
    # A user's mobile and e-mail are among the personal fields every action masks.
    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    PASSWORD = "password", "修改密码"
    TOKEN_CREATE = "token_create", "生成 API 令牌"
    TOKEN_REVOKE = "token_revoke", "吊销 API 令牌"
    UNLOCK = "unlock", "解除登录锁定"
