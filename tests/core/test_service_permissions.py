"""Every ``do_…`` service checks the actor's permission and scope itself, so no entry point
(page, API, command, job) can skip it.

One row per service in :data:`CASES`: the permission it needs and how to build its
arguments for a branch. From the table: a user holding every permission but that one is
refused (and, given it back, is not refused); a user holding all of them in 北京分公司 is
refused the objects of 上海 (services that touch branch-scoped objects). A service missing
from the table fails :func:`test_every_service_is_in_the_table`.
"""

from __future__ import annotations

import ast
import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

import huifang
from huifang.automation import intake_folders
from huifang.automation import services as plans
from huifang.callbacks import distribution
from huifang.callbacks import services as tasks
from huifang.callbacks.records import services as records
from huifang.callbacks.records.models import CallbackRecord, FailureReason
from huifang.channels.calls import services as calls
from huifang.channels.sms import services as sms
from huifang.core import calendar
from huifang.core.models import AuditEvent, CalendarHoliday, CalendarYear
from huifang.core.permissions import require
from huifang.customers import services as customers
from huifang.org import otp
from huifang.org import services as org
from huifang.org.models import Role, User
from huifang.partners import delivery as partner_delivery
from huifang.partners import services as partners
from huifang.reports import services as measures
from huifang.reports.evidence import package as evidence
from huifang.reports.evidence.scope import Scope
from huifang.rules import services as rules
from huifang.rules.models import Rule, ScreeningRun
from huifang.surveys import offline
from huifang.surveys import sending as survey_sending
from huifang.surveys import services as surveys
from huifang.surveys import writeback as survey_writeback
from huifang.surveys.models import Questionnaire
from tests.customers import factories

AS_OF = datetime.date(2025, 12, 31)
IN, OUT = "a1", "b1"  # a branch in the scope of 北京分公司's user, and one outside it
AGENTS = {"a1": "agent_a", "b1": "agent_b"}
_numbers = itertools.count(1)


class World:
    """Objects the services act on, in branch ``a1`` or ``b1``, built on first use."""

    def __init__(self, branches, personas, actor):
        self.branches, self.personas, self.actor = branches, personas, actor

    def agent(self, where: str) -> User:
        return self.personas[AGENTS[where]]

    def customer(self, where: str):
        return factories.customer(f"0200{next(_numbers):06d}", self.branches[where])

    def task(self, where: str, **fields):
        from huifang.callbacks.models import Batch, CallbackTask

        customer = self.customer(where)
        run = ScreeningRun.objects.create(as_of=AS_OF, status="frozen")
        batch = Batch.objects.create(
            number=str(3_000_000_000 + next(_numbers)),
            run=run,
            business_type=self.business_type(),
            as_of=AS_OF,
        )
        return CallbackTask.objects.create(
            customer=customer,
            branch=customer.branch,
            business_type=batch.business_type,
            batch=batch,
            rule_codes=",A001,",
            reasons="新开户客户",
            **fields,
        )

    def business_type(self):
        from huifang.callbacks.models import BusinessType

        bt, _ = BusinessType.objects.get_or_create(name="权限测试回访")
        return bt

    def content(self, **overrides) -> dict:
        from django.utils import timezone

        called_at = (timezone.now() - datetime.timedelta(hours=1)).replace(microsecond=0)
        reason = FailureReason.objects.filter(is_active=True, remark_required=False).first()
        return {
            "status": "failure",
            "failure_reason": reason,
            "method": "phone",
            "called_at": called_at,
            "duration_seconds": "30",
            "remark": "",
            **overrides,
        }

    def record(self, where: str) -> CallbackRecord:
        task = self.task(where, assignee=self.agent(where))  # an agent records her own task
        return records.do_create_record(task, self.content(), actor=self.agent(where))

    def feedback(self, where: str):
        return records.do_feedback(self.task(where), "请跟进", actor=self.agent(where))

    def run(self) -> ScreeningRun:
        return ScreeningRun.objects.create(as_of=AS_OF, status="preview")


