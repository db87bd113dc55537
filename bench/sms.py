"""SMS speed: queue N messages in one bulk send, then the file provider's send rate.

    PYTHONPATH=src python bench/sms.py [--customers 100000]

Uses a fresh SQLite database in a temporary data dir (nothing else is touched): creates
N customers with valid mobiles and one open task each, times ``do_queue`` over all of
them (target: 100,000 in ≤ 30 s), then times ``sending.drain`` with the ``file``
provider (target: ≥ 1,000 messages/s).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="huifang-sms-bench-")
    os.environ.update(
        HUIFANG_DATA_DIR=data,
        HUIFANG_SMS_SEND_HOURS="00:00-24:00",
        HUIFANG_SMS_DAILY_QUOTA=str(args.customers * 2),
        HUIFANG_TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend",
        DJANGO_SETTINGS_MODULE="huifang.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.utils import timezone

    from huifang.callbacks.models import Batch, BusinessType, CallbackTask
    from huifang.channels.sms import sending, services
    from huifang.channels.sms.models import SmsMessage
    from huifang.customers.models import Customer
    from huifang.org.services import do_save_branch
    from huifang.rules.models import ScreeningRun

    n = args.customers
    hq, _ = do_save_branch(code="01", name="总部", parent=None)
    branch, _ = do_save_branch(code="0101", name="期货北京营业部", parent=hq)
    started = time.perf_counter()
    Customer.objects.bulk_create(
        [
            Customer(
                investor_code=f"8{i:09d}",
                name=f"客户{i}",
                customer_type="individual",
                open_date=datetime.date(2020, 1, 1),
                branch=branch,
                mobile=f"138{i:08d}",
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    business_type = BusinessType.objects.create(name="短信压测")
    run = ScreeningRun.objects.create(as_of=datetime.date(2025, 12, 31), status="frozen")
    batch = Batch.objects.create(
        number="9999999999", run=run, business_type=business_type, as_of=run.as_of
    )
    ids = Customer.objects.values_list("pk", flat=True)
    CallbackTask.objects.bulk_create(
        [
            CallbackTask(
                customer_id=pk,
                branch=branch,
                business_type=business_type,
                batch=batch,
                rule_codes=",A001,",
                reasons="压测",
                deadline=datetime.date(2026, 1, 31),
            )
            for pk in ids
        ],
        batch_size=5000,
    )
    print(f"setup: {n} customers and tasks in {time.perf_counter() - started:.1f} s")
    template = services.do_save_template(
        None,
        {
            "code": "BENCH",
            "name": "压测",
            "signature": "【惠访期货】",
            "text": "{客户名称}您好，{营业部}将于{回访截止日期}前回访，请留意来电。",
        },
    )
    started = time.perf_counter()
    result = services.do_queue(CallbackTask.objects.all(), template)
    queued_s = time.perf_counter() - started
    print(f"queue: {result.summary()} in {queued_s:.1f} s ({result.queued / queued_s:,.0f}/s)")
    started = time.perf_counter()
    sent = 0
    now = timezone.now()
    while True:
        tried = sending.drain(now=now)
        if not tried:
            break
        sent += tried
    drain_s = time.perf_counter() - started
    ok = SmsMessage.objects.filter(status="sent").count()
    print(
        f"send (file provider): {sent} tried, {ok} sent in {drain_s:.1f} s ({sent / drain_s:,.0f}/s)"
    )
    print(f"data dir: {data}")


if __name__ == "__main__":
    sys.exit(main())
