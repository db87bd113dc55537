"""``{{ user|person }}``: a user shown as a person (``huifang.core.people``)."""

from django import template

from huifang.core.people import person_html

register = template.Library()


@register.filter
def person(user):
    return person_html(user)
