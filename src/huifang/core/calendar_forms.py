"""Forms of the trading-day calendar pages."""

from __future__ import annotations

import datetime

from django import forms

from huifang.core.calendar import MAX_YEAR, MIN_YEAR


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", attrs={"class": "form-control"}, **kwargs)


class YearForm(forms.Form):
    year = forms.IntegerField(
        label="年份",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        widget=forms.NumberInput(attrs={"class": "form-control", "placeholder": "如 2027"}),
    )


class HolidayForm(forms.Form):
    date = forms.DateField(label="日期", widget=DateInput())
    name = forms.CharField(
        label="名称",
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "如 春节"}),
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_date(self) -> datetime.date:
        day = self.cleaned_data["date"]
        if day.year != self.year:
            raise forms.ValidationError(f"日期必须在 {self.year} 年内")
        return day


class DeadlineCheckForm(forms.Form):
    """Try the calendar: the n-th trading day after a date."""

    start = forms.DateField(label="起始日", widget=DateInput())
    days = forms.IntegerField(
        label="交易日数",
        min_value=0,
        max_value=500,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )


class ScheduleImportForm(forms.Form):
    """A year's official schedule as a file (format: ``huifang.core.calendar_files``)."""

    year = forms.IntegerField(
        label="年份",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        widget=forms.NumberInput(attrs={"class": "form-control", "placeholder": "如 2027"}),
    )
    file = forms.FileField(
        label="节假日安排文件",
        help_text="CSV 或 XLSX，列：日期、类型（放假/上班）、名称",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx"}),
        error_messages={"required": "请选择文件"},
    )
