"""``{{ n|thousands }}``: a count with thousands separators (``1,800``), as the lists' 共 N 条
say it (Django's ``intcomma`` groups nothing in zh-hans); ``{{ amount|money }}``: yuan with
separators and 2 decimals (``-1,234,567.89``), as the tables and the evidence write them."""

from django import template

from huifang.core.audit_display import money as format_money

register = template.Library()


@register.filter
def thousands(value):
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return f"{value:,}"


@register.filter
def money(value):
    return "" if value is None else format_money(value)
