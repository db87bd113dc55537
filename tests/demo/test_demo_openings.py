"""The demo's questionnaires are filled in by the customer alone (掌厅, H5, paper): they do
not open with the phone script of the built-in questionnaires (我是客户回访专员…)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from huifang.demo.surveys import SELF_SERVICE_OPENING, use_self_service_openings
from huifang.surveys import sending, services
from huifang.surveys.models import Invitation, Questionnaire
from tests.surveys.invites import make_task


def test_the_demo_h5_page_opens_for_a_reader_not_with_the_phone_script(db, branches):
    task = make_task(branches["a1"])  # 新开户回访: the built-in QN-NEWACCOUNT
    assert (
        "我是客户回访专员"
        in Questionnaire.objects.get(code="QN-NEWACCOUNT").latest_published().opening
    )
    use_self_service_openings(None)
    sending.do_invite([task.pk], channel="h5", actor=None)
    token = Invitation.objects.get(task=task).token
    page = Client().get(reverse("survey_h5", args=[token])).content.decode()
    assert SELF_SERVICE_OPENING in page
    assert "我是客户回访专员" not in page


def test_the_reworded_version_asks_the_same_questions(db):
    first = Questionnaire.objects.get(code="QN-ANNUAL").latest_published()
    assert "QN-ANNUAL" in use_self_service_openings(None)
    second = Questionnaire.objects.get(code="QN-ANNUAL").latest_published()
    assert (second.number, second.questions) == (2, first.questions)


def test_a_questionnaire_with_a_draft_being_edited_is_left_alone(db):
    services.do_new_draft(Questionnaire.objects.get(code="QN-ELDERLY"), actor=None)
    assert "QN-ELDERLY" not in use_self_service_openings(None)


def test_rewording_twice_publishes_nothing_more(db):
    use_self_service_openings(None)
    assert use_self_service_openings(None) == []
