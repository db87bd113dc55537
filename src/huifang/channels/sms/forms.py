from __future__ import annotations

from django import forms

from huifang.channels.sms.models import SmsTemplate
from huifang.channels.sms.rendering import VARIABLES


class TemplateForm(forms.ModelForm):
    class Meta:
        model = SmsTemplate
        fields = [
            "code",
            "name",
            "signature",
            "text",
            "enabled",
            "aliyun_template_code",
            "aliyun_params",
            "tencent_template_id",
            "tencent_params",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"text": "可用变量：" + "、".join("{" + v + "}" for v in VARIABLES)}


class OptOutForm(forms.Form):
    mobile = forms.CharField(label="手机号", max_length=20)
    reason = forms.CharField(label="原因", max_length=200, required=False)
