"""Forms of 汇总统计 and 管理措施."""

from __future__ import annotations

from django import forms

from huifang.callbacks.models import Batch, BusinessType
from huifang.core.filtersets import within_dates
from huifang.core.widgets import DateInput
from huifang.org.models import Branch, Role, User
from huifang.reports.choices import MeasureStatus
from huifang.reports.figures import Filters
from huifang.reports.models import MeasureType


class DashboardFilterForm(forms.Form):
    """统计期间 (tasks by 创建日期, records by 回访日期), 批次号, 回访业务类型, 部门."""

    date_from = forms.DateField(
        label="统计期间起",
        required=False,
        validators=[within_dates],
        widget=DateInput(),
    )
    date_to = forms.DateField(
        label="统计期间止",
        required=False,
        validators=[within_dates],
        widget=DateInput(),
    )
    batch = forms.CharField(label="批次号", required=False, max_length=10)
    business_type = forms.ModelChoiceField(
        label="回访业务类型",
        queryset=BusinessType.objects.all(),
        required=False,
        empty_label="全部",
    )
    branch = forms.ModelChoiceField(
        label="部门", queryset=Branch.objects.none(), required=False, empty_label="全部"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        branches = Branch.objects.all() if user is None else Branch.objects.restrict(user, "view")
        self.fields["branch"].queryset = branches.order_by("path")

    def clean_batch(self) -> Batch | None:
        number = self.cleaned_data["batch"].strip()
        if not number:
            return None
        batch = Batch.objects.filter(number=number).first()
        if batch is None:
            raise forms.ValidationError(f"批次号“{number}”不存在")
        return batch

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("统计期间的开始日期不能晚于结束日期")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            batch=data.get("batch"),
            business_type=data.get("business_type"),
            branch=data.get("branch"),
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (``request.FILES.getlist``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class MeasureForm(forms.Form):
    """新建/修改管理措施. The customer and the source links are fixed by the page that
    opened the form (a task, a record, a follow-up, a compliance finding)."""

    measure_type = forms.ModelChoiceField(label="措施类型", queryset=MeasureType.objects.none())
    reason = forms.CharField(label="措施原因", widget=forms.Textarea(attrs={"rows": 3}))
    responsible = forms.ModelChoiceField(
        label="负责人", queryset=User.objects.none(), required=False
    )
    due_date = forms.DateField(
        label="完成期限", required=False, validators=[within_dates], widget=DateInput()
    )
    result = forms.CharField(
        label="执行结果", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachments = MultipleFileField(label="附件")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure_type"].queryset = MeasureType.objects.filter(is_active=True)
        people = User.objects.filter(is_active=True).exclude(role=Role.AUDITOR)  # read-only
        if user is not None:
            people = people.restrict(user, "view")
        self.fields["responsible"].queryset = people.order_by("full_name", "username")
        self.fields["responsible"].label_from_instance = lambda u: u.display_name


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=MeasureStatus.choices)
    result = forms.CharField(
        label="执行结果", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeasureTypeForm(forms.ModelForm):
    class Meta:
        model = MeasureType
        fields = ["name", "is_active", "sort_order"]
