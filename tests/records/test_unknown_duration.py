"""回访时长 left blank is not known (NULL), never 0 seconds: the form, the API, the list and
its export say so; 0 typed stays 0; what counts as 缺少回访时长 takes both."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from huifang.callbacks.records import services
from huifang.callbacks.records.models import CallbackRecord, lacking
from tests.records.test_pages import form_data

URL = "/api/v1/callback-records/"


def posted(task, client_for, duration: str) -> CallbackRecord:
    response = client_for("agent_a").post(
        reverse("records:record_create", args=[task.pk]), form_data(task, duration=duration)
    )
    assert response.status_code == 302
    return CallbackRecord.objects.get()


def test_a_blank_duration_on_the_form_is_stored_as_not_known(task, client_for):
    assert posted(task, client_for, "").duration_seconds is None


def test_zero_typed_on_the_form_stays_zero(task, client_for):
    assert posted(task, client_for, "0").duration_seconds == 0


def test_blank_is_not_known_to_the_service(task, personas, content):
    assert services.parse_duration("  ") is None
    record = services.do_create_record(
        task, content(duration_seconds=""), actor=personas["agent_a"]
    )
    assert record.duration_seconds is None


def failed_call(task, personas, content, reason, **fields) -> CallbackRecord:
    """A failed call (its task stays open, so its agent may still correct it)."""
    return services.do_create_record(
        task,
        content(status="failure", failure_reason=reason("占线"), **fields),
        actor=personas["agent_a"],
    )


def test_the_edit_form_offers_a_not_known_duration_blank(
    task, personas, content, reason, client_for
):
    record = failed_call(task, personas, content, reason, duration_seconds=None)
    page = client_for("agent_a").get(reverse("records:record_edit", args=[record.pk]))
    assert page.context["form"].initial["duration"] == ""


def test_the_record_page_and_list_show_a_dash_and_the_export_a_blank(
    task, personas, content, client_for
):
    record = services.do_create_record(
        task, content(duration_seconds=None), actor=personas["agent_a"]
    )
    client = client_for("hq_admin")
    detail = client.get(reverse("records:record_detail", args=[record.pk])).content.decode()
    assert "00:00" not in detail and "—" in detail
    columns = {"cols": ["investor_code", "duration"]}
    listed = client.get(reverse("records:record_list"), columns)
    (row,) = listed.context["table"].rows
    assert row.get_cell("duration") == "—"
    export = client.get(reverse("records:record_list"), {**columns, "_export": "csv"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    (line,) = csv.DictReader(io.StringIO(text))
    assert line["回访时长"] == ""


def test_the_api_registers_without_a_duration_as_null(task, api_for):
    body = {
        "task": task.pk,
        "status": "成功",
        "method": "电话",
        "called_at": "2026-01-05T10:00:00+08:00",
    }
    response = api_for("agent_a").post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["duration_seconds"] is None
    assert CallbackRecord.objects.get().duration_seconds is None


def test_an_api_edit_blanking_the_duration_makes_it_not_known(
    task, personas, content, reason, api_for
):
    record = failed_call(task, personas, content, reason)
    response = api_for("agent_a").patch(
        f"{URL}{record.pk}/",
        {"version": 1, "change_reason": "时长记错了", "duration": ""},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["duration_seconds"] is None
    record.refresh_from_db()
    assert record.duration_seconds is None


def test_missing_duration_counts_not_known_and_zero_but_not_a_length(make_task, personas, content):
    durations = {None: "", 0: "0", 95: "01:35"}
    made = {
        seconds: services.do_create_record(
            make_task("a1"), content(duration_seconds=typed), actor=personas["agent_a"]
        ).pk
        for seconds, typed in durations.items()
    }
    missing = set(CallbackRecord.objects.filter(lacking("duration")).values_list("pk", flat=True))
    assert missing == {made[None], made[0]}
