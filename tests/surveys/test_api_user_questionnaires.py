"""``/api/v1/questionnaires/``: list and detail with versions; create, edit the draft,
publish and start a new draft through ``surveys.services``, by persona."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from huifang.core.models import AuditEvent
from huifang.surveys.models import Questionnaire, QuestionnaireVersion
from tests.surveys.conftest import file_data

URL = "/api/v1/questionnaires/"
QUESTIONS = file_data()["questions"]


def _audited(action: str, user) -> bool:
    return AuditEvent.objects.filter(action=action, user=user, actor_label="api").exists()


@pytest.fixture
def draft(personas):
    """A questionnaire with an empty draft, made by HQ."""
    from huifang.surveys import services

    return services.do_create_questionnaire("QN-DRAFT", "草稿问卷", actor=personas["hq_admin"])


def test_list_and_detail_show_versions(published, api_for):
    rows = api_for("agent_a").get(URL, {"q": "QN-TEST"}).json()["results"]
    assert [(r["code"], r["latest_number"], r["has_draft"]) for r in rows] == [
        ("QN-TEST", 1, False)
    ]
    assert rows[0]["business_types"] == ["新开户回访"]
    detail = api_for("agent_a").get(f"{URL}{rows[0]['id']}/").json()
    [version] = detail["versions"]
    assert (version["number"], version["status"], version["status_label"]) == (
        1,
        "published",
        "已发布",
    )
    assert [q["id"] for q in version["questions"]] == ["identity", "channels", "born", "opinion"]


def test_list_filters_like_the_page(published, draft, api_for):
    rows = api_for("hq_admin").get(URL, {"q": "DRAFT"}).json()["results"]
    assert [r["code"] for r in rows] == ["QN-DRAFT"]


def test_unknown_questionnaire_is_404(api_for, db):
    assert api_for("hq_admin").get(f"{URL}999999/").status_code == 404


def test_create_makes_a_questionnaire_with_a_draft(api_for, personas, db):
    body = {"code": "QN-API", "title": "接口问卷", "business_types": ["新开户回访"]}
    response = api_for("hq_admin").post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["code"] == "QN-API" and data["business_types"] == ["新开户回访"]
    assert [v["status"] for v in data["versions"]] == ["draft"]
    assert Questionnaire.objects.get(code="QN-API").draft() is not None
    assert _audited("create", personas["hq_admin"])


def test_agent_cannot_create(api_for, db):
    response = api_for("agent_a").post(URL, {"code": "QN-X", "title": "x"}, format="json")
    assert response.status_code == 403
    assert not Questionnaire.objects.filter(code="QN-X").exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": "缺编号"}, "code", "该字段是必填项。"),
        (
            {"code": "QN-X", "title": "x", "business_types": ["没有这种"]},
            "business_types",
            "回访业务类型不存在或已停用：没有这种",
        ),
    ],
)
def test_bad_create_is_400_nothing_written(api_for, db, body, field, message):
    response = api_for("hq_admin").post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert not Questionnaire.objects.filter(code="QN-X").exists()


def test_duplicate_code_is_refused_by_the_service(published, api_for):
    response = api_for("hq_admin").post(URL, {"code": "QN-TEST", "title": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "问卷编号 QN-TEST 已存在"
    assert Questionnaire.objects.filter(code="QN-TEST").count() == 1


def test_patch_saves_the_draft(draft, api_for, personas):
    body = {"title": "改过的名称", "opening": "您好", "questions": QUESTIONS}
    response = api_for("hq_admin").patch(f"{URL}{draft.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "改过的名称"
    saved = draft.draft()
    assert (saved.title, saved.opening, len(saved.questions)) == ("改过的名称", "您好", 4)
    assert _audited("questionnaire_draft", personas["hq_admin"])


def test_patch_with_bad_questions_is_400_on_the_field(draft, api_for):
    body = {"questions": [{"id": "q1", "text": "题目", "type": "nonsense"}]}
    response = api_for("hq_admin").patch(f"{URL}{draft.pk}/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]["questions"]
    assert errors and all(any("\u4e00" <= ch <= "\u9fff" for ch in e) for e in errors)
    assert draft.draft().questions == []


def test_manager_cannot_patch(draft, api_for):
    response = api_for("manager_a").patch(f"{URL}{draft.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403
    assert draft.draft().title == "草稿问卷"


def test_there_is_no_put_or_delete(draft, api_for):
    client = api_for("hq_admin")
    assert client.put(f"{URL}{draft.pk}/", {"title": "x"}, format="json").status_code == 405
    assert client.delete(f"{URL}{draft.pk}/").status_code in (403, 405)
    assert Questionnaire.objects.filter(pk=draft.pk).exists()


def test_publish_freezes_the_draft_as_the_next_version(draft, api_for, personas):
    api_for("hq_admin").patch(f"{URL}{draft.pk}/", {"questions": QUESTIONS}, format="json")
    response = api_for("hq_admin").post(f"{URL}{draft.pk}/publish/")
    assert response.status_code == 200, response.json()
    assert (response.json()["number"], response.json()["status"]) == (1, "published")
    assert draft.draft() is None and draft.latest_published().number == 1
    assert _audited("questionnaire_publish", personas["hq_admin"])


def test_publishing_an_empty_draft_is_400(draft, api_for):
    response = api_for("hq_admin").post(f"{URL}{draft.pk}/publish/")
    assert response.status_code == 400
    assert response.json()["message"] == "草稿还没有题目，不能发布"
    assert draft.latest_published() is None


def test_publishing_an_unchanged_draft_is_400(published, api_for):
    questionnaire = published.questionnaire
    api_for("hq_admin").post(f"{URL}{questionnaire.pk}/new-draft/")
    response = api_for("hq_admin").post(f"{URL}{questionnaire.pk}/publish/")
    assert response.status_code == 400
    assert response.json()["message"] == "草稿与第 1 版相同（未修改），无需发布新版本"
    assert questionnaire.versions.published().count() == 1


def test_auditor_cannot_publish(draft, api_for):
    response = api_for("auditor").post(f"{URL}{draft.pk}/publish/")
    assert response.status_code == 403
    assert response.json()["message"] == "您没有发布问卷的权限"
    assert draft.draft() is not None


def test_publish_of_an_unknown_questionnaire_is_404(api_for, db):
    assert api_for("hq_admin").post(f"{URL}999999/publish/").status_code == 404


def test_new_draft_copies_the_latest_version(published, api_for, personas):
    questionnaire = published.questionnaire
    response = api_for("hq_admin").post(f"{URL}{questionnaire.pk}/new-draft/")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "draft"
    assert questionnaire.draft().questions == published.questions
    assert _audited("questionnaire_new_draft", personas["hq_admin"])


def test_new_draft_when_one_exists_is_400(draft, api_for):
    response = api_for("hq_admin").post(f"{URL}{draft.pk}/new-draft/")
    assert response.status_code == 400
    assert response.json()["message"] == "该问卷已有草稿，请直接编辑草稿"
    assert QuestionnaireVersion.objects.filter(questionnaire=draft).count() == 1


def test_agent_cannot_start_a_draft(published, api_for):
    response = api_for("agent_a").post(f"{URL}{published.questionnaire.pk}/new-draft/")
    assert response.status_code == 403
    assert published.questionnaire.draft() is None


def test_anonymous_is_401(db):
    assert APIClient().get(URL).status_code == 401
