"""The audit actions on questionnaires, their versions, invitations and responses (see
:class:`huifang.core.audit.AuditAction`). Questionnaire content holds no personal data; a
response's answers may (text answers and notes are the customer's own words), so they are
kept masked in the log (:func:`mask_answers`, applied by the write-back service: the
core maskers read strings only): the response itself is the record of what was said."""

from huifang.callbacks.records.choices import RecordStatus
from huifang.core.audit import AuditAction
from huifang.core.audit_display import register_codes, register_format
from huifang.core.masking import MASK
from huifang.surveys.choices import Channel, InvitationStatus


def mask_answers(value):
    """The answers with every text answer and note masked (option ids kept)."""
    if not isinstance(value, list):
        return value
    masked = []
    for item in value:
        if isinstance(item, dict):
            item = {k: (MASK if k in ("text", "note") and v else v) for k, v in item.items()}
        masked.append(item)
    return masked


class SurveyAction(AuditAction):
    CREATE = "create", "新建"
    QUESTIONNAIRE_DRAFT = "questionnaire_draft", "保存问卷草稿"
    QUESTIONNAIRE_NEW_DRAFT = "questionnaire_new_draft", "新建问卷草稿"
    QUESTIONNAIRE_PUBLISH = "questionnaire_publish", "发布问卷"
    QUESTIONNAIRE_IMPORT = "questionnaire_import", "导入问卷"
    INVITE = "survey_invite", "下发问卷"
    INVITATION_EVENT = "invitation_event", "问卷邀请状态"
    RESPONSE_SUBMIT = "response_submit", "提交问卷"
    OFFLINE_ENTRY = "survey_offline_entry", "录入线下问卷"


# 下发问卷 logged on the questionnaire (no channel field there) and the invite job's
# parameters keep the channel's code: the log names it.
register_codes("channel", Channel.choices)
# Its delivery to the app hall is queued under this topic (``sending._enqueue_apphall``).
register_codes("topic", {"invitation.created": "问卷邀请"})

# 提交问卷 is logged on the response: ``status`` is the invitation's before (待下发, 已打开 …)
# and the record's it wrote after (成功, 其他).
_RESPONSE_STATUSES = {**dict(InvitationStatus.choices), **dict(RecordStatus.choices)}
register_format(
    "surveys.response",
    "status",
    lambda value, names, event: str(_RESPONSE_STATUSES.get(value, value)),
)
