"""The form renderer (``FORM_RENDERER``): Django's, with Tabler's classes, except for
``<select>``.

Every widget it renders gets Tabler's (Bootstrap's) class for its kind unless it has one,
and ``is-invalid`` when its field has errors: a form looks the same whichever template
draws it, before and after a validation error.

Django renders every ``<option>`` through a template include; selects whose options use the
stock option template are written in Python instead (``core.speedups.select_html``, with
the other rendering speed-ups), anything else goes to the templates.

A select's empty choice reads 请选择 where its field left Django's ``---------``: a filter
names its own (全部), a form field its own when 请选择 would mislead.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates

from huifang.core.speedups import SELECT, select_html

WIDGETS = "django/forms/widgets/"
TABLER = ("form-control", "form-select", "form-check-input")
# Radio buttons and checkbox lists share their attrs with a wrapper <div>: left to templates.
UNSTYLED = ("radio.html", "checkbox_select.html", "multiwidget.html", "splitdatetime.html")
DJANGO_BLANK = "---------"
BLANK = "请选择"


def tabler_class(widget: dict) -> str | None:
    """Tabler's class for a widget's context (None: leave it alone)."""
    template = widget.get("template_name", "")
    if not template.startswith(WIDGETS) or template.endswith(UNSTYLED):
        return None
    kind = widget.get("type")
    if kind == "hidden":
        return None
    if kind == "checkbox":
        return "form-check-input"
    if template.endswith("select.html"):
        return "form-select"
    return "form-control"


def style_widget(widget: dict) -> None:
    css = tabler_class(widget)
    if css is None:
        return
    attrs = widget["attrs"]
    classes = attrs.get("class", "").split()
    if not any(c in classes for c in TABLER):
        classes.append(css)
    if attrs.get("aria-invalid") == "true" and "is-invalid" not in classes:
        classes.append("is-invalid")
    attrs["class"] = " ".join(classes)


def name_blank_choice(widget: dict) -> None:
    """Django's ``---------`` empty choice, in words."""
    for _group, options, _index in widget.get("optgroups", ()):
        for option in options:
            if option.get("value") in ("", None) and option.get("label") == DJANGO_BLANK:
                option["label"] = BLANK


class TablerTemplates(DjangoTemplates):
    """Django's template renderer, every widget given Tabler's class."""

    def render(self, template_name, context, request=None):
        if isinstance(context.get("widget"), dict):
            style_widget(context["widget"])
            name_blank_choice(context["widget"])
        return super().render(template_name, context, request=request)


class Renderer(TablerTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            style_widget(context["widget"])
            name_blank_choice(context["widget"])
            html = select_html(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)
