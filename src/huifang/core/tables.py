import functools
import types

import django_tables2 as tables

from huifang.core.audit import action_label
from huifang.core.columns import DateTimeColumn, UserColumn
from huifang.core.models import AuditEvent, Job


class AuditEventTable(tables.Table):
    time = DateTimeColumn(format="Y-m-d H:i:s")
    user = UserColumn("user", verbose_name="操作人", default="—")

    def render_action(self, value: str) -> str:
        return action_label(value)

    def value_action(self, value: str) -> str:
        return action_label(value)

    class Meta:
        model = AuditEvent
        fields = [
            "time",
            "user",
            "actor_label",
            "action",
            "object_type",
            "object_repr",
            "before",
            "after",
            "message",
            "ip",
        ]
        order_by = "-time"


class JobTable(tables.Table):
    title = tables.LinkColumn("core:job_detail", args=[tables.A("pk")])
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


def cache_cell_signatures() -> None:
    """Compute each render function's signature once instead of once per cell.

    django-tables2 calls ``inspect.signature`` for every cell it renders, to pass a render
    method only the arguments it names: a quarter of a 50-row list page's time. The
    signature of a function never changes, so it is looked up per function (a bound
    method by its function, whatever the table instance)."""
    from django_tables2 import utils

    original = utils.signature
    if getattr(original, "cached", False):
        return

    @functools.lru_cache(maxsize=4096)
    def of_function(fn, bound: bool):
        return original(types.MethodType(fn, object()) if bound else fn)

    def signature(fn):
        func = getattr(fn, "__func__", None)
        try:
            return of_function(func, True) if func is not None else of_function(fn, False)
        except TypeError:  # an unhashable callable: no cache
            return original(fn)

    signature.cached = True
    signature.cache_info = of_function.cache_info
    utils.signature = signature
