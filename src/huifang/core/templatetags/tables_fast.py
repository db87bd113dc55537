"""``{% table_row row %}``: one django-tables2 row rendered in Python (``core/table.html``);
see ``core.speedups.table_row``."""

from django import template

from huifang.core.speedups import table_row

register = template.Library()
register.simple_tag(table_row, takes_context=True)
