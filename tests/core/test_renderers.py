"""Selects are written in Python, character for character what Django's templates give;
every widget gets Tabler's class, before and after a validation error."""

import re

from django import forms
from django.test import RequestFactory

from huifang.core.renderers import Renderer, TablerTemplates


class SampleForm(forms.Form):
    plain = forms.ChoiceField(choices=[("", "全部"), ("a&b", "甲 <乙>"), (3, "三")])
    grouped = forms.ChoiceField(
        choices=[("华北", [("0101", "北京营业部"), ("0102", "天津营业部")]), ("x", "其他")]
    )
    many = forms.MultipleChoiceField(choices=[("1", "一"), ("2", "二")], required=False)
    flag = forms.NullBooleanField(widget=forms.NullBooleanSelect)
    text = forms.CharField()


def rendered(renderer, data) -> str:
    form = SampleForm(data, renderer=renderer)
    form.fields["plain"].widget.attrs.update({"class": "form-select", "disabled": True})
    form.fields["grouped"].widget.attrs.update({"hidden": False, "data-x": '"q"'})
    return str(form)


def test_selects_render_exactly_as_djangos_templates_render_them():
    data = {"plain": "a&b", "grouped": "0102", "many": ["1", "2"], "flag": "true"}
    ours, stock = rendered(Renderer(), data), rendered(TablerTemplates(), data)
    assert ours == stock
    assert 'value="a&amp;b" selected' in ours and "甲 &lt;乙&gt;" in ours
    assert '<optgroup label="华北">' in ours and "multiple" in ours


def test_the_task_filter_form_renders_as_with_the_templates(personas):
    from huifang.callbacks.filtersets import TaskFilterSet

    request = RequestFactory().get("/")
    request.user = personas["hq_admin"]

    def form_html(renderer):
        filterset = TaskFilterSet({"status": "open"}, request=request)
        filterset.form.renderer = renderer
        return str(filterset.form)

    assert form_html(Renderer()) == form_html(TablerTemplates())


def classes(html: str, name: str) -> set[str]:
    """The classes of the widget named ``name`` in ``html``."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', html).group(0)
    return set(re.search(r'class="([^"]*)"', tag).group(1).split())


def test_a_form_re_rendered_after_a_validation_error_keeps_tablers_classes():
    form = SampleForm({"plain": "nope"}, renderer=Renderer())
    assert not form.is_valid()
    html = str(form)
    assert classes(html, "text") == {"form-control", "is-invalid"}
    assert classes(html, "plain") == {"form-select", "is-invalid"}
    assert classes(html, "flag") == {"form-select"}  # valid: no is-invalid
    assert classes(str(SampleForm(renderer=Renderer())), "text") == {"form-control"}


def test_a_widgets_own_tabler_class_is_kept():
    form = SampleForm(renderer=Renderer())
    form.fields["text"].widget.attrs["class"] = "form-control form-control-sm"
    assert classes(str(form["text"]), "text") == {"form-control", "form-control-sm"}


class ChooseForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "---------"), ("a", "甲")])
    named = forms.ChoiceField(choices=[("", "全部"), ("a", "甲")])


def test_djangos_dashes_for_no_choice_read_qing_xuanze():
    html = str(ChooseForm(renderer=Renderer()))
    assert "---------" not in html
    assert '<option value="" selected>请选择</option>' in html
    assert '<option value="" selected>全部</option>' in html


def test_the_batch_form_asks_to_choose_a_run_and_a_business_type(client_for):
    html = client_for("hq_admin").get("/callbacks/batches/new/").content.decode()
    assert "---------" not in html
    assert html.count(">请选择</option>") == 2
