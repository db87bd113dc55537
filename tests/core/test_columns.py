"""Date and choice columns formatted in Python, and list rows rendered by ``{% table_row %}``
exactly as django-tables2's own template renders them (docs/performance.md)."""

import datetime
import re

import django_tables2 as tables
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django_tables2 import RequestConfig

from huifang.core.columns import ChoiceColumn, DateColumn, DateTimeColumn, choice_label
from huifang.core.models import CalendarHoliday, Job

UTC = datetime.UTC


class Row:
    def __init__(self, name, when, day, status, amount):
        self.name, self.when, self.day, self.status, self.amount = name, when, day, status, amount


class RowTable(tables.Table):
    pick = tables.CheckBoxColumn(accessor="name", attrs={"td__input": {"form": "bulk"}})
    hidden = tables.Column(accessor="name", visible=False)
    name = tables.Column(attrs={"td": {"data-name": lambda record: record.name}})
    when = DateTimeColumn(format="Y-m-d H:i")
    day = DateColumn()
    status = ChoiceColumn(Job.Status)
    amount = tables.Column(localize=True, attrs={"td": {"class": "text-end"}})

    class Meta:
        row_attrs = {"data-status": lambda record: record.status}


ROWS = [
    Row("甲 <b>", datetime.datetime(2025, 1, 1, 16, 30, tzinfo=UTC), datetime.date(2025, 1, 2),
        Job.Status.SUCCEEDED, 1234),
    Row("乙", None, None, "unknown", 5),
]  # fmt: skip


def test_an_aware_datetime_is_shown_and_exported_in_shanghai_time():
    table = RowTable(ROWS)
    first = table.rows[0]
    assert first.get_cell("when") == "2025-01-02 00:30"
    assert first.get_cell_value("when") == datetime.datetime(2025, 1, 2, 0, 30)
    assert first.get_cell("day") == "2025-01-02"
    assert first.get_cell_value("day") == datetime.date(2025, 1, 2)


def test_an_empty_date_shows_the_column_default():
    assert RowTable(ROWS).rows[1].get_cell("when") == "—"


def test_a_choice_is_shown_and_exported_as_its_label_and_an_unknown_value_as_itself():
    table = RowTable(ROWS)
    assert table.rows[0].get_cell("status") == str(Job.Status.SUCCEEDED.label)
    assert table.rows[0].get_cell_value("status") == str(Job.Status.SUCCEEDED.label)
    assert table.rows[1].get_cell("status") == "unknown"
    assert choice_label(Job.Status, None) == ""


def test_model_date_fields_listed_in_meta_get_the_python_formatted_column():
    class HolidayTable(tables.Table):
        class Meta:
            model = CalendarHoliday
            fields = ["date"]

    class JobTable(tables.Table):
        class Meta:
            model = Job
            fields = ["created_at"]

    assert type(HolidayTable.base_columns["date"]) is DateColumn
    assert type(JobTable.base_columns["created_at"]) is DateTimeColumn


def body(html: str) -> str:
    tbody = re.search(r"<tbody[^>]*>(.*)</tbody>", html, re.S).group(1)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", tbody)).strip()


def render(template_name: str, rows=ROWS) -> str:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    table = RowTable(rows, template_name=template_name)
    RequestConfig(request).configure(table)
    template = Template("{% load django_tables2 %}{% render_table table %}")
    return template.render(Context({"table": table, "request": request}))


def test_rows_are_rendered_exactly_as_django_tables2s_own_template_renders_them():
    ours = body(render("core/table.html"))
    stock = body(render("django_tables2/bootstrap5-responsive.html"))
    assert ours == stock
    assert 'data-name="甲 &lt;b&gt;"' in ours  # callable td attrs get the row's record
    assert 'form="bulk"' in ours  # nested static td attrs (the checkbox's input)
    assert ours.count("<td") == 2 * 6  # the hidden column is not rendered
    assert "1,234" in ours or "1234" in ours
    assert "甲 &lt;b&gt;" in ours  # escaped


def test_a_table_without_rows_says_so_even_without_its_own_empty_text():
    assert RowTable.Meta.__dict__.get("empty_text") is None
    ours = body(render("core/table.html", rows=[]))
    assert ours.count("<tr") == 1
    assert ">暂无数据</td>" in ours
