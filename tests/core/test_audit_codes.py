"""The audit log names the codes it keeps where no field of the object says how: a job's
parameters (数据集：customers → 数据集：客户, the customer types, an invitation's channel),
下发问卷 logged on its questionnaire (渠道：apphall → 掌厅) and a partner's delivery topic
(call_list → 外呼名单). The stored JSON keeps the codes."""

from __future__ import annotations

import pytest

from huifang.core import audit
from huifang.core.audit_display import describe
from huifang.core.models import AuditEvent
from huifang.partners import delivery

pytestmark = pytest.mark.django_db


def _lines(action: str, object_type: str, **values) -> str:
    event = audit.record(action, object_type=object_type, object_id="7", object_repr="x", **values)
    return describe(event).changes_text()


def test_an_import_jobs_parameters_name_the_dataset():
    text = _lines(
        "job_start",
        "core.job",
        after={"kind": "customers.import", "params": {"dataset": "customers", "path": "a.csv"}},
    )
    assert "数据集：客户" in text
    assert "customers；" not in text and "：customers" not in text


def test_a_screening_jobs_parameters_name_the_customer_types():
    text = _lines("job_start", "core.job", after={"params": {"customer_types": ["natural"]}})
    assert "客户类型：自然人" in text


def test_an_invitation_logged_on_its_questionnaire_names_its_channel():
    text = _lines("survey_invite", "surveys.questionnaireversion", after={"channel": "apphall"})
    assert text == "渠道：掌厅"


def test_an_invite_jobs_parameters_name_the_channel():
    text = _lines("job_start", "core.job", after={"params": {"channel": "h5", "filters": ""}})
    assert "渠道：H5" in text


def test_a_job_kind_outside_a_jobs_own_row_is_named():
    text = _lines("job_start", "org.branch", after={"kind": "customers.import"})
    assert text == "类型：数据导入"


def test_the_kind_of_a_job_no_longer_there_is_named():
    text = _lines("job_start", "core.job", after={"kind": "customers.import"})
    assert text == "类型：数据导入"


def test_a_code_no_label_names_stays_as_it_is():
    text = _lines(
        "survey_invite", "surveys.questionnaireversion", after={"channel": "carrier-pigeon"}
    )
    assert text == "渠道：carrier-pigeon"


def test_the_stored_json_keeps_the_code():
    event = audit.record(
        "survey_invite", object_type="surveys.questionnaireversion", after={"channel": "apphall"}
    )
    assert '"channel": "apphall"' in describe(event).raw


@pytest.mark.parametrize(
    ("topic", "label"), [("call_list", "外呼名单"), ("invitation.created", "问卷邀请")]
)
def test_a_queued_delivery_names_its_topic(topic, label, make_partner):
    partner = make_partner(url="http://partner.invalid/hook")[0]
    delivery.do_enqueue(partner, topic, [("R1", {})])  # its drain waits for a commit
    event = AuditEvent.objects.get(action="delivery_enqueue")
    assert event.message == f"排队推送 1 条{label}"
    assert f"推送内容：{label}" in describe(event).changes_text().splitlines()
