import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html

from huifang.core.audit import action_label
from huifang.core.audit_display import EventView, Names, describe, source_label, type_label
from huifang.core.columns import DateTimeColumn, UserColumn
from huifang.core.jobs import kind_label
from huifang.core.models import AuditEvent, Job


class AuditEventTable(tables.Table):
    """The audit log in Chinese: action, object type, source and each field's before → after
    as the pages show them (:mod:`huifang.core.audit_display`), the stored JSON a click
    away; exports carry the same text plus the JSON."""

    time = DateTimeColumn(format="Y-m-d H:i:s")
    user = UserColumn("user", verbose_name="操作人", default="—")
    changes = tables.Column(verbose_name="变更内容", accessor="pk", orderable=False)
    raw = tables.Column(verbose_name="原始数据（JSON）", accessor="pk", orderable=False)
    message = tables.Column(attrs={"td": {"class": "audit-message"}})
    # What fits a 1366-px screen; 来源, 原始数据 and IP are under 显示列 (and exported).
    # Without the 原始数据 column the JSON opens under each row's changes instead.
    default_columns = ("time", "user", "action", "object_type", "object_repr", "changes", "message")

    class Meta:
        model = AuditEvent
        fields = [
            "time",
            "user",
            "actor_label",
            "action",
            "object_type",
            "object_repr",
            "changes",
            "raw",
            "message",
            "ip",
        ]
        order_by = "-time"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._names = Names()
        self._views: dict[int, EventView] = {}

    def view_of(self, event: AuditEvent) -> EventView:
        if event.pk not in self._views:
            self._views[event.pk] = describe(event, self._names)
        return self._views[event.pk]

    def render_action(self, value: str) -> str:
        return action_label(value)

    def value_action(self, value: str) -> str:
        return action_label(value)

    def render_actor_label(self, value: str) -> str:
        return source_label(value)

    def value_actor_label(self, value: str) -> str:
        return source_label(value)

    def render_object_type(self, value: str) -> str:
        return type_label(value)

    def value_object_type(self, value: str) -> str:
        return type_label(value)

    def render_changes(self, record: AuditEvent) -> str:
        view = self.view_of(record)
        if not view.changes and not view.has_raw:
            return "—"
        # Where the raw JSON has its own column it is not repeated under the changes.
        hide_raw = "raw" not in self.exclude
        return render_to_string("core/_audit_changes.html", {"view": view, "hide_raw": hide_raw})

    def value_changes(self, record: AuditEvent) -> str:
        return self.view_of(record).changes_text()

    def render_raw(self, record: AuditEvent) -> str:
        view = self.view_of(record)
        if not view.has_raw:
            return "—"
        return format_html(
            '<details class="audit-raw"><summary class="text-secondary small">查看</summary>'
            '<pre class="small mb-0 audit-json">{}</pre></details>',
            view.raw,
        )

    def value_raw(self, record: AuditEvent) -> str:
        view = self.view_of(record)
        return view.raw if view.has_raw else ""


class JobTable(tables.Table):
    title = tables.LinkColumn("core:job_detail", args=[tables.A("pk")])
    kind = tables.Column(verbose_name="类型")
    created_at = DateTimeColumn(format="Y-m-d H:i:s")
    finished_at = DateTimeColumn(format="Y-m-d H:i:s")
    created_by = UserColumn("created_by", verbose_name="发起人")

    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "done",
            "total",
            "created_by",
            "created_at",
            "finished_at",
        ]
        order_by = "-created_at"

    def render_kind(self, value: str) -> str:
        return kind_label(value)

    def render_status(self, record: Job):
        """The status as a badge: 已拒绝 (the input refused) a warning, 失败 a danger."""
        return format_html(
            '<span class="badge bg-{}-lt" data-job-status="{}">{}</span>',
            record.status_tone,
            "rejected" if record.is_rejected else record.status,
            record.status_label,
        )

    def value_status(self, record: Job) -> str:
        return record.status_label

    def value_kind(self, value: str) -> str:
        return kind_label(value)
