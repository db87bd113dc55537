"""The audit actions on questionnaires and their versions (see
:class:`huifang.core.audit.AuditAction`). Questionnaire content holds no personal data."""

from huifang.core.audit import AuditAction


class SurveyAction(AuditAction):
    CREATE = "create", "新建"
    QUESTIONNAIRE_DRAFT = "questionnaire_draft", "保存问卷草稿"
    QUESTIONNAIRE_NEW_DRAFT = "questionnaire_new_draft", "新建问卷草稿"
    QUESTIONNAIRE_PUBLISH = "questionnaire_publish", "发布问卷"
    QUESTIONNAIRE_IMPORT = "questionnaire_import", "导入问卷"
    OFFLINE_ENTRY = "survey_offline_entry", "录入线下问卷"