Args = tuple[tuple, dict]


@dataclass(frozen=True)
class Case:
    service: Callable
    permission: str  # refused without it (whatever else the actor holds)
    args: Callable[[World, str], Args]  # (world, branch key) → the call's args, kwargs
    scoped: bool = False  # touches branch-scoped objects: refused out of scope too

    @property
    def name(self) -> str:
        return f"{self.service.__module__}.{self.service.__name__}"


def _holiday(w: World, where: str) -> Args:
    year = CalendarYear.objects.create(year=2090)
    holiday = CalendarHoliday.objects.create(
        calendar_year=year, date=datetime.date(2090, 1, 2), name="测试"
    )
    return (holiday,), {}


def _year(w: World, where: str) -> Args:
    CalendarYear.objects.create(year=2091)
    return (2091, datetime.date(2091, 1, 2), "测试"), {}


def _partner(url: str = "https://partner.example.com/hook"):
    from tests.partners.helpers import make_partner

    return make_partner(f"对接方{next(_numbers)}", "apphall", url)[0]


def _failed_delivery(w: World, where: str) -> Args:
    from huifang.partners.models import Delivery, DeliveryStatus

    delivery = Delivery.objects.create(
        partner=_partner(),
        topic="invitation.created",
        event_id=f"{next(_numbers):032d}",
        payload={},
        status=DeliveryStatus.FAILED,
    )
    return (delivery,), {}


def _absence(w: World, where: str) -> Args:
    from django.utils import timezone

    from huifang.callbacks.models import AgentAbsence

    today = timezone.localdate()
    absence = AgentAbsence.objects.create(agent=w.agent(where), starts_on=today, ends_on=today)
    return (absence,), {}


def _numbers_task(w: World, where: str) -> Args:
    return (w.task(where, assignee=w.actor),), {}


def _complete(w: World, where: str) -> Args:
    task = w.task(where)
    return (task, CallbackRecord(task=task, status="success")), {}


def _offline_entry(w: World, where: str) -> Args:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from huifang.callbacks.records.services import AttachmentInput
    from huifang.surveys.models import QuestionnaireVersion

    version = QuestionnaireVersion.objects.published().first()
    scan = AttachmentInput(file=SimpleUploadedFile("scan.pdf", b"%PDF-1.4"))
    return (w.task(where), version, []), {"scan": scan}


def _questionnaire():
    """A questionnaire with a draft of one question (made by the system)."""
    questionnaire = surveys.do_create_questionnaire("QN-DRAFT", "草稿问卷", actor=None)
    surveys.do_save_draft(questionnaire, questions=_questionnaire_file()["questions"], actor=None)
    return questionnaire


def _questionnaire_file() -> dict:
    options = [{"id": "yes", "text": "是"}, {"id": "no", "text": "否", "abnormal": True}]
    return {
        "code": "QN-FILE",
        "title": "导入测试",
        "questions": [{"id": "q1", "text": "本人？", "type": "yes_no", "options": options}],
    }


def _call_tasks(w: World, where: str) -> Args:
    from huifang.callbacks.models import CallbackTask

    return (CallbackTask.objects.filter(pk=w.task(where).pk),), {}


def _call_result(w: World, where: str) -> Args:
    from huifang.channels.calls.services import _refs

    task = w.task(where)
    ref = _refs([task.pk])[task.pk]
    started = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC).isoformat()
    payload = {
        "call_id": f"C{next(_numbers)}",
        "task_ref": ref,
        "started_at": started,
        "duration_seconds": 30,
        "attempt": 1,
        "result": "other",
    }
    return (payload,), {"source": "webhook"}


def _call_file(w: World, where: str) -> Args:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    path = folder / "calls.csv"
    path.write_text("呼叫ID,外呼任务ID,拨打时间,拨打时长,拨打次数,拨打结果\n", encoding="utf-8")
    return (path,), {}


