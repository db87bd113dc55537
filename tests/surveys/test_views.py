"""The 问卷管理 pages: who may do what, the designer's buttons, import and export."""

import io
import json

import pytest
from django.urls import reverse

from huifang.core.models import AuditEvent
from huifang.surveys import services
from huifang.surveys.models import Questionnaire

from .conftest import file_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(published):
    """QN-TEST with a draft copied from version 1."""
    services.do_new_draft(published.questionnaire, actor=None)
    return published.questionnaire


def url(name, *args):
    return reverse(f"surveys:{name}", args=args)


def ids(questionnaire) -> list[str]:
    return [q["id"] for q in questionnaire.draft().questions]


def test_the_list_shows_the_default_questionnaires(client_for):
    page = client_for("hq_admin").get(url("questionnaire_list"))
    assert page.status_code == 200
    assert "QN-ANNUAL" in page.content.decode()


def test_a_branch_user_sees_the_list_and_a_version(client_for, published):
    client = client_for("agent_a")
    assert client.get(url("questionnaire_list")).status_code == 200
    assert client.get(url("version_detail", published.questionnaire.pk, 1)).status_code == 200
    assert client.get(url("version_preview", published.questionnaire.pk, 1)).status_code == 200


def test_a_branch_user_may_not_create_edit_publish_or_import(client_for, draft):
    client = client_for("manager_a")
    assert client.get(url("questionnaire_create")).status_code == 403
    assert client.get(url("draft_edit", draft.pk)).status_code == 403
    assert client.get(url("publish", draft.pk)).status_code == 403
    assert client.get(url("questionnaire_import")).status_code == 403
    assert client.post(url("question_action", draft.pk, "born", "up")).status_code == 403
    assert ids(draft)[2] == "born"


def test_hq_creates_a_questionnaire_and_lands_in_the_designer(client_for):
    response = client_for("hq_admin").post(
        url("questionnaire_create"), {"code": "QN-WEB", "title": "网页问卷"}
    )
    questionnaire = Questionnaire.objects.get(code="QN-WEB")
    assert response.url == url("draft_edit", questionnaire.pk)


def test_a_taken_code_is_a_form_error(client_for):
    page = client_for("hq_admin").post(
        url("questionnaire_create"), {"code": "QN-ANNUAL", "title": "重复"}
    )
    assert page.status_code == 200
    assert "问卷编号 QN-ANNUAL 已存在" in page.content.decode()


def test_move_up_and_down(client_for, draft):
    client = client_for("hq_admin")
    client.post(url("question_action", draft.pk, "born", "up"))
    assert ids(draft) == ["identity", "born", "channels", "opinion"]
    client.post(url("question_action", draft.pk, "identity", "down"))
    assert ids(draft) == ["born", "identity", "channels", "opinion"]


def test_moving_the_first_question_up_changes_nothing(client_for, draft):
    client_for("hq_admin").post(url("question_action", draft.pk, "identity", "up"))
    assert ids(draft) == ["identity", "channels", "born", "opinion"]


def test_delete_a_question(client_for, draft):
    client_for("hq_admin").post(url("question_action", draft.pk, "channels", "delete"))
    assert ids(draft) == ["identity", "born", "opinion"]


def test_moving_is_post_only(client_for, draft):
    assert (
        client_for("hq_admin").get(url("question_action", draft.pk, "born", "up")).status_code
        == 405
    )


def test_add_a_question_with_flags(client_for, draft):
    data = {
        "text": "是否有人代为操作？",
        "type": "single",
        "required": "on",
        "opt-TOTAL_FORMS": "3",
        "opt-INITIAL_FORMS": "0",
        "opt-0-text": "没有",
        "opt-1-text": "有",
        "opt-1-abnormal": "on",
        "opt-1-note": "on",
    }
    response = client_for("hq_admin").post(url("question_add", draft.pk), data)
    assert response.status_code == 302
    added = draft.draft().questions[-1]
    assert added["id"] == "q5"
    assert added["options"][1] == {"id": "o2", "text": "有", "abnormal": True, "note": True}


def test_a_question_that_does_not_fit_is_shown_again_with_the_reason(client_for, draft):
    data = {
        "text": "选一个",
        "type": "single",
        "opt-TOTAL_FORMS": "3",
        "opt-INITIAL_FORMS": "0",
        "opt-0-text": "唯一",
    }
    page = client_for("hq_admin").post(url("question_add", draft.pk), data)
    assert page.status_code == 200
    assert "选择题至少需要两个选项" in page.content.decode()
    assert len(draft.draft().questions) == 4


