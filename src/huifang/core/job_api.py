"""``/api/v1/jobs/``: background jobs a caller started (an import too large to answer at
once), with their live progress and, once finished, their result. Scoped like the job
pages: one's own jobs; HQ and auditors see all."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from huifang.core.api import ScopedReadOnlyViewSet
from huifang.core.filtersets import JobFilterSet
from huifang.core.models import Job

# A finished import (an upload of more than 5 MB): its result is the import's answer.
JOB_EXAMPLE = {
    "id": 7,
    "kind": "customers.import",
    "title": "导入客户：客户.csv",
    "status": "succeeded",
    "rejected": False,
    "done": 25000,
    "total": 25000,
    "message": "新增 24990，更新 10，未变 0，拒绝 0",
    "error": "",
    "result": {
        "ok": True,
        "record": 44,
        "status": "applied",
        "total": 25000,
        "created": 24990,
        "updated": 10,
        "unchanged": 0,
        "rejected": 0,
        "warnings": [],
        "report": [],
        "error_count": 0,
        "summary": "新增 24990，更新 10，未变 0，拒绝 0",
        "next_url": "/data/imports/44/",
    },
    "created_by": "etl",
    "created_at": "2026-01-05T02:00:00+08:00",
    "started_at": "2026-01-05T02:00:01+08:00",
    "finished_at": "2026-01-05T02:00:09+08:00",
}


@extend_schema_serializer(
    examples=[OpenApiExample("已完成的导入", value=JOB_EXAMPLE, response_only=True)]
)
class JobSerializer(serializers.ModelSerializer):
    rejected = serializers.BooleanField(source="is_rejected", read_only=True)
    done = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "rejected",
            "done",
            "total",
            "message",
            "error",
            "result",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def _live(self, job: Job) -> dict:
        cached = getattr(job, "_live", None)
        if cached is None:
            cached = job._live = job.live_progress()
        return cached

    def get_done(self, job: Job) -> int:
        return self._live(job)["done"]

    def get_total(self, job: Job) -> int | None:
        return self._live(job)["total"]

    def get_message(self, job: Job) -> str:
        return self._live(job)["message"]


class JobViewSet(ScopedReadOnlyViewSet):
    """后台任务（只读）：状态、进度，结束后的结果（如导入的计数与行报告）。"""

    queryset = Job.objects.select_related("created_by")
    serializer_class = JobSerializer
    filterset_class = JobFilterSet


def register(router) -> None:
    router.register("jobs", JobViewSet, basename="job")
