"""问卷下发: do_invite (idempotent, set-based, skipped reasons, closed tasks), expiry,
the app-hall push and 已下发, the invite command and job."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from huifang.callbacks.models import CallbackTask
from huifang.core.models import AuditEvent
from huifang.partners.models import Delivery
from huifang.partners.signals import delivery_done
from huifang.surveys import sending
from huifang.surveys.choices import InvitationStatus
from huifang.surveys.models import Invitation
from tests.surveys.invites import make_batch, make_task


@pytest.fixture
def batch(branches, published):
    """Three open tasks in 期货北京营业部 in one batch (their type has ``published``)."""
    batch = make_batch()
    for _ in range(3):
        make_task(branches["a1"], batch)
    return batch


def tasks_of(batch):
    return CallbackTask.objects.filter(links__batch=batch)


def test_invite_creates_one_pending_invitation_per_open_task(batch, published):
    result = sending.do_invite(tasks_of(batch), channel="h5", actor=None)
    assert result.created == 3
    rows = Invitation.objects.filter(channel="h5")
    assert rows.count() == 3
    invitation = rows.first()
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.version == published
    assert invitation.branch_id == invitation.task.branch_id
    assert invitation.code.startswith("INV") and len(invitation.code) == 19
    assert len(invitation.token) >= 32
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=13)


def test_invite_again_creates_nothing(batch):
    sending.do_invite(tasks_of(batch), channel="h5", actor=None)
    again = sending.do_invite(tasks_of(batch), channel="h5", actor=None)
    assert again.created == 0
    assert again.skipped["already_invited"] == 3
    assert Invitation.objects.count() == 3


def test_another_channel_is_another_invitation(batch):
    sending.do_invite(tasks_of(batch), channel="h5", actor=None)
    result = sending.do_invite(tasks_of(batch), channel="apphall", actor=None)
    assert result.created == 3


def test_closed_tasks_get_none(batch):
    first = tasks_of(batch).first()
    CallbackTask.objects.filter(pk=first.pk).update(status="completed")
    CallbackTask.objects.filter(pk=tasks_of(batch).last().pk).update(status="cancelled")
    result = sending.do_invite(tasks_of(batch), channel="h5", actor=None)
    assert result.created == 1
    assert result.skipped["closed"] == 2


def test_tasks_without_a_questionnaire_are_skipped_and_counted(branches, published):
    from huifang.callbacks.models import BusinessType

    BusinessType.objects.create(name="无问卷业务")
    other = make_batch("无问卷业务")
    make_task(branches["a1"], other)
    result = sending.do_invite(CallbackTask.objects.all(), channel="h5", actor=None)
    assert result.created == 0
    assert result.skipped["no_questionnaire"] == 1


def test_a_named_questionnaire_overrides_the_business_type(branches, batch):
    from huifang.surveys.models import Questionnaire

    annual = Questionnaire.objects.get(code="QN-ANNUAL")
    sending.do_invite(tasks_of(batch), channel="h5", questionnaire="QN-ANNUAL", actor=None)
    assert set(Invitation.objects.values_list("version", flat=True)) == {
        annual.latest_published().pk
    }


def test_an_unknown_questionnaire_is_refused(batch):
    with pytest.raises(ValidationError) as refused:
        sending.do_invite(tasks_of(batch), channel="h5", questionnaire="NOPE", actor=None)
    assert "不存在" in str(refused.value)
    assert not Invitation.objects.exists()


def test_an_expired_invitation_no_longer_blocks_a_new_one(batch):
    sending.do_invite(tasks_of(batch), channel="h5", actor=None)
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    result = sending.do_invite(tasks_of(batch), channel="h5", actor=None)
    assert result.created == 3
    assert Invitation.objects.filter(status=InvitationStatus.EXPIRED).count() == 3


def test_invite_is_audited_once(batch):
    before = AuditEvent.objects.filter(action="survey_invite").count()
    sending.do_invite(tasks_of(batch), channel="h5", actor=None)
    assert AuditEvent.objects.filter(action="survey_invite").count() == before + 1


def test_a_branch_manager_may_not_invite_another_branchs_tasks(branches, personas, published):
    task = make_task(branches["b1"])
    with pytest.raises(PermissionDenied):
        sending.do_invite([task.pk], channel="h5", actor=personas["manager_a"])
    assert not Invitation.objects.exists()


def test_an_agent_may_not_invite_a_colleagues_task(branches, personas, batch):
    tasks_of(batch).update(assignee=personas["manager_a"])
    with pytest.raises(PermissionDenied):
        sending.do_invite(tasks_of(batch), channel="h5", actor=personas["agent_a"])
    assert not Invitation.objects.exists()


def test_an_agent_invites_their_branchs_tasks_not_yet_assigned(personas, batch):
    result = sending.do_invite(tasks_of(batch), channel="h5", actor=personas["agent_a"])
    assert result.created == 3


def test_apphall_invitations_are_queued_to_partners_with_a_url(
    batch, make_partner, django_capture_on_commit_callbacks
):
    with_url, _ = make_partner("掌厅", url="https://app.example.com/hook")
    make_partner("掌厅二", url="")  # no URL: nothing queued
    result = sending.do_invite(tasks_of(batch), channel="apphall", actor=None)
    deliveries = Delivery.objects.filter(partner=with_url)
    assert deliveries.count() == 3
    payload = deliveries.first().payload
    assert payload["type"] == "invitation.created"
    assert set(payload) == {
        "event_id",
        "type",
        "invitation",
        "investor_code",
        "title",
        "expires_at",
    }
    assert payload["invitation"] in result.codes
    assert Delivery.objects.count() == 3


def test_the_pushed_expires_at_is_the_apis_beijing_time_in_whole_seconds(batch, make_partner):
    make_partner("掌厅", url="https://app.example.com/hook")
    sending.do_invite(tasks_of(batch), channel="apphall", actor=None)
    delivery = Delivery.objects.first()
    invitation = Invitation.objects.get(code=delivery.ref)
    expected = timezone.localtime(invitation.expires_at).replace(microsecond=0).isoformat()
    assert delivery.payload["expires_at"] == expected
    assert expected.endswith("+08:00") and "." not in expected
    assert invitation.expires_at.microsecond == 0  # the time shown is the time kept


def test_a_successful_delivery_marks_the_invitation_sent(batch, make_partner):
    make_partner("掌厅", url="https://app.example.com/hook")
    sending.do_invite(tasks_of(batch), channel="apphall", actor=None)
    delivery = Delivery.objects.first()
    delivery_done.send(sender=Delivery, delivery=delivery, ok=True)
    invitation = Invitation.objects.get(code=delivery.ref)
    assert invitation.status == InvitationStatus.SENT
    assert invitation.sent_at is not None


def test_a_failed_delivery_leaves_the_invitation_pending(batch, make_partner):
    make_partner("掌厅", url="https://app.example.com/hook")
    sending.do_invite(tasks_of(batch), channel="apphall", actor=None)
    delivery = Delivery.objects.first()
    delivery_done.send(sender=Delivery, delivery=delivery, ok=False)
    assert Invitation.objects.get(code=delivery.ref).status == InvitationStatus.PENDING


def test_the_command_prints_the_number_created_last(batch, capsys):
    call_command("survey", "invite", "--batch", batch.number, "--channel", "h5")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "3"
    call_command("survey", "invite", "--batch", batch.number, "--channel", "h5")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "0"


def test_the_command_refuses_an_unknown_batch(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="不存在"):
        call_command("survey", "invite", "--batch", "999", "--channel", "h5")


def test_the_job_invites_the_whole_filtered_list(batch, personas, run_jobs):
    from huifang.core.jobs import start_job
    from huifang.surveys import jobs

    with run_jobs():
        job = start_job(
            jobs.KIND,
            "下发问卷",
            jobs.InviteParams(channel="h5", filters=f"batch={batch.number}"),
            user=personas["manager_a"],
        )
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert Invitation.objects.count() == 3


def test_a_big_apphall_invite_is_pushed_by_a_job(batch, make_partner, run_jobs, monkeypatch):
    monkeypatch.setattr(sending, "INLINE_PUSH", 1)
    monkeypatch.setattr("huifang.partners.delivery.start_drain", lambda: None)  # no POSTs
    partner, _ = make_partner("掌厅", url="https://app.example.com/hook")
    with run_jobs():
        result = sending.do_invite(tasks_of(batch), channel="apphall", actor=None)
        assert not Delivery.objects.exists()  # not in the invite's own transaction
    refs = set(Delivery.objects.filter(partner=partner).values_list("ref", flat=True))
    assert refs == set(result.codes) and len(refs) == 3
