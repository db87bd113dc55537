"""Enumerations of the outbound-call platform (外呼). Stored values are the contract's
English words (``interfaces.md``); labels are what pages, files and the CLI show."""

from django.db import models

from huifang.core.choices import parse_choice

# The partner delivery topic of a pushed call list (``partners.delivery``).
PUSH_TOPIC = "call_list"


class CallResult(models.TextChoices):
    """拨打结果."""

    CONNECTED = "connected", "接通"
    NO_ANSWER = "no_answer", "无人接听"
    BUSY = "busy", "占线"
    POWER_OFF = "power_off", "关机"
    INVALID_NUMBER = "invalid_number", "空号"
    REJECTED = "rejected", "拒接"
    OTHER = "other", "其他"


class CallSource(models.TextChoices):
    WEBHOOK = "webhook", "接口回传"
    FILE = "file", "文件导入"


class MappingAction(models.TextChoices):
    RECORD = "record", "自动登记回访记录"
    WAIT = "wait", "等待坐席登记"


# The IVR questions the platform asks, by the key its ``ivr`` payload gives them
# (``interfaces.md``: ``{question: key}``): the key stays the partner's, people read the name.
IVR_QUESTIONS = {"confirm": "确认回访内容"}


def ivr_question_label(key: str) -> str:
    """``confirm`` → ``确认回访内容（confirm）``; a key with no name as it is; none: any."""
    if not key:
        return "任一问题"
    name = IVR_QUESTIONS.get(key)
    return f"{name}（{key}）" if name else key


def ivr_text(ivr: dict | None) -> str:
    """A call's ``ivr`` ``{"confirm": "1"}`` → ``确认回访内容（confirm）=1``; empty for none."""
    return "；".join(f"{ivr_question_label(str(q))}={key}" for q, key in (ivr or {}).items())


def result_value(text: str) -> str:
    """A result given as value (``no_answer``) or label (``无人接听``) → its value."""
    return parse_choice(CallResult, text, noun="拨打结果")
