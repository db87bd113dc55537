"""Versions: published ones are frozen; one draft per questionnaire; public questions."""

import pytest
from django.db import IntegrityError

from huifang.surveys.choices import VersionStatus
from huifang.surveys.models import PublishedVersionError, QuestionnaireVersion

pytestmark = pytest.mark.django_db


def test_a_published_version_refuses_save(published):
    published.title = "改名"
    with pytest.raises(PublishedVersionError):
        published.save()


def test_a_stale_copy_of_a_published_version_refuses_save(published):
    stale = QuestionnaireVersion.objects.get(pk=published.pk)
    stale._stored_status = VersionStatus.DRAFT  # as if loaded before publishing
    with pytest.raises(PublishedVersionError):
        stale.save()


def test_a_published_version_refuses_delete(published):
    with pytest.raises(PublishedVersionError):
        QuestionnaireVersion.objects.get(pk=published.pk).delete()
    assert QuestionnaireVersion.objects.filter(pk=published.pk).exists()


def test_bulk_update_and_delete_of_published_versions_are_refused(published):
    with pytest.raises(PublishedVersionError):
        QuestionnaireVersion.objects.filter(pk=published.pk).update(title="改名")
    with pytest.raises(PublishedVersionError):
        QuestionnaireVersion.objects.filter(pk=published.pk).delete()
    assert QuestionnaireVersion.objects.get(pk=published.pk).title == "测试问卷"


def test_a_second_draft_is_refused_by_the_database(published):
    questionnaire = published.questionnaire
    QuestionnaireVersion.objects.create(questionnaire=questionnaire, title="草稿一")
    with pytest.raises(IntegrityError):
        QuestionnaireVersion.objects.create(questionnaire=questionnaire, title="草稿二")


def test_latest_published_and_draft(published):
    questionnaire = published.questionnaire
    assert questionnaire.latest_published() == published
    assert questionnaire.draft() is None


def test_public_questions_hide_the_abnormal_and_note_flags(published):
    first = published.public_questions()[0]
    assert first == {
        "id": "identity",
        "text": "您是本人吗？",
        "type": "yes_no",
        "required": True,
        "options": [{"id": "yes", "text": "是"}, {"id": "no", "text": "不是本人"}],
    }


def test_question_by_id(published):
    assert published.question("born")["type"] == "date"
    assert published.question("nope") is None
