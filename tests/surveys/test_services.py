"""Creating, editing, publishing and importing questionnaires (services)."""

import pytest
from django.core.exceptions import ValidationError

from huifang.callbacks.models import BusinessType
from huifang.core.models import AuditEvent
from huifang.surveys import content, services
from huifang.surveys.content import ContentError
from huifang.surveys.models import Questionnaire, QuestionnaireVersion

from .conftest import file_data

pytestmark = pytest.mark.django_db

QUESTION = file_data()["questions"][0]


def test_create_makes_an_empty_draft_and_an_audit_row(personas):
    questionnaire = services.do_create_questionnaire("QN-NEW", "新问卷", actor=personas["hq_admin"])
    assert questionnaire.draft().questions == []
    event = AuditEvent.objects.get(object_type="surveys.questionnaire", action="create")
    assert event.user == personas["hq_admin"]


def test_create_refuses_a_taken_code(personas):
    services.do_create_questionnaire("QN-NEW", "新问卷", actor=personas["hq_admin"])
    with pytest.raises(ValidationError, match="已存在"):
        services.do_create_questionnaire("QN-NEW", "又一个", actor=personas["hq_admin"])


def test_save_draft_validates_the_questions(personas):
    questionnaire = services.do_create_questionnaire("QN-NEW", "新问卷", actor=personas["hq_admin"])
    bad = {**QUESTION, "options": []}
    with pytest.raises(ContentError):
        services.do_save_draft(questionnaire, questions=[bad], actor=personas["hq_admin"])
    assert questionnaire.draft().questions == []


def test_publish_numbers_versions_one_two_three(personas):
    admin = personas["hq_admin"]
    questionnaire = services.do_create_questionnaire("QN-NEW", "新问卷", actor=admin)
    numbers = []
    for n in range(3):
        services.do_save_draft(questionnaire, title=f"新问卷{n}", questions=[QUESTION], actor=admin)
        numbers.append(services.do_publish(questionnaire, actor=admin).number)
        services.do_new_draft(questionnaire, actor=admin)
    assert numbers == [1, 2, 3]


def test_publish_refuses_an_empty_draft(personas):
    questionnaire = services.do_create_questionnaire("QN-NEW", "新问卷", actor=personas["hq_admin"])
    with pytest.raises(ValidationError, match="还没有题目"):
        services.do_publish(questionnaire, actor=personas["hq_admin"])
    assert questionnaire.latest_published() is None


def test_publish_without_a_draft_is_refused(published):
    with pytest.raises(ValidationError, match="没有可发布的草稿"):
        services.do_publish(published.questionnaire, actor=None)


def test_publishing_leaves_no_draft_and_an_audit_row(published):
    assert published.questionnaire.draft() is None
    assert AuditEvent.objects.filter(action="questionnaire_publish").count() == 1


def test_new_draft_copies_the_latest_published(published):
    draft = services.do_new_draft(published.questionnaire, actor=None)
    assert draft.questions == published.questions
    assert draft.number is None


def test_new_draft_is_refused_when_one_exists(published):
    services.do_new_draft(published.questionnaire, actor=None)
    with pytest.raises(ValidationError, match="已有草稿"):
        services.do_new_draft(published.questionnaire, actor=None)


def test_save_draft_without_a_draft_is_refused(published):
    with pytest.raises(ValidationError, match="没有草稿"):
        services.do_save_draft(published.questionnaire, title="新", actor=None)


def test_editing_after_publishing_leaves_the_published_version_alone(published):
    questionnaire = published.questionnaire
    services.do_new_draft(questionnaire, actor=None)
    services.do_save_draft(questionnaire, title="第二版", questions=[QUESTION], actor=None)
    published.refresh_from_db()
    assert published.title == "测试问卷"
    assert len(published.questions) == 4


def test_import_publish_then_export_is_the_same_file(published):
    assert content.to_file(published) == content.parse_file(file_data())


def test_import_of_an_existing_code_replaces_the_draft_only(published):
    data = file_data(title="改过的问卷")
    result = services.do_import_file(data, publish=False, actor=None)
    assert not result.created
    assert result.version.is_draft
    assert published.questionnaire.latest_published().title == "测试问卷"
    assert result.version.title == "改过的问卷"


def test_import_publish_of_an_existing_code_is_the_next_version(published):
    result = services.do_import_file(file_data(title="改过的问卷"), publish=True, actor=None)
    assert (result.version.number, result.unchanged) == (2, False)


def test_publishing_an_unchanged_draft_is_refused_and_writes_nothing(published):
    questionnaire = published.questionnaire
    services.do_new_draft(questionnaire, actor=None)
    audit = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.do_publish(questionnaire, actor=None)
    assert caught.value.messages == ["草稿与第 1 版相同（未修改），无需发布新版本"]
    assert sorted(questionnaire.versions.values_list("status", "number")) == [
        ("draft", None),
        ("published", 1),
    ]
    assert AuditEvent.objects.count() == audit


def test_importing_the_published_file_again_publishes_nothing(published):
    result = services.do_import_file(file_data(), publish=True, actor=None)
    assert (result.unchanged, result.version) == (True, published)
    assert published.questionnaire.versions.published().count() == 1


def test_an_invalid_file_writes_nothing(db):
    before = (
        Questionnaire.objects.count(),
        QuestionnaireVersion.objects.count(),
        AuditEvent.objects.count(),
    )
    data = file_data()
    data["questions"][0]["type"] = "slider"
    with pytest.raises(ContentError):
        services.do_import_file(data, publish=True, actor=None)
    after = (
        Questionnaire.objects.count(),
        QuestionnaireVersion.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_a_file_without_questions_is_not_published_and_nothing_is_written(db):
    count = Questionnaire.objects.count()
    with pytest.raises(ValidationError, match="没有题目"):
        services.do_import_file(file_data(questions=[]), publish=True, actor=None)
    assert Questionnaire.objects.count() == count


def test_import_sets_the_business_types(published):
    assert list(published.questionnaire.business_types.all()) == [
        BusinessType.objects.get(name="新开户回访")
    ]


def test_a_branch_user_may_not_import(personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.do_import_file(file_data(), publish=False, actor=personas["manager_a"])
