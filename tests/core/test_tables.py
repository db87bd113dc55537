"""django-tables2 asks for a render method's signature once per function, not per cell."""

import django_tables2 as tables
from django.test import RequestFactory
from django_tables2 import utils


class Pair:
    def __init__(self, name, amount):
        self.name, self.amount = name, amount


class PairTable(tables.Table):
    name = tables.Column()
    amount = tables.Column()

    def render_name(self, value, record):
        return f"{value}:{record.amount}"

    def render_amount(self, value):
        return f"¥{value}"


def rendered(table) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in table.rows]


def test_cells_get_the_arguments_their_render_methods_name():
    table = PairTable([Pair("甲", "1.00"), Pair("乙", "2.50")])
    assert rendered(table) == [["甲:1.00", "¥1.00"], ["乙:2.50", "¥2.50"]]


def test_a_render_methods_signature_is_computed_once_for_every_table_and_cell():
    rows = [Pair(str(n), n) for n in range(20)]
    rendered(PairTable(rows))  # the first table may compute it
    before = utils.signature.cache_info()
    rendered(PairTable(rows))
    rendered(PairTable(rows))
    after = utils.signature.cache_info()
    assert after.misses == before.misses
    assert after.hits - before.hits == 2 * 20 * 2  # two tables × 20 rows × 2 columns


def test_a_table_still_renders_in_a_page_template():
    request = RequestFactory().get("/")
    table = PairTable([Pair("丙", "3.00")])
    html = table.as_html(request)
    assert "丙:3.00" in html and "¥3.00" in html
