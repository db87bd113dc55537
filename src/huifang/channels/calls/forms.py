from __future__ import annotations

from django import forms

from huifang.callbacks.records.models import FailureReason
from huifang.channels.calls.models import ResultMapping


class MappingForm(forms.ModelForm):
    class Meta:
        model = ResultMapping
        fields = [
            "action",
            "status",
            "failure_reason",
            "ivr_required",
            "ivr_question",
            "ivr_answer",
        ]
        help_texts = {
            "ivr_required": "仅对“接通”有效：客户按键确认后才自动登记为成功",
            "ivr_question": "外呼平台回传的 ivr 中的问题标识，如 confirm",
            "ivr_answer": "表示确认的按键，如 1",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["failure_reason"].queryset = FailureReason.objects.filter(is_active=True)
        self.fields["status"].required = False


class CallImportForm(forms.Form):
    file = forms.FileField(
        label="外呼结果文件",
        help_text="CSV 或 XLSX，列：呼叫ID, 外呼任务ID, 拨打时间, 拨打时长, 拨打次数, 拨打结果, 坐席, 录音地址, 录音SHA256",
    )