def _call_mapping(w: World, where: str) -> Args:
    from huifang.channels.calls.models import ResultMapping

    return (ResultMapping.objects.get(result="other"), {"action": "wait"}), {}


def _measure_type():
    from huifang.reports.models import MeasureType

    return MeasureType.objects.get(name="风险提示")


def _measure(w: World, where: str):
    return measures.do_create_measure(w.customer(where), _measure_type(), "测试", actor=None)


def _invitation(w: World, where: str, channel: str = "h5"):
    """An H5 (or ``channel``) invitation (QN-ANNUAL's published version) of a new task in
    ``where``."""
    from django.utils import timezone

    from huifang.surveys.models import Invitation

    task = w.task(where)
    return Invitation.objects.create(
        task=task,
        customer=task.customer,
        branch=task.branch,
        business_type=task.business_type,
        channel=channel,
        version=Questionnaire.objects.get(code="QN-ANNUAL").latest_published(),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )


CASES = [
    # 外呼 (a push narrows to the actor's tasks, as the task list does; an out-of-scope
    # task_ref is unknown to the actor)
    Case(calls.do_push, "calls.add_callpush", _call_tasks),
    Case(calls.do_ingest_call, "calls.add_callattempt", _call_result),
    Case(calls.do_import_calls, "calls.add_callattempt", _call_file),
    Case(calls.do_save_mapping, "calls.change_resultmapping", _call_mapping),
    # org
    Case(
        org.do_save_branch,
        "org.add_branch",
        lambda w, b: ((), {"code": "0999", "name": "新营业部", "parent": w.branches[b]}),
        scoped=True,
    ),
    Case(
        org.do_create_user,
        "org.add_user",
        lambda w, b: (
            (),
            {"username": "new_agent", "password": None, "branch": w.branches[b], "role": "agent"},
        ),
        scoped=True,
    ),
    Case(
        org.do_update_user,
        "org.change_user",
        lambda w, b: ((w.agent(b),), {"full_name": "改名"}),
        scoped=True,
    ),
    Case(
        org.do_set_password,
        "org.change_user",
        lambda w, b: ((w.agent(b), "Another-pass-2026"), {}),
        scoped=True,
    ),
    Case(
        org.do_create_token,
        "org.change_user",
        lambda w, b: ((w.agent(b),), {}),
        scoped=True,
    ),
    Case(
        org.do_revoke_token,
        "org.change_user",
        lambda w, b: ((w.agent(b),), {}),
        scoped=True,
    ),
    Case(
        otp.do_enable,
        "org.change_user",
        lambda w, b: ((w.agent(b), "000000"), {}),
        scoped=True,
    ),
    Case(
        otp.do_disable,
        "org.change_user",
        lambda w, b: ((w.agent(b), "000000"), {}),
        scoped=True,
    ),
    Case(otp.do_reset, "org.change_user", lambda w, b: ((w.agent(b),), {}), scoped=True),
    Case(
        org.do_reveal_mobile,
        "customers.reveal_sensitive",
        lambda w, b: ((w.agent(b),), {}),
        scoped=True,
    ),
    Case(
        org.do_unlock_login,
        "org.change_user",
        lambda w, b: ((w.agent(b).username, "203.0.113.9"), {}),
        scoped=True,
    ),
    # customers
    Case(
        customers.do_reveal,
        "customers.reveal_sensitive",
        lambda w, b: ((w.customer(b),), {}),
        scoped=True,
    ),
    Case(
        customers.do_start_import,
        "customers.import_data",
        lambda w, b: (
            ("customers", "imports/202601/x.csv"),
            {"file_name": "x.csv", "skip_invalid": False},
        ),
    ),
    # rules
    Case(
        rules.do_update_rule,
        "rules.change_rule",
        lambda w, b: ((Rule.objects.get(code="A001"), {}), {}),
    ),
    Case(
        rules.do_set_rule_enabled,
        "rules.change_rule",
        lambda w, b: ((Rule.objects.get(code="A001"), False), {}),
    ),
    Case(
        rules.do_create_custom_rule,
        "rules.add_rule",
        lambda w, b: ((), {"name": "权限测试规则", "params": {}}),
    ),
    Case(
        rules.do_run_screening,
        "rules.add_screeningrun",
        lambda w, b: ((AS_OF,), {"rules": ["A001"]}),
    ),
    Case(rules.do_freeze_run, "rules.change_screeningrun", lambda w, b: ((w.run(),), {})),
    # callbacks
    Case(
        tasks.do_save_business_type,
        "callbacks.add_businesstype",
        lambda w, b: ((None, {"name": "新业务类型"}), {}),
    ),
    Case(
        tasks.do_create_batch,
        "callbacks.add_batch",
        lambda w, b: ((w.run(), w.business_type()), {}),
    ),
    Case(tasks.do_reveal_numbers, "callbacks.view_callbacktask", _numbers_task, scoped=True),
    Case(
        tasks.do_assign,
        "callbacks.manage_callbacktask",
        lambda w, b: (([w.task(b).pk], w.agent(IN)), {}),
        scoped=True,
    ),
    Case(
        distribution.do_auto_distribute,
        "callbacks.manage_callbacktask",
        lambda w, b: (([w.task(b).pk], w.branches[b]), {}),
        scoped=True,
    ),
    Case(
        distribution.do_distribute_batch,
        "callbacks.manage_callbacktask",
        lambda w, b: ((w.task(b).batch,), {}),
    ),
    Case(
        distribution.do_set_mode,
        "callbacks.manage_callbacktask",
        lambda w, b: ((w.branches[b], "round_robin"), {}),
        scoped=True,
    ),
    Case(
        distribution.do_add_absence,
        "callbacks.manage_callbacktask",
        lambda w, b: ((w.agent(b), AS_OF, AS_OF), {}),
        scoped=True,
    ),
    Case(
        distribution.do_end_absence,
        "callbacks.manage_callbacktask",
        _absence,
        scoped=True,
    ),
    Case(
        tasks.do_start,
        "callbacks.change_callbacktask",
        lambda w, b: ((w.task(b),), {}),
        scoped=True,
    ),
    Case(tasks.do_complete, "callbacks.change_callbacktask", _complete, scoped=True),
    Case(
        tasks.do_mark_unreachable,
        "callbacks.change_callbacktask",
        lambda w, b: ((w.task(b),), {}),
        scoped=True,
    ),
    Case(
        tasks.do_cancel,
        "callbacks.manage_callbacktask",
        lambda w, b: (([w.task(b).pk], "客户要求"), {}),
        scoped=True,
    ),
    # callback records
    Case(
        records.do_create_record,
        "records.add_callbackrecord",
        lambda w, b: ((w.task(b), w.content()), {}),
        scoped=True,
    ),
    Case(
        records.do_update_record,
        "records.change_callbackrecord",
        lambda w, b: ((w.record(b), w.content(remark="更正")), {"expected_version": 1}),
        scoped=True,
    ),
    Case(
        records.do_add_attachment,
        "records.change_callbackrecord",
        lambda w, b: (
            (w.record(b), records.AttachmentInput(reference="rec-1", sha256="a" * 64)),
            {},
        ),
        scoped=True,
    ),
    Case(
        records.do_feedback,
        "records.change_callbackrecord",
        lambda w, b: ((w.task(b), "请营业部跟进"), {}),
        scoped=True,
    ),
    Case(
        records.do_handle_feedback,
        "records.change_branchfeedback",
        lambda w, b: ((w.feedback(b), "已联系"), {}),
        scoped=True,
    ),
    Case(
        records.do_close_unreachable,
        "callbacks.manage_callbacktask",
        lambda w, b: ((w.task(b),), {}),
        scoped=True,
    ),
    Case(
        records.do_save_failure_reason,
        "records.add_failurereason",
        lambda w, b: ((None, {"name": "新失败原因"}), {}),
    ),
    # questionnaires
    Case(
        surveys.do_create_questionnaire,
        "surveys.add_questionnaire",
        lambda w, b: (("QN-PERM", "权限测试问卷"), {}),
    ),
    Case(
        surveys.do_save_draft,
        "surveys.change_questionnaire",
        lambda w, b: ((_questionnaire(),), {"title": "改名"}),
    ),
    Case(
        surveys.do_publish, "surveys.publish_questionnaire", lambda w, b: ((_questionnaire(),), {})
    ),
    Case(
        surveys.do_new_draft,
        "surveys.change_questionnaire",
        lambda w, b: ((Questionnaire.objects.get(code="QN-ANNUAL"),), {}),
    ),
    Case(
        surveys.do_import_file,
        "surveys.add_questionnaire",
        lambda w, b: ((_questionnaire_file(),), {"publish": False}),
    ),
    # invitations and the write-back
    Case(
        survey_sending.do_invite,
        "surveys.send_invitation",
        lambda w, b: (([w.task(b).pk],), {"channel": "h5"}),
        scoped=True,
    ),
    Case(
        survey_sending.do_record_event,
        "surveys.change_invitation",
        lambda w, b: ((_invitation(w, b), "opened"), {}),
        scoped=True,
    ),
    Case(
        survey_writeback.do_submit_response,
        "surveys.add_response",
        lambda w, b: ((_invitation(w, b), {"answers": []}), {"channel": "h5"}),
        scoped=True,
    ),
    Case(
        survey_writeback.do_submit_apphall,
        "surveys.add_response",
        lambda w, b: ((_invitation(w, b, "apphall").code, {"answers": []}), {}),
        scoped=True,
    ),
    Case(offline.do_enter_offline, "surveys.add_response", _offline_entry, scoped=True),
    # trading calendar
    Case(calendar.do_create_year, "core.change_calendaryear", lambda w, b: ((2092,), {})),
    Case(calendar.do_add_holiday, "core.change_calendaryear", _year),
    Case(calendar.do_remove_holiday, "core.change_calendaryear", _holiday),
    Case(
        calendar.do_set_year_complete,
        "core.change_calendaryear",
        lambda w, b: ((2026, False), {}),
    ),
    Case(calendar.do_seed_year, "core.change_calendaryear", lambda w, b: ((2026,), {})),
    Case(
        calendar.do_import_year,
        "core.change_calendaryear",
        lambda w, b: ((2093, {datetime.date(2093, 1, 1): "元旦"}), {}),
    ),
    # partners (not branch-scoped: HQ registers them)
    Case(
        partners.do_create_partner,
        "partners.add_partner",
        lambda w, b: ((f"对接方{next(_numbers)}", "apphall"), {}),
    ),
    Case(
        partners.do_update_partner,
        "partners.change_partner",
        lambda w, b: ((_partner(),), {"url": "https://other.example.com/hook"}),
    ),
    Case(
        partners.do_set_enabled, "partners.change_partner", lambda w, b: ((_partner(), False), {})
    ),
    Case(partners.do_reset_secret, "partners.change_partner", lambda w, b: ((_partner(),), {})),
    Case(
        partner_delivery.do_enqueue,
        "partners.add_delivery",
        lambda w, b: ((_partner(), "invitation.created", [("INV1", {})]), {}),
    ),
    Case(partner_delivery.do_retry, "partners.change_delivery", _failed_delivery),
    # management measures (管理措施)
    Case(
        measures.do_create_measure,
        "reports.add_measure",
        lambda w, b: ((w.customer(b), _measure_type(), "风险提示"), {}),
        scoped=True,
    ),
    Case(
        measures.do_update_measure,
        "reports.change_measure",
        lambda w, b: ((_measure(w, b), {"reason": "改"}), {}),
        scoped=True,
    ),
    Case(
        measures.do_change_status,
        "reports.change_measure",
        lambda w, b: ((_measure(w, b), "active"), {}),
        scoped=True,
    ),
    Case(
        measures.do_save_measure_type,
        "reports.add_measuretype",
        lambda w, b: ((None, {"name": "新措施"}), {}),
    ),
    # 证据包 (a customer's package: that customer must be in scope)
    Case(
        evidence.do_generate_evidence,
        "reports.generate_evidence",
        lambda w, b: ((Scope(customer=w.customer(b)), _evidence_path()), {}),
        scoped=True,
    ),
    # sms (templates are HQ's; sending is scoped by the tasks' branches)
    Case(
        sms.do_save_template,
        "sms.add_smstemplate",
        lambda w, b: ((None, _sms_template_data(f"T{next(_numbers)}")), {}),
    ),
    Case(
        sms.do_save_template,
        "sms.change_smstemplate",
        lambda w, b: ((_sms_template(), {"name": "改名"}), {}),
    ),
    Case(
        sms.do_queue,
        "sms.add_smsmessage",
        lambda w, b: ((w.task(b), _sms_template()), {}),
        scoped=True,
    ),
    Case(sms.do_opt_out, "sms.add_smsoptout", lambda w, b: (("13812345678",), {})),
    Case(sms.do_opt_in, "sms.delete_smsoptout", lambda w, b: ((_opt_out(),), {})),
    Case(sms.do_apply_receipts, "sms.add_smsreceipt", lambda w, b: (("aliyun", []), {})),
    # 回访计划 (HQ's: no branch scope)
    Case(plans.do_save_plan, "automation.add_plan", lambda w, b: ((None, _plan_data(w)), {})),
    Case(
        plans.do_save_plan,
        "automation.change_plan",
        lambda w, b: ((_plan(w), {"enabled": False}), {}),
    ),
    Case(plans.do_run_plan, "automation.add_planrun", lambda w, b: ((_plan(w),), {"on": AS_OF})),
    Case(plans.do_approve, "automation.change_planrun", lambda w, b: ((_pending_run(w),), {})),
    # 导入目录 (HQ's: no branch scope)
    Case(
        intake_folders.do_save_intake_folder,
        "automation.change_intakefolder",
        lambda w, b: (("daily",), {"path": "", "enabled": False}),
    ),
    Case(
        intake_folders.do_reset_intake_folder,
        "automation.change_intakefolder",
        lambda w, b: (("daily",), {}),
    ),
]


