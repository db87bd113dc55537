"""The app-hall API end to end with a signing client (interfaces.md "App hall"): list →
fetch → submit → record and task updated; replays, conflicts, refusals, concurrency."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.callbacks.records.models import BranchFeedback, CallbackRecord
from huifang.core.models import AuditEvent
from huifang.partners.models import PartnerKind
from huifang.surveys import sending
from huifang.surveys.choices import InvitationStatus
from huifang.surveys.models import Invitation, Response, ResponseAnswer
from tests.partners.helpers import SignedClient, make_partner
from tests.surveys.invites import APPHALL, NORMAL_ANSWERS, make_task, submit

API = APPHALL
NORMAL = NORMAL_ANSWERS
ABNORMAL = [
    {"question": "identity", "options": ["no"]},
    {"question": "channels", "options": ["app", "other"]},
    {"question": "opinion", "text": "无"},
]


@pytest.fixture
def partner(db):
    return make_partner("掌厅", PartnerKind.APPHALL)[0]


@pytest.fixture
def invitation(branches, published):
    task = make_task(branches["a1"], code="0088000001")
    sending.do_invite([task.pk], channel="apphall", actor=None)
    return Invitation.objects.get(task=task)


def test_the_customers_open_invitations_are_listed(signed_client, partner, invitation):
    answer = signed_client.get(partner, f"{API}/customers/0088000001/invitations")
    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert row["invitation"] == invitation.code
    assert row["title"] == "测试问卷"
    assert row["business_type"] == "新开户回访"
    assert set(row) == {"invitation", "title", "business_type", "expires_at"}


def test_an_unknown_investor_is_404(signed_client, partner, invitation):
    answer = signed_client.get(partner, f"{API}/customers/NOPE/invitations")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_the_invitation_shows_questions_without_abnormal_or_note_flags(
    signed_client, partner, invitation
):
    answer = signed_client.get(partner, f"{API}/invitations/{invitation.code}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["investor_code"] == "0088000001"
    assert body["opening"] == "您好"
    option = body["questions"][0]["options"][1]
    assert option == {"id": "no", "text": "不是本人"}
    assert "abnormal" not in str(body) and "note" not in str(body["questions"])


def test_an_unknown_invitation_is_404(signed_client, partner, invitation):
    assert signed_client.get(partner, f"{API}/invitations/INVNOPE").status_code == 404


def test_an_h5_invitation_is_not_the_app_halls(signed_client, partner, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(channel="h5")
    assert signed_client.get(partner, f"{API}/invitations/{invitation.code}").status_code == 404


def test_a_normal_response_writes_a_successful_record_and_completes_the_task(
    signed_client, partner, invitation
):
    answer = submit(signed_client, partner, invitation)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "成功" and body["abnormal"] == []
    record = CallbackRecord.objects.get(pk=body["record"])
    assert record.method == "app_hall" and record.status == "success"
    assert record.agent is None
    assert record.created_via == "partner:掌厅"
    assert record.registered_by == "对接方 掌厅"
    task = CallbackTask.objects.get(pk=invitation.task_id)
    assert task.status == "completed"
    assert task.attempt_count == 1
    response = Response.objects.get(pk=body["response"])
    assert response.submission_id == "S1" and response.record == record
    assert ResponseAnswer.objects.filter(response=response).count() == 2
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert AuditEvent.objects.filter(action="response_submit", actor_label="partner:掌厅").exists()


def test_an_abnormal_response_writes_other_with_one_feedback_per_abnormal_question(
    signed_client, partner, invitation
):
    answer = submit(signed_client, partner, invitation, answers=ABNORMAL)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "其他"
    assert body["abnormal"] == ["identity", "channels"]
    record = CallbackRecord.objects.get(pk=body["record"])
    assert record.status == "other"
    assert "您是本人吗" in record.remark and "他人代为操作" in record.remark
    feedbacks = BranchFeedback.objects.filter(record=record)
    assert feedbacks.count() == 2
    assert CallbackTask.objects.get(pk=invitation.task_id).status == "in_progress"
    assert ResponseAnswer.objects.filter(question="channels").count() == 2


def test_the_same_submission_again_answers_200_with_the_same_body(
    signed_client, partner, invitation
):
    first = submit(signed_client, partner, invitation)
    again = submit(signed_client, partner, invitation)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Response.objects.count() == 1 and CallbackRecord.objects.count() == 1


def test_another_submission_for_an_answered_invitation_is_409(signed_client, partner, invitation):
    submit(signed_client, partner, invitation)
    second = submit(signed_client, partner, invitation, submission_id="S2")
    assert second.status_code == 409
    assert second.json()["code"] == "answered"
    assert Response.objects.count() == 1
    assert signed_client.get(partner, f"{API}/invitations/{invitation.code}").status_code == 409


def test_a_wrong_customer_is_422(signed_client, partner, invitation):
    answer = submit(signed_client, partner, invitation, investor_code="0099999999")
    assert answer.status_code == 422
    assert "investor_code" in answer.json()["errors"]
    assert not Response.objects.exists() and not CallbackRecord.objects.exists()


def test_an_unknown_option_is_422_by_question(signed_client, partner, invitation):
    answers = [{"question": "identity", "options": ["maybe"]}]
    answer = submit(signed_client, partner, invitation, answers=answers)
    assert answer.status_code == 422
    [message] = answer.json()["errors"]["identity"]
    assert message.startswith("选项不存在")


def test_a_missing_required_answer_is_422(signed_client, partner, invitation):
    answer = submit(signed_client, partner, invitation, answers=[])
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"identity": ["必答题未作答"]}
    assert not Response.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.PENDING


def test_a_refused_submission_may_be_sent_again_fixed(signed_client, partner, invitation):
    assert submit(signed_client, partner, invitation, answers=[]).status_code == 422
    assert submit(signed_client, partner, invitation).status_code == 201


def test_a_missing_submission_id_is_422(signed_client, partner, invitation):
    answer = submit(signed_client, partner, invitation, submission_id="")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"submission_id": ["请提供 submission_id"]}


def test_an_overlong_submission_id_is_422_with_a_list(signed_client, partner, invitation):
    answer = submit(signed_client, partner, invitation, submission_id="S" * 65)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"submission_id": ["submission_id 最多 64 个字符"]}


def test_every_422_lists_its_messages_by_question_and_field(signed_client, partner, invitation):
    answers = [{"question": "identity", "options": ["maybe"]}, {"question": "born", "text": "x"}]
    answer = submit(signed_client, partner, invitation, answers=answers, investor_code="0099999999")
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["errors"] == {
        "investor_code": ["投资者代码与该问卷邀请的客户不符"],
        "identity": ["选项不存在：maybe"],
        "born": ["日期格式应为 YYYY-MM-DD"],
    }


def test_an_expired_invitation_is_410(signed_client, partner, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert signed_client.get(partner, f"{API}/invitations/{invitation.code}").status_code == 410
    answer = submit(signed_client, partner, invitation)
    assert answer.status_code == 410
    assert answer.json()["code"] == "expired"
    assert not CallbackRecord.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.EXPIRED


def test_an_expired_invitation_is_not_listed(signed_client, partner, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    answer = signed_client.get(partner, f"{API}/customers/0088000001/invitations")
    assert answer.json()["results"] == []


def test_an_invitation_whose_task_was_closed_meanwhile_is_neither_listed_nor_shown(
    signed_client, partner, invitation
):
    """Reached by phone meanwhile: the app must not show a questionnaire it cannot take."""
    CallbackTask.objects.filter(pk=invitation.task_id).update(status="completed")
    listed = signed_client.get(partner, f"{API}/customers/0088000001/invitations")
    assert listed.status_code == 200 and listed.json()["results"] == []
    shown = signed_client.get(partner, f"{API}/invitations/{invitation.code}")
    assert shown.status_code == 409
    assert shown.json() == {
        "code": "task_closed",
        "message": "该回访任务已结束，不再接收问卷答案",
        "errors": {},
    }
    assert submit(signed_client, partner, invitation).json()["code"] == "task_closed"


def test_a_partner_of_another_kind_is_403(signed_client, invitation):
    sms = make_partner("短信", PartnerKind.SMS)[0]
    assert signed_client.get(sms, f"{API}/invitations/{invitation.code}").status_code == 403


def test_events_move_the_status_and_are_recorded_once(signed_client, partner, invitation):
    path = f"{API}/invitations/{invitation.code}/events"
    at = "2026-01-05T09:00:00+08:00"
    first = signed_client.post(partner, path, {"event_id": "E1", "type": "delivered", "at": at})
    assert first.status_code == 200
    again = signed_client.post(partner, path, {"event_id": "E1", "type": "delivered", "at": at})
    assert again.status_code == 200 and again.json() == first.json()
    assert AuditEvent.objects.filter(action="invitation_event").count() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DELIVERED
    assert invitation.delivered_at == datetime.datetime.fromisoformat(at)
    opened = signed_client.post(partner, path, {"event_id": "E2", "type": "opened"})
    assert opened.status_code == 200
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.OPENED


def test_the_same_event_id_with_a_body_now_refused_still_gets_the_first_answer(
    signed_client, partner, invitation
):
    path = f"{API}/invitations/{invitation.code}/events"
    first = signed_client.post(partner, path, {"event_id": "E1", "type": "delivered"})
    for changed in ({"type": "clicked"}, {"type": "opened", "at": "yesterday"}):
        again = signed_client.post(partner, path, {"event_id": "E1", **changed})
        assert again.status_code == 200 and again.json() == first.json()
    assert AuditEvent.objects.filter(action="invitation_event").count() == 1


def test_an_event_never_moves_an_answered_invitation_back(signed_client, partner, invitation):
    submit(signed_client, partner, invitation)
    path = f"{API}/invitations/{invitation.code}/events"
    signed_client.post(partner, path, {"event_id": "E9", "type": "opened"})
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.ANSWERED


def test_an_unknown_event_type_is_422(signed_client, partner, invitation):
    path = f"{API}/invitations/{invitation.code}/events"
    answer = signed_client.post(partner, path, {"event_id": "E1", "type": "clicked"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"type": ["type 应为 delivered 或 opened"]}


def test_an_event_without_its_id_is_422_with_a_list(signed_client, partner, invitation):
    path = f"{API}/invitations/{invitation.code}/events"
    answer = signed_client.post(partner, path, {"type": "opened"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"event_id": ["请提供 event_id"]}


@pytest.mark.parametrize(
    "at", [5, "yesterday", "2026-02-30T10:00:00+08:00", "2026-01-05T25:00:00", "2026-13-01"]
)
def test_an_event_time_that_is_no_time_is_422(signed_client, partner, invitation, at):
    path = f"{API}/invitations/{invitation.code}/events"
    answer = signed_client.post(partner, path, {"event_id": "E1", "type": "opened", "at": at})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"at": ["at 应为 ISO 8601 时间"]}
    assert not AuditEvent.objects.filter(action="invitation_event").exists()


def test_expires_at_is_beijing_time_in_whole_seconds(signed_client, partner, invitation):
    expected = timezone.localtime(invitation.expires_at).replace(microsecond=0).isoformat()
    assert expected.endswith("+08:00") and "." not in expected
    listed = signed_client.get(partner, f"{API}/customers/0088000001/invitations").json()
    shown = signed_client.get(partner, f"{API}/invitations/{invitation.code}").json()
    assert listed["results"][0]["expires_at"] == expected
    assert shown["expires_at"] == expected


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_write_one_response(branches):
    """Four threads deliver the same submission at once. On SQLite (shared cache) a
    concurrent writer may be refused at once ("table is locked": a 5xx, the partner sends
    it again); those are sent again afterwards. Exactly one response is written and every
    delivery gets the same body."""
    from huifang.callbacks.models import BusinessType
    from huifang.surveys import services as survey_services
    from tests.surveys.conftest import file_data
    from tests.surveys.invites import make_batch

    # Its own business type: an earlier transactional test may have flushed the seeded ones.
    BusinessType.objects.get_or_create(name="并发测试回访")
    data = file_data(business_types=["并发测试回访"])
    version = survey_services.do_import_file(data, publish=True, actor=None).version
    partner = make_partner("掌厅", PartnerKind.APPHALL)[0]
    task = make_task(branches["a1"], make_batch("并发测试回访"), code="0088000002")
    sending.do_invite([task.pk], channel="apphall", questionnaire="QN-TEST", actor=None)
    invitation = Invitation.objects.get(task=task)
    assert invitation.version == version
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    answers: list = []

    def deliver():
        try:
            client = SignedClient(Client(raise_request_exception=False))
            barrier.wait()
            answers.append(submit(client, partner, invitation))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client = SignedClient(Client())
    final = [a if a.status_code < 500 else submit(client, partner, invitation) for a in answers]
    assert sorted(a.status_code for a in final) == [200] * (threads_n - 1) + [201]
    assert len({str(a.json()) for a in final}) == 1
    assert Response.objects.count() == 1
    assert CallbackRecord.objects.filter(task=task).count() == 1
