"""Forms of the record pages: they parse input; the rules live in ``services.clean_content``
so that pages, the API and any import refuse the same things with the same words."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from huifang.callbacks.records import services
from huifang.callbacks.records.choices import Method, RecordStatus
from huifang.callbacks.records.models import CallbackRecord, FailureReason
from huifang.core.masking import is_masked, mask_address, mask_phone
from huifang.core.widgets import DATETIME_LOCAL_INPUTS, DateInput, DateTimeLocalInput

# Service field → form field, to show a service's refusal next to the right input.
FIELD_FOR = {"called_at": "called_date", "duration_seconds": "duration"}
# The contact fields a form shows masked, as every page does (PIPL): the mask sent back
# unchanged keeps the stored value, a new value replaces it.
MASKED = {"mobile_used": mask_phone, "phone_used": mask_phone, "address": mask_address}


def _text(label: str, max_length: int, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", **attrs}),
    )


class ReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FailureReason) -> str:
        return obj.name if obj.is_active else f"{obj.name}（已停用）"


class RecordForm(forms.Form):
    """回访服务记录维护: the record's own fields (the customer's facts are shown read-only)."""

    status = forms.ChoiceField(
        label="回访状态",
        choices=RecordStatus.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    failure_reason = ReasonChoiceField(
        label="失败原因",
        queryset=FailureReason.objects.none(),
        required=False,
        empty_label="请选择",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    method = forms.ChoiceField(
        label="回访形式",
        choices=[("", "请选择"), *Method.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    called_date = forms.DateField(
        label="回访日期", widget=DateInput(attrs={"class": "form-control"})
    )
    called_time = forms.TimeField(
        label="回访时间",
        widget=forms.TimeInput(attrs={"type": "time", "step": "1", "class": "form-control"}),
    )
    duration = forms.CharField(
        label="回访时长",
        required=False,
        max_length=12,
        help_text="秒数或“分:秒”，例如 95 或 01:35；不知道时留空",
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "00:00"}),
    )
    mobile_used = _text("手机号", 20, inputmode="tel")
    phone_used = _text("联系电话", 40, inputmode="tel")
    channel_source = _text("渠道来源", 50)
    address = _text("客户联系地址", 300)
    tags = _text("客户标签", 200, placeholder="多个标签用逗号分隔")
    appointment_at = forms.DateTimeField(
        label="改约时间",
        required=False,
        input_formats=DATETIME_LOCAL_INPUTS,
        help_text="失败原因为“客户要求改约”时必填：与客户约定的回访时间",
        widget=DateTimeLocalInput(attrs={"class": "form-control"}),
    )
    remark = forms.CharField(
        label="备注",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    attachment = forms.FileField(
        label="附件",
        required=False,
        help_text="如扫描的线下问卷（不超过 20 MB），保存时计算 SHA-256",
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )
    recording_reference = _text("录音引用", 300, placeholder="录音系统中的编号或地址")
    recording_sha256 = _text("录音 SHA-256", 64)

    def __init__(
        self, *args, record: CallbackRecord | None = None, known: dict | None = None, **kwargs
    ):
        """``known``: the full values of the masked fields the form was shown with (a
        record's own by default; a new record's address comes from its customer)."""
        super().__init__(*args, **kwargs)
        if known is None and record is not None:
            known = {name: getattr(record, name) for name in MASKED}
        self.known = known or {}
        reasons = FailureReason.objects.filter(is_active=True)
        if record is not None and record.failure_reason_id:
            reasons = FailureReason.objects.filter(is_active=True) | FailureReason.objects.filter(
                pk=record.failure_reason_id
            )
        self.fields["failure_reason"].queryset = reasons.order_by("sort_order", "name")

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > services.MAX_ATTACHMENT_BYTES:
            raise ValidationError("附件不能超过 20 MB")
        return upload

    def clean_recording_sha256(self) -> str:
        value = (self.cleaned_data.get("recording_sha256") or "").strip().lower()
        if value and not services.SHA256.match(value):
            raise ValidationError("录音的 SHA-256 应为 64 位十六进制字符（0-9、a-f）")
        return value

    def _unmasked(self, name: str) -> str:
        """The submitted ``name``: the stored value when its mask came back unchanged."""
        value = (self.cleaned_data.get(name) or "").strip()
        stored = self.known.get(name) or ""
        if stored and value == MASKED[name](stored):
            return stored
        return value

    def clean(self):
        data = super().clean()
        for name in MASKED:
            if name in data and is_masked(self._unmasked(name)):
                self.add_error(
                    name, "请填写完整的内容（带 * 的是隐去部分的原值，不能修改其中一部分）"
                )
        if data.get("recording_sha256") and not (data.get("recording_reference") or "").strip():
            self.add_error("recording_reference", "填写了录音 SHA-256 时请同时填写录音引用")
        if self.errors:
            # Some inputs did not parse, so the service will not see this form: say now what
            # its rules say of the rest (a bad 手机号 beside a missing 回访状态), not one
            # save later.
            try:
                services.clean_content(self.content())
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    name = FIELD_FOR.get(field, field)
                    if name in self.fields and name not in self.errors:
                        self.add_error(name, messages)
        return data

    def content(self) -> dict:
        """The cleaned input in the service's terms (``called_at`` aware, in Asia/Shanghai);
        of a form with errors, what did parse (the rest None)."""
        data = self.cleaned_data
        day, time = data.get("called_date"), data.get("called_time")
        called_at = (
            timezone.make_aware(datetime.datetime.combine(day, time)) if day and time else None
        )
        appointment = data.get("appointment_at")
        return {
            "status": data.get("status"),
            "failure_reason": data.get("failure_reason"),
            "method": data.get("method"),
            "called_at": called_at,
            "duration_seconds": data.get("duration") or None,
            "channel_source": data.get("channel_source", ""),
            "mobile_used": self._unmasked("mobile_used"),
            "phone_used": self._unmasked("phone_used"),
            "address": self._unmasked("address"),
            "tags": data.get("tags", ""),
            "remark": data.get("remark", ""),
            "appointment_at": appointment,
        }

    def attachments(self) -> list[services.AttachmentInput]:
        data = self.cleaned_data
        items = []
        if data.get("attachment"):
            items.append(services.AttachmentInput(file=data["attachment"]))
        if data.get("recording_reference"):
            items.append(
                services.AttachmentInput(
                    reference=data["recording_reference"], sha256=data.get("recording_sha256", "")
                )
            )
        return items

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's refusal on the form, each message next to its input."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for field, messages in exc.message_dict.items():
            name = FIELD_FOR.get(field, field)
            self.add_error(name if name in self.fields else None, messages)


class CreateRecordForm(RecordForm):
    expected_attempts = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    feedback = forms.CharField(
        label="反馈营业部",
        required=False,
        help_text="填写后通知营业部负责人（如客户投诉、异常回答、需营业部跟进的事项）",
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class EditRecordForm(RecordForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    change_reason = forms.CharField(
        label="修改说明",
        max_length=200,
        help_text="记入修改历史",
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    @staticmethod
    def initial_for(record: CallbackRecord) -> dict:
        local = timezone.localtime(record.called_at)
        return {
            "status": record.status,
            "failure_reason": record.failure_reason_id,
            "method": record.method,
            "called_date": local.date(),
            "called_time": local.time().replace(microsecond=0),
            "duration": "" if record.duration_seconds is None else str(record.duration_seconds),
            "mobile_used": mask_phone(record.mobile_used),
            "phone_used": mask_phone(record.phone_used),
            "channel_source": record.channel_source,
            "address": mask_address(record.address),
            "tags": record.tags,
            "appointment_at": (
                timezone.localtime(record.appointment_at) if record.appointment_at else None
            ),
            "remark": record.remark,
            "version": record.version,
        }


class FeedbackForm(forms.Form):
    message = forms.CharField(
        label="反馈内容", widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )


class CloseUnreachableForm(forms.Form):
    reason = forms.CharField(
        label="关闭说明",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class FailureReasonForm(forms.ModelForm):
    class Meta:
        model = FailureReason
        fields = services.REASON_FIELDS