def _plan_data(w: World) -> dict:
    return {
        "name": f"计划{next(_numbers)}",
        "rules": [{"code": "A003", "version": "current"}],
        "reference_kind": "trading_day",
        "business_type": w.business_type(),
        "run_time": datetime.time(20, 0),
        "mode": "auto",
    }


def _plan(w: World):
    from huifang.automation.models import Plan

    return Plan.objects.create(**_plan_data(w))


def _pending_run(w: World):
    from huifang.automation.models import PlanRun

    run = ScreeningRun.objects.create(as_of=AS_OF)
    return PlanRun.objects.create(
        plan=_plan(w), occurrence=AS_OF, status="pending", screening_run=run
    )


def _evidence_path() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp()) / "evidence.xlsx"


def _sms_template_data(code: str) -> dict:
    return {"code": code, "name": "提醒", "signature": "【惠访】", "text": "{客户名称}您好"}


def _sms_template():
    from huifang.channels.sms.models import SmsTemplate

    return SmsTemplate.objects.create(**_sms_template_data(f"T{next(_numbers)}"))


def _opt_out():
    from huifang.channels.sms.models import SmsOptOut

    return SmsOptOut.objects.create(mobile=f"139{next(_numbers):08d}")


def _user(username: str, branch, *, without: str | None = None) -> User:
    """An active HQ-role user in ``branch`` holding every permission but ``without``."""
    user = User.objects.create_user(username=username, branch=branch, role=Role.HQ_ADMIN)
    perms = Permission.objects.all()
    if without is not None:
        app_label, codename = without.split(".")
        perms = perms.exclude(content_type__app_label=app_label, codename=codename)
    user.user_permissions.set(perms)
    return User.objects.get(pk=user.pk)  # no stale permission cache


