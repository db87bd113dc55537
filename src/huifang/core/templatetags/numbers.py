"""``{{ n|thousands }}``: a count with thousands separators (``1,800``), as the lists' 共 N 条
say it (Django's ``intcomma`` groups nothing in zh-hans)."""

from django import template

register = template.Library()


@register.filter
def thousands(value):
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return f"{value:,}"
