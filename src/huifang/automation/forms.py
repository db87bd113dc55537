"""The plan form (rules with their versions, schedule, mode, notify) and the 执行 form."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from huifang.automation.models import CURRENT, Plan, PlanMode, ReferenceKind
from huifang.callbacks.models import BusinessType
from huifang.core.views import style_form
from huifang.core.widgets import DateInput
from huifang.org.models import User
from huifang.rules.models import Rule, RuleVersion

PIN = "@"  # a choice "A002@3" pins version 3 of A002; "A002" follows its current version


def rule_choices(keep: list[dict] | None = None) -> list:
    """One group per rule (the enabled ones, and any the plan already names): its current
    version first, then every saved version to pin."""
    named = {entry["code"] for entry in keep or []}
    rules = [
        r for r in Rule.objects.select_related("current_version") if r.enabled or r.code in named
    ]
    versions: dict[int, list[RuleVersion]] = {}
    for version in RuleVersion.objects.order_by("rule_id", "-number"):
        versions.setdefault(version.rule_id, []).append(version)
    groups = []
    for rule in rules:
        current = rule.current_version.number if rule.current_version else None
        options = [
            (
                rule.code,
                f"{rule.code} 当前版本（执行时的最新参数{f'，现为 v{current}' if current else ''}）",
            )
        ]
        options += [
            (
                f"{rule.code}{PIN}{v.number}",
                f"{rule.code} 固定 v{v.number}（{timezone.localtime(v.created_at):%Y-%m-%d}{'，' + v.note if v.note else ''}）",
            )
            for v in versions.get(rule.pk, [])
        ]
        label = f"{rule.code} {rule.name}{'' if rule.enabled else '（已停用）'}"
        groups.append((label, options))
    return groups


def entries_from_choices(values: list[str]) -> list[dict]:
    entries = []
    for value in values:
        code, _, number = value.partition(PIN)
        entries.append({"code": code, "version": int(number) if number else CURRENT})
    return entries


def choices_from_entries(entries: list[dict]) -> list[str]:
    return [
        e["code"] if e.get("version", CURRENT) == CURRENT else f"{e['code']}{PIN}{e['version']}"
        for e in entries
    ]


class PlanForm(forms.Form):
    name = forms.CharField(label="计划名称", max_length=100)
    rules = forms.MultipleChoiceField(
        label="回访规则",
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="每条规则选一项：“当前版本”按执行时的最新参数；“固定 vN”始终用该版本的参数。按住 Ctrl 多选",
    )
    reference_kind = forms.ChoiceField(label="回访基准日", choices=ReferenceKind.choices)
    fixed_date = forms.DateField(
        label="固定日期", required=False, widget=DateInput(), help_text="仅“固定日期”使用"
    )
    run_time = forms.TimeField(
        label="执行时间",
        initial=datetime.time(20, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="北京时间，在基准日当天的这个时间执行；请晚于客户资金日报的导入时间",
    )
    business_type = forms.ModelChoiceField(
        label="回访业务类型", queryset=BusinessType.objects.filter(is_active=True)
    )
    mode = forms.ChoiceField(
        label="执行方式",
        choices=PlanMode.choices,
        initial=PlanMode.APPROVAL,
        help_text="自动：到时筛选、数据落地并加入回访名单；审核后：到时筛选后停在“待审核”，"
        "总部合规管理员审核通过后数据落地并加入回访名单",
    )
    auto_distribute = forms.BooleanField(
        label="批次生成后自动分配",
        required=False,
        help_text="按各营业部“分配设置”中的分配方式，把新批次的任务分给今天在岗的回访专员"
        "（营业部没有在岗专员时由上级部门的专员承接；都没有的留待手工分配）",
    )
    enabled = forms.BooleanField(label="启用", required=False, initial=True)
    notify = forms.ModelMultipleChoiceField(
        label="通知",
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="执行失败或待审核时以站内消息通知的人员（总部合规管理员都会收到）；"
        "生成批次后也通知这些人员。只列出可以查看回访计划的人员",
    )

    def __init__(self, *args, user, instance: Plan | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "rules": choices_from_entries(instance.rules),
                "reference_kind": instance.reference_kind,
                "fixed_date": instance.fixed_date,
                "run_time": instance.run_time,
                "business_type": instance.business_type_id,
                "mode": instance.mode,
                "enabled": instance.enabled,
                "auto_distribute": instance.auto_distribute,
                "notify": list(instance.notify.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["rules"].choices = rule_choices(instance.rules if instance else None)
        # Only those who may open the plan its messages link to.
        self.fields["notify"].queryset = (
            User.objects.restrict(user, "view")
            .filter(
                is_active=True,
                pk__in=User.objects.with_perm(
                    "automation.view_plan", backend="django.contrib.auth.backends.ModelBackend"
                ),
            )
            .order_by("username")
        )
        if instance is not None:  # a switched-off business type stays selectable for its plans
            self.fields["business_type"].queryset = BusinessType.objects.filter(
                is_active=True
            ) | BusinessType.objects.filter(pk=instance.business_type_id)
        style_form(self)

    def clean(self):
        data = super().clean()
        if data.get("reference_kind") == ReferenceKind.FIXED and not data.get("fixed_date"):
            self.add_error("fixed_date", "请填写固定日期")
        return data

    def plan_data(self) -> dict:
        """What ``services.do_save_plan`` takes."""
        data = dict(self.cleaned_data)
        data["rules"] = entries_from_choices(data["rules"])
        return data


class RunForm(forms.Form):
    on = forms.DateField(label="回访基准日", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        style_form(self)


class IntakeFolderForm(forms.Form):
    """系统管理 → 导入目录, one dataset: the folder and 启用. The path's checks (absolute,
    apart from the other datasets', creatable and writable) are the service's, whose
    errors the view puts on the field."""

    path = forms.CharField(
        label="导入目录",
        max_length=1000,
        required=False,
        help_text="服务器上的绝对路径，例如 /srv/huifang/intake/daily。保存时若目录不存在将自动创建"
        "（连同 processing/、done/、failed/），不能创建或写入的目录不能保存；"
        "每个数据集须使用单独的目录",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    enabled = forms.BooleanField(
        label="启用",
        required=False,
        help_text="停用后不再自动导入该数据集的文件（目录中的文件保留不动）",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