def _prepare(case: Case, world: World, where: str, actor) -> Callable[[], object]:
    """The call, its arguments (and the objects they need) built already."""
    args, kwargs = case.args(world, where)
    return lambda: case.service(*args, **kwargs, actor=actor)


def test_every_service_is_in_the_table():
    """A new ``do_…`` function anywhere in the code base must be added to CASES."""
    root = Path(huifang.__file__).parent
    defined = set()
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module = ".".join(("huifang", *path.relative_to(root).with_suffix("").parts))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("do_"):
                defined.add(f"{module}.{node.name}")
    assert defined, "no services found"
    assert defined == {case.name for case in CASES}


def test_every_permission_in_the_table_exists(db):
    for case in CASES:
        app_label, codename = case.permission.split(".")
        assert Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).exists(), case.name


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name.removeprefix("huifang."))
def test_refused_without_the_permission(case, branches, personas):
    actor = _user("lacks_one", branches["hq"], without=case.permission)
    call = _prepare(case, World(branches, personas, actor), IN, actor)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied) as refused:
        call()
    assert "权限" in str(refused.value) or "只有" in str(refused.value)
    assert AuditEvent.objects.count() == events, "a refused call wrote something"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name.removeprefix("huifang."))
def test_not_refused_with_the_permission(case, branches, personas):
    """The control of the test above: the same call by a user holding it is not refused
    (it may still be refused as bad input: these calls are not meant to succeed)."""
    actor = _user("holds_all", branches["hq"])
    call = _prepare(case, World(branches, personas, actor), IN, actor)
    try:
        call()
    except PermissionDenied as exc:
        pytest.fail(f"{case.name} refused a user holding every permission: {exc}")
    except ValidationError:  # bad input for this service: not what is tested here
        pass


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.scoped], ids=lambda c: c.name.removeprefix("huifang.")
)
def test_refused_out_of_scope(case, branches, personas):
    actor = _user("beijing_all", branches["a"])
    call = _prepare(case, World(branches, personas, actor), OUT, actor)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        call()
    assert AuditEvent.objects.count() == events, "a refused call wrote something"


