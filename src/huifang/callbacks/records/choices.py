"""Enumerations of callback records. Stored values are short and stable; labels are what
pages, exports, the API and the CLI show."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.core.choices import parse_choice


class RecordStatus(models.TextChoices):
    """回访状态."""

    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    OTHER = "other", _("其他")


class Method(models.TextChoices):
    """回访形式."""

    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    OUTBOUND = "outbound", _("外呼")
    APP_HALL = "app_hall", _("掌厅问卷")
    H5 = "h5", _("H5问卷")
    OFFLINE = "offline", _("线下问卷")
    VIDEO = "video", _("视频")
    IN_PERSON = "in_person", _("面谈")


class AttachmentKind(models.TextChoices):
    FILE = "file", _("上传文件")
    RECORDING = "recording", _("录音引用")


def status_value(text: str) -> str:
    """A status given as value (``success``) or label (``成功``) → its value; ValueError else."""
    return parse_choice(RecordStatus, text, noun="回访状态")