def test_publish_asks_first_then_publishes(client_for, draft):
    services.do_save_draft(draft, title="测试问卷（第二版）", actor=None)
    client = client_for("hq_admin")
    assert "确认发布" in client.get(url("publish", draft.pk)).content.decode()
    client.post(url("publish", draft.pk), {"confirmed": "1"})
    assert draft.latest_published().number == 2


def test_publishing_an_unchanged_draft_says_so_and_publishes_nothing(client_for, draft):
    page = client_for("hq_admin").post(url("publish", draft.pk), {"confirmed": "1"}, follow=True)
    assert page.redirect_chain == [(url("draft_edit", draft.pk), 302)]
    assert "草稿与第 1 版相同（未修改），无需发布新版本" in page.content.decode()
    assert draft.latest_published().number == 1 and draft.draft() is not None


def test_publish_does_not_ask_to_confirm_an_unchanged_draft(client_for, draft):
    page = client_for("hq_admin").get(url("publish", draft.pk), follow=True)
    assert page.redirect_chain == [(url("draft_edit", draft.pk), 302)]
    body = page.content.decode()
    assert "草稿与第 1 版相同（未修改），无需发布新版本" in body
    assert "确认发布？" not in body


def test_the_preview_checks_a_trial_submission_without_storing(client_for, draft):
    client = client_for("hq_admin")
    events = AuditEvent.objects.count()
    page = client.post(url("draft_preview", draft.pk), {"a-0": "no"})
    body = page.content.decode()
    assert "该选项需要填写说明" in body
    assert AuditEvent.objects.count() == events


def test_the_preview_never_shows_the_abnormal_flag(client_for, draft):
    body = client_for("hq_admin").get(url("draft_preview", draft.pk)).content.decode()
    assert "不是本人" in body
    assert "异常" not in body.split('id="phone"')[1]


def test_export_downloads_the_file(client_for, published):
    response = client_for("agent_a").get(url("export", published.questionnaire.pk))
    assert response["Content-Disposition"] == 'attachment; filename="QN-TEST-v1.json"'
    assert json.loads(response.content) == file_data()


def test_import_upload_publishes(client_for):
    upload = io.BytesIO(json.dumps(file_data(code="QN-UP")).encode())
    upload.name = "qn.json"
    response = client_for("hq_admin").post(
        url("questionnaire_import"), {"file": upload, "publish": "on"}
    )
    questionnaire = Questionnaire.objects.get(code="QN-UP")
    assert response.url == url("questionnaire_detail", questionnaire.pk)
    assert questionnaire.latest_published().number == 1


def test_uploading_the_published_file_again_says_nothing_was_published(client_for, published):
    upload = io.BytesIO(json.dumps(file_data()).encode())
    upload.name = "qn.json"
    page = client_for("hq_admin").post(
        url("questionnaire_import"), {"file": upload, "publish": "on"}, follow=True
    )
    assert "与第 1 版相同（未修改），无需发布新版本，已导入为草稿" in page.content.decode()
    assert published.questionnaire.versions.published().count() == 1


def test_an_invalid_upload_lists_the_problems_and_writes_nothing(client_for):
    data = file_data(code="QN-UP")
    data["questions"][0]["type"] = "slider"
    upload = io.BytesIO(json.dumps(data).encode())
    upload.name = "qn.json"
    page = client_for("hq_admin").post(url("questionnaire_import"), {"file": upload})
    assert page.status_code == 200
    assert "题型“slider”未知" in page.content.decode()
    assert not Questionnaire.objects.filter(code="QN-UP").exists()


def test_an_upload_that_is_not_json_is_a_clear_error(client_for):
    upload = io.BytesIO(b"\xff\xfe garbage")
    upload.name = "qn.json"
    page = client_for("hq_admin").post(url("questionnaire_import"), {"file": upload})
    assert "不是 UTF-8 编码" in page.content.decode()


def test_an_unknown_questionnaire_is_404(client_for):
    assert client_for("hq_admin").get(url("questionnaire_detail", 999999)).status_code == 404


def test_an_unknown_version_is_404(client_for, published):
    assert (
        client_for("hq_admin").get(url("version_detail", published.questionnaire.pk, 9)).status_code
        == 404
    )
