"""Forms of the callback list pages (validation only; writes go through services)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from huifang.callbacks import services
from huifang.callbacks.choices import DeadlineRule, RecordRequirement
from huifang.callbacks.models import BusinessType
from huifang.core.views import style_form
from huifang.core.widgets import DateInput
from huifang.org.models import Branch
from huifang.rules.models import RunStatus, ScreeningRun


class RunChoiceField(forms.ModelChoiceField):
    batches: dict[int, list[str]] = {}  # run id → its batches ("批次号（回访业务类型）")

    def label_from_instance(self, obj: ScreeningRun) -> str:
        text = f"#{obj.pk} 基准日 {obj.as_of:%Y-%m-%d}，命中 {obj.hit_count} 人{('，' + obj.note) if obj.note else ''}"
        made = self.batches.get(obj.pk)
        return f"{text}（已加入批次 {'、'.join(made)}）" if made else text


def run_batches(runs) -> dict[int, list[str]]:
    """The batches already made of each run: ``{run id: ["2603160001（老年交易者回访）"]}``."""
    from huifang.callbacks.models import Batch

    made: dict[int, list[str]] = {}
    rows = Batch.objects.filter(run__in=runs).order_by("number")
    for run_id, number, kind in rows.values_list("run_id", "number", "business_type__name"):
        made.setdefault(run_id, []).append(f"{number}（{kind}）")
    return made


class BatchCreateForm(forms.Form):
    run = RunChoiceField(
        label="已落地的筛选",
        queryset=ScreeningRun.objects.none(),
        error_messages={"required": "请选择已落地的筛选"},
        help_text="标有“已加入批次”的筛选已建过批次：按同一回访业务类型再次加入不会新建任务，"
        "按另一类型加入须再次确认",
    )
    business_type = forms.ModelChoiceField(
        label="回访业务类型",
        queryset=BusinessType.objects.filter(is_active=True),
        error_messages={"required": "请选择回访业务类型"},
    )
    distribute = forms.BooleanField(
        label="生成后自动分配",
        required=False,
        help_text="按各营业部“分配设置”中的分配方式，把新批次的任务分给今天在岗的回访专员"
        "（营业部没有在岗专员时由上级部门的专员承接；都没有的留待手工分配）",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        runs = ScreeningRun.objects.filter(status=RunStatus.FROZEN).order_by("-frozen_at", "-pk")
        self.fields["run"].queryset = runs
        self.fields["run"].batches = self.batches = run_batches(runs)
        chosen = self.data.get("run", "") if self.is_bound else ""
        if chosen.isdigit() and int(chosen) in self.batches:
            # A run already made into a batch: asked again before a second one is made.
            self.fields["again"] = forms.BooleanField(
                label="确认再次加入（该筛选已加入过回访批次）",
                required=False,
                help_text="同一筛选按同一回访业务类型再次加入不会新建任务（仍为原批次）；"
                "按另一回访业务类型加入则另建批次：已有该类型未完成任务的客户并入其任务，"
                "其余客户新建任务",
            )

    def clean(self):
        data = super().clean()
        run, business_type = data.get("run"), data.get("business_type")
        if run is not None and business_type is not None:
            try:
                services.check_can_create_batch(run, business_type)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
            made = self.batches.get(run.pk)
            same = services.existing_batch(run, business_type)
            if made and same is None and not data.get("again"):
                raise forms.ValidationError(
                    f"筛选 #{run.pk} 已加入批次 {'、'.join(made)}。"
                    f"如确需再按“{business_type.name}”加入，请勾选“确认再次加入”后提交"
                )
        return data


class BusinessTypeForm(forms.ModelForm):
    required_record_fields = forms.MultipleChoiceField(
        label="成功记录必填项",
        choices=RecordRequirement.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="完成任务的成功回访记录必须具备的内容：登记缺少这些内容的成功记录会被拒绝；"
        "问卷或外呼平台写入的记录缺少的会列入合规核查",
    )

    class Meta:
        model = BusinessType
        fields = services.BUSINESS_TYPE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (an older client, a form without it): the stored ratio, or 100 (全部).
        percent = self.fields["sample_percent"]
        percent.required = False
        percent.widget.attrs.update(min=1, max=100)

    def clean_sample_percent(self):
        value = self.cleaned_data.get("sample_percent")
        if value is None:
            return self.instance.sample_percent if self.instance.pk else 100
        return value

    def clean(self):
        data = super().clean()
        if data.get("deadline_rule") == DeadlineRule.BIRTHDAY_MONTH_END and not data.get(
            "event_age"
        ):
            self.add_error("event_age", "按生日规则时请填写事件年龄")
        days = data.get("deadline_days")
        if days is not None and not 0 < days <= 250:
            self.add_error("deadline_days", "交易日数应在 1–250 之间")
        age = data.get("event_age")
        if age is not None and age > 150:
            self.add_error("event_age", "年龄应在 0–150 之间")
        return data


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(
        label="回访专员", queryset=None, error_messages={"required": "请选择回访专员"}
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = services.agents_in_scope(actor)


class DistributeForm(forms.Form):
    """The branch whose agents share the tasks; not asked when the actor has one only."""

    branch = forms.ModelChoiceField(label="营业部", queryset=None)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        branches = Branch.objects.restrict(actor, "view").order_by("path")
        field = self.fields["branch"]
        field.queryset = branches
        only = list(branches[:2])
        self.only_branch = only[0] if len(only) == 1 else None
        if self.only_branch is not None:
            field.initial = self.only_branch.pk
            field.widget = forms.HiddenInput()


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="取消原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写取消原因"},
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)


class AbsenceForm(forms.Form):
    """离岗登记: an agent of the actor's scope, away from … to … (both days included)."""

    agent = forms.ModelChoiceField(label="回访专员", queryset=None)
    starts_on = forms.DateField(label="开始日期", widget=DateInput)
    ends_on = forms.DateField(label="结束日期", widget=DateInput)
    reason = forms.CharField(label="原因", max_length=100, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = services.agents_in_scope(actor)
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = today
        style_form(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "结束日期不能早于开始日期")
        return data
