"""Forms of the upload page (数据接口 → 数据导入)."""

from django import forms

from huifang.customers.importers import DATASETS


class UploadForm(forms.Form):
    dataset = forms.ChoiceField(
        label="数据集",
        choices=[(name, spec.label) for name, spec in DATASETS.items()],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file = forms.FileField(
        label="文件",
        help_text="CSV（UTF-8 或 GBK 编码）或 XLSX（第一个工作表，第一行为表头）",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx"}),
    )
    skip_invalid = forms.BooleanField(
        label="跳过无效行",
        required=False,
        help_text="默认：有任何无效行则全部不导入。勾选后只导入有效行，其余列入错误报告。",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("文件须为 .csv 或 .xlsx")
        return uploaded


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
