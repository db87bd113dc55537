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
    REVEAL_MOBILE = "reveal_mobile", "查看完整手机号"
    OTP_ENABLE = "otp_enable", "启用两步验证"
    OTP_DISABLE = "otp_disable", "停用两步验证"
    OTP_RESET = "otp_reset", "重置两步验证"
    OTP_VERIFY = "otp_verify", "两步验证通过"
    OTP_FAILED = "otp_failed", "两步验证失败"
