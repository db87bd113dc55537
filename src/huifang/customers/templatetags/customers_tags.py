"""Template helpers of the customer pages."""

from django import template
from django.template.loader import render_to_string

from huifang.customers.customer360 import Section

register = template.Library()


@register.simple_tag(takes_context=True)
def render_section(context, section: Section) -> str:
    """Render one 360-page section's template with its own context (plus the customer and
    the request), so sections cannot read or clobber each other's variables."""
    data = {"customer": context.get("customer"), "year": context.get("year")}
    data.update(section.context)
    return render_to_string(section.template, data, request=context.get("request"))
