"""Forms of 汇总统计 and 管理措施."""

from __future__ import annotations

from django import forms

from huifang.callbacks.models import Batch, BusinessType
from huifang.core.filtersets import within_dates
from huifang.core.widgets import DateInput
from huifang.org.models import Branch
from huifang.reports.figures import Filters


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
        label="回访业务类型", queryset=BusinessType.objects.all(), required=False
    )
    branch = forms.ModelChoiceField(label="部门", queryset=Branch.objects.none(), required=False)

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
