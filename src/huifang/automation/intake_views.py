"""The 自动导入 page: read-only. The drop folders (from ``HUIFANG_INTAKE_DIR``) with what
waits in each and its last run, and every run below, filterable and exportable."""

from __future__ import annotations

from django.conf import settings

from huifang.automation import intake
from huifang.automation.filtersets import IntakeRunFilterSet
from huifang.automation.models import IntakeRun
from huifang.automation.tables import IntakeRunTable
from huifang.core.views import ObjectListView


class IntakeListView(ObjectListView):
    model = IntakeRun
    queryset = IntakeRun.objects.select_related("import_record")
    filterset_class = IntakeRunFilterSet
    table_class = IntakeRunTable
    template_name = "automation/intake.html"
    title = "自动导入"
    export_name = "intake"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intake_root"] = intake.root()
        context["intake_folders"] = intake.folders()
        context["settle_seconds"] = getattr(settings, "INTAKE_SETTLE_SECONDS", 60)
        return context
