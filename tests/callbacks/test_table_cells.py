"""List cells read through ``core.columns.cell`` equal django-tables2's own, for a model
table with choice fields, dates and links (docs/performance.md)."""

import pytest

from huifang.callbacks import services
from huifang.callbacks.models import CallbackTask
from huifang.callbacks.tables import TaskTable
from huifang.core.columns import cell
from huifang.customers.models import Customer
from tests.callbacks.conftest import make_customer, make_run


@pytest.fixture
def table(branches, personas, annual):
    customers = [make_customer(branches["a1"], code=f"0101000{n}") for n in range(1, 4)]
    services.do_create_batch(
        make_run({customers[0]: ["A003"], customers[1]: ["A002", "A005"], customers[2]: ["A005"]}),
        annual,
        actor=personas["hq_admin"],
    )
    task = CallbackTask.objects.get(customer=customers[0])
    services.do_assign([task.pk], personas["agent_a"], actor=personas["hq_admin"])
    queryset = CallbackTask.objects.select_related("customer", "branch", "batch", "assignee")
    return TaskTable(queryset.order_by("id"))


def test_cells_and_export_values_are_django_tables2s_own(table):
    for row in table.rows:
        for column in table.columns:
            assert cell(row, column) == row.get_cell(column.name), column.name
            assert cell(row, column, export=True) == row.get_cell_value(column.name), column.name


@pytest.fixture
def no_display(monkeypatch):
    """The models' get_FOO_display() of the task list's choice columns refuse to run."""

    def refused(self):
        raise AssertionError("get_FOO_display() called")

    for model, field in (
        (Customer, "customer_type"),
        (Customer, "status"),
        (CallbackTask, "status"),
    ):
        monkeypatch.setattr(model, f"get_{field}_display", refused)


def test_choice_columns_do_not_call_get_foo_display(table, no_display):
    labels = {
        column.name: cell(row, column)
        for row in list(table.rows)[:1]
        for column in table.columns
        if column.name in ("customer_type", "account_status", "status")
    }
    assert labels == {"customer_type": "自然人", "account_status": "有效", "status": "未处理"}


def test_the_task_list_page_renders_its_rows_without_get_foo_display(table, client_for, no_display):
    columns = "&".join(f"cols={c}" for c in ("investor_code", "customer_type", "status"))
    html = client_for("hq_admin").get(f"/callbacks/tasks/?assignee=&{columns}").content.decode()
    assert html.count("01010001") >= 1 and "自然人" in html and "未处理" in html
