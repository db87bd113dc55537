"""Contract tests of ``core.speedups`` against the library versions it was written for.

Each speed-up leans on internals of django-tables2 or Django. These tests fail when an
upgrade changes what they rely on (names, signatures, the template block they replace), and
check that each still gives what the stock path gives, so an upgrade is a red test, never a
silently wrong page."""

from __future__ import annotations

import inspect
from pathlib import Path

import django
import django_tables2
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django_tables2 import utils
from django_tables2.rows import BoundRow

from huifang.core import speedups


def test_the_pinned_versions_are_the_ones_installed():
    assert django_tables2.__version__ == speedups.TESTED_WITH["django_tables2"]
    assert django.get_version().startswith(speedups.TESTED_WITH["django"] + ".")


def test_cell_rendering_looks_up_signatures_through_utils_at_call_time():
    # cache_cell_signatures replaces utils.signature: call_with_appropriate must read it
    # from the module's globals on every call, and give it one callable.
    assert utils.call_with_appropriate.__globals__ is vars(utils)
    assert "signature" in utils.call_with_appropriate.__code__.co_names
    assert utils.signature.cached
    assert list(inspect.signature(utils.signature.original).parameters) == ["fn"]


def test_the_cached_signature_equals_the_stock_one():
    class Sample:
        def render(self, value, record):
            return value

    def plain(value, **kwargs):
        return value

    original = utils.signature.original
    assert (
        utils.signature(Sample().render) == original(Sample().render) == (("value", "record"), None)
    )
    assert utils.signature(plain) == original(plain) == (("value",), "kwargs")


@pytest.mark.parametrize(
    ("method", "parameters"),
    [
        ("_call_render", ["self", "bound_column", "value"]),
        ("_call_value", ["self", "bound_column", "value"]),
        ("_get_and_render_with", ["self", "bound_column", "render_func", "default"]),
        ("get_cell", ["self", "name"]),
        ("get_cell_value", ["self", "name"]),
    ],
)
def test_the_row_methods_cell_calls_keep_their_signatures(method, parameters):
    assert list(inspect.signature(getattr(BoundRow, method)).parameters) == parameters


def test_bound_row_items_still_sets_the_current_value_and_record():
    # table_row sets the same two attributes for callable td attrs.
    source = inspect.getsource(BoundRow.items)
    assert "column.current_value = self.get_cell(column.name)" in source
    assert "column.current_record = self.record" in source


def test_the_stock_row_block_is_the_one_core_table_html_overrides():
    stock = Path(django_tables2.__file__).parent / "templates/django_tables2/table.html"
    text = stock.read_text(encoding="utf-8")
    assert "{% block table.tbody.row %}" in text
    assert "{% for column, cell in row.items %}" in text
    ours = Template("{% load tables_fast %}")  # the tag library loads
    assert ours.render(Context()) == ""


def test_cell_gives_what_get_cell_and_get_cell_value_give(personas):
    # Customers: choice fields (the stock get_FOO_display path), dates, a masked phone,
    # the risk label; users: people and roles.
    from huifang.customers.models import Customer
    from huifang.customers.tables import CustomerTable
    from huifang.org.models import User
    from huifang.org.tables import UserTable

    Customer.objects.create(
        investor_code="00000001",
        name="甲",
        customer_type="natural",
        gender="F",
        open_date="2020-01-02",
        branch=personas["agent_a"].branch,
        risk_level=1,
        risk_lowest=True,
        mobile="13800001234",
    )
    for table in (
        CustomerTable(Customer.objects.all()),
        UserTable(User.objects.order_by("pk")),
    ):
        table.request = RequestFactory().get("/")
        for row in table.rows:
            for column in table.columns:
                assert speedups.cell(row, column) == row.get_cell(column.name)
                assert speedups.cell(row, column, export=True) == row.get_cell_value(column.name)


def test_selects_use_the_stock_templates_select_html_replaces():
    from django.forms.renderers import DjangoTemplates

    renderer = DjangoTemplates()
    assert renderer.get_template(speedups.SELECT) is not None
    assert renderer.get_template(speedups.OPTION) is not None
    from django import forms

    widget = forms.Select(choices=[("a", "甲")]).get_context("f", "a", {})["widget"]
    assert widget["optgroups"][0][1][0]["template_name"] == speedups.OPTION
