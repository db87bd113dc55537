"""A questionnaire the customer answered alone (掌厅, H5) writes a record with no agent
(回访人): every page, count, export and API that shows the agent shows the registering
channel instead, and nothing breaks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huifang.surveys import sending
from huifang.surveys.models import Invitation
from huifang.surveys.writeback import do_submit_response
from tests.partners.helpers import make_partner
from tests.surveys.invites import make_task


@pytest.fixture
def record(branches, published):
    partner = make_partner("掌厅", "apphall")[0]
    task = make_task(branches["a1"])
    sending.do_invite([task.pk], channel="apphall", actor=None)
    invitation = Invitation.objects.get(task=task)
    response = do_submit_response(
        invitation,
        {"answers": [{"question": "identity", "options": ["no"]}]},
        channel="apphall",
        actor=partner.actor(),
    )
    return response.record


def test_the_record_list_shows_the_channel_as_the_agent(record, client_for):
    page = client_for("hq_admin").get(reverse("records:record_list"), {"cols": ["agent"]})
    assert page.status_code == 200
    assert "对接方 掌厅" in page.content.decode()


def test_the_record_list_export_names_the_channel(record, client_for):
    answer = client_for("hq_admin").get(
        reverse("records:record_list"), {"cols": ["agent"], "_export": "csv"}
    )
    assert answer.status_code == 200


def test_the_record_and_task_pages_show_the_channel(record, client_for):
    client = client_for("manager_a")
    detail = client.get(reverse("records:record_detail", args=[record.pk])).content.decode()
    assert "对接方 掌厅" in detail
    task_page = client.get(reverse("records:task_records", args=[record.task_id]))
    assert "对接方 掌厅" in task_page.content.decode()


def test_the_edit_form_opens(record, client_for):
    page = client_for("hq_admin").get(reverse("records:record_edit", args=[record.pk]))
    assert page.status_code == 200
    assert "对接方 掌厅" in page.content.decode()


def test_agent_counts_have_a_row_without_an_agent(record, client_for):
    page = client_for("hq_admin").get(reverse("records:agent_counts"))
    assert "无回访人（客户自助问卷）" in page.content.decode()
    [row] = page.context["agent_counts"]
    assert row["agent__username"] is None and row["others"] == 1


def test_the_api_gives_no_agent(record, client_for):
    answer = client_for("hq_admin").get(f"/api/v1/callback-records/{record.pk}/")
    assert answer.status_code == 200
    assert answer.json()["agent"] is None


def test_the_records_table_export_value_is_the_channel(record):
    from huifang.callbacks.records.tables import RecordTable

    table = RecordTable([record])
    assert table.value_agent(None, record) == "对接方 掌厅"
