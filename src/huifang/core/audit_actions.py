"""The audit actions of the building blocks: sign-in, exports and downloads, background
jobs and the trading-day calendar (see :class:`huifang.core.audit.AuditAction`)."""

from huifang.core.audit import AuditAction
from huifang.core.audit_display import register_codes


class CoreAction(AuditAction):
    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    EXPORT = "export", "导出"
    DOWNLOAD = "download", "下载"
    JOB_START = "job_start", "启动后台任务"
    SEED = "seed", "初始化"
    HOLIDAY_ADD = "holiday_add", "添加节假日"
    HOLIDAY_REMOVE = "holiday_remove", "删除节假日"
    CALENDAR_IMPORT = "calendar_import", "导入节假日安排"
    BACKUP = "backup", "备份数据库"
    RESTORE = "restore", "恢复数据库"
    KEYS_ROTATE = "keys_rotate", "轮换字段加密密钥"


def _job_kinds() -> dict[str, str]:
    from huifang.core.jobs import kind_choices

    return dict(kind_choices())


# A job's kind where no field says how (its own rows show the job's title instead).
register_codes("kind", _job_kinds)
