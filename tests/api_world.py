"""A small world for the API's persona matrix and fuzzing: one of each object in branch
010101 (北京营业部), built through the services where they exist."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.callbacks.conftest import make_customer, make_run


def build(personas: dict, branches: dict) -> dict:
    from huifang.callbacks import services as callbacks
    from huifang.callbacks.models import BusinessType, CallbackTask
    from huifang.callbacks.records import services as records
    from huifang.core.models import Job
    from huifang.customers.importers import import_rows

    hq = personas["hq_admin"]
    customer = make_customer(branches["a1"], mobile="13812345678", id_number="110101195001011234")
    run = make_run({customer: ["A001"]})
    business_type, _ = BusinessType.objects.get_or_create(
        name="新开户回访", defaults={"max_unanswered_attempts": 3}
    )
    batch = callbacks.do_create_batch(run, business_type, actor=hq).batch
    task = CallbackTask.objects.get(batch=batch)
    callbacks.do_assign([task.pk], personas["agent_a"], actor=hq)
    record = records.do_create_record(
        task,
        {
            "status": "success",
            "failure_reason": None,
            "method": "phone",
            "called_at": timezone.now() - datetime.timedelta(hours=1),
            "duration_seconds": "01:35",
            "mobile_used": "13812345678",
            "remark": "",
        },
        actor=personas["agent_a"],
    )
    feedback = records.do_feedback(task, "客户投诉手续费", actor=personas["agent_a"], record=record)
    imported = import_rows(
        "branches",
        [{"部门代码": "010101", "部门名称": "期货北京营业部", "上级部门代码": "0101"}],
        actor=hq,
    )
    job = Job.objects.create(kind="customers.import", title="导入客户", created_by=hq)
    return {
        "import": imported.record,
        "job": job,
        "customer": customer,
        "run": run,
        "batch": batch,
        "task": task,
        "record": record,
        "feedback": feedback,
        # Path parameters that are names from a fixed list, not objects of a list.
        "enums": {"dataset": "customers"},
    }
