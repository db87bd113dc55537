"""The audit log's codes as the pages say them: ``{{ event.action|action_label }}``
(measure_status → 修改措施状态), ``{{ event.actor_label|source_label }}`` (web → 网页,
command:demo → 命令行（演示数据）), ``{{ job.kind|job_kind }}`` (callbacks.create_batch → 加入回访名单)."""

from django import template

from huifang.core import audit, audit_display, jobs

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return audit.action_label(code)


@register.filter
def source_label(label: str) -> str:
    return audit_display.source_label(label)


@register.filter
def job_kind(kind: str) -> str:
    return jobs.kind_label(kind)
