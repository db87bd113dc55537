from django import forms

from huifang.partners.models import PartnerKind


class PartnerCreateForm(forms.Form):
    name = forms.CharField(
        label="名称", max_length=100, help_text="如“掌厅”，审计日志以此记录对接方"
    )
    kind = forms.ChoiceField(label="类型", choices=PartnerKind.choices)
    url = forms.CharField(
        label="推送地址",
        max_length=500,
        required=False,
        help_text="慧访向对接方推送（签名 POST）的地址；留空表示不推送",
    )


class PartnerEditForm(forms.Form):
    url = forms.CharField(
        label="推送地址",
        max_length=500,
        required=False,
        help_text="慧访向对接方推送（签名 POST）的地址；留空表示不推送",
    )
    is_enabled = forms.BooleanField(
        label="启用", required=False, help_text="停用后对接方的请求一律答复 403，也不再向其推送"
    )