def test_the_system_may_do_everything():
    require(None, "rules.change_rule")
    require(SimpleNamespace(is_system=True, user=None), "rules.change_rule")


def test_an_actor_for_a_user_carries_that_users_permissions(branches, personas):
    acting_for_agent = SimpleNamespace(user=personas["agent_a"], is_system=False)
    require(acting_for_agent, "records.add_callbackrecord")
    with pytest.raises(PermissionDenied):
        require(acting_for_agent, "rules.change_rule")


def test_a_machine_acting_for_nobody_is_refused():
    with pytest.raises(PermissionDenied):
        require(SimpleNamespace(user=None, is_system=False), "rules.change_rule")


def test_anonymous_and_inactive_users_are_refused(branches, personas):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        require(AnonymousUser(), "rules.view_rule")
    admin = personas["hq_admin"]
    admin.is_active = False
    with pytest.raises(PermissionDenied):
        require(admin, "rules.view_rule")


def test_a_job_whose_user_lacks_the_permission_fails_with_the_reason(branches, run_jobs):
    from huifang.core.jobs import start_job

    user = _user("no_screening", branches["hq"], without="rules.add_screeningrun")
    with run_jobs():
        job = start_job("rules.screen", "筛选", {"as_of": AS_OF.isoformat()}, user=user)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "您没有执行筛选的权限"
    assert not ScreeningRun.objects.exists()


def test_a_page_guarded_by_its_service_alone_shows_the_chinese_403(client_for):
    """calendar_year_complete checks nothing itself: the service's refusal is the page."""
    from django.urls import reverse

    response = client_for("auditor").post(
        reverse("core:calendar_year_complete", args=[2025]), {"complete": "0"}
    )
    assert response.status_code == 403
    assert "您没有维护交易日历的权限" in response.content.decode()
    assert CalendarYear.objects.get(year=2025).is_complete
