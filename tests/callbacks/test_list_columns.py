"""Lists show the columns that fit a 1366-px screen; the others are offered under 显示列,
and exports keep every column unless the user chose some."""

from __future__ import annotations

import csv
import io

import pytest

from tests.callbacks.conftest import make_customer, make_run

pytestmark = pytest.mark.django_db
LIST = "/callbacks/tasks/"


@pytest.fixture
def tasks(branches, personas, annual):
    from huifang.callbacks import services

    run = make_run({make_customer(branches["a1"], code="01010001"): ["A003"]})
    return services.do_create_batch(run, annual, actor=personas["hq_admin"]).batch


def headers(response) -> list[str]:
    return response.context["table"].columns.names()


def export_header(response) -> list[str]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return next(csv.reader(io.StringIO(body)))


def test_the_task_list_shows_its_default_columns(client_for, tasks):
    response = client_for("hq_admin").get(LIST)

    names = headers(response)
    assert "status" in names and "assignee" in names and "selection" in names
    assert "batch" not in names and "dormant" not in names
    offered = [name for name, _label, _shown in response.context["all_columns"]]
    assert "batch" in offered and "selection" not in offered


def test_chosen_columns_replace_the_defaults_and_keep_the_checkboxes(client_for, tasks):
    response = client_for("hq_admin").get(LIST, {"cols": ["investor_code", "batch"]})

    assert headers(response) == ["selection", "investor_code", "batch"]


def test_an_export_has_every_column_unless_some_were_chosen(client_for, tasks):
    client = client_for("hq_admin")

    full = export_header(client.get(LIST, {"_export": "csv"}))
    chosen = export_header(client.get(LIST, {"_export": "csv", "cols": ["investor_code"]}))

    assert "批次号" in full and "是否休眠" in full and "处理状态" in full
    assert chosen == ["投资者代码"]
