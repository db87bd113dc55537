"""What an evidence package covers: one customer, one batch, or a branch (with the
branches under it) over a period of task creation dates.

Each scope becomes the set of callback tasks it covers (:meth:`Scope.tasks`), narrowed to
what the actor may see; every section starts from those tasks. :func:`resolve` reads a
request (the command's options, the page's form) and raises :class:`ScopeError` with the
Chinese reason when it cannot be served.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from huifang.callbacks.models import Batch, CallbackTask, TaskBatch
from huifang.core.permissions import scoped
from huifang.core.scoping import in_subtree
from huifang.customers.models import Customer
from huifang.org.models import Branch


class ScopeError(ValueError):
    """A request for a package that cannot be made; the message is Chinese."""


@dataclass(frozen=True)
class Scope:
    customer: Customer | None = None
    batch: Batch | None = None
    branch: Branch | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None

    @property
    def kind(self) -> str:
        if self.customer is not None:
            return "customer"
        if self.batch is not None:
            return "batch"
        return "branch"

    @property
    def anchor(self):
        """The object the package is about (its audit row's object)."""
        return self.customer or self.batch or self.branch

    def describe(self) -> str:
        """The scope in words, as the cover sheet and the audit row say it."""
        if self.customer is not None:
            return f"客户 {self.customer.investor_code} {self.customer.name}"
        if self.batch is not None:
            return f"批次 {self.batch.number}（{self.batch.business_type.name}）"
        return (
            f"部门 {self.branch.code} {self.branch.name}（含下级部门），"
            f"任务创建日期 {self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"
        )

    def file_stem(self) -> str:
        """A file name without its ending: ``证据包_客户0300000001_20260316``."""
        today = f"{timezone.localdate():%Y%m%d}"
        if self.customer is not None:
            return f"证据包_客户{self.customer.investor_code}_{today}"
        if self.batch is not None:
            return f"证据包_批次{self.batch.number}_{today}"
        return f"证据包_部门{self.branch.code}_{self.start:%Y%m%d}-{self.end:%Y%m%d}_{today}"

    def as_params(self) -> dict:
        """The scope as codes (a job's parameters, the page's query string)."""
        return {
            "customer": self.customer.investor_code if self.customer else None,
            "batch": self.batch.number if self.batch else None,
            "branch": self.branch.code if self.branch else None,
            "start": self.start,
            "end": self.end,
        }

    def tasks(self, actor) -> QuerySet[CallbackTask]:
        """The callback tasks the package covers, within ``actor``'s scope: the customer's;
        every task the batch created or merged its reasons into; the tasks of the branch's
        subtree created in the period."""
        tasks = scoped(actor, CallbackTask.objects.all(), "view")
        if self.customer is not None:
            return tasks.filter(customer=self.customer)
        if self.batch is not None:
            return tasks.filter(pk__in=TaskBatch.objects.filter(batch=self.batch).values("task_id"))
        start, end = day_bounds(self.start, self.end)
        return in_subtree(tasks, "branch", self.branch).filter(
            created_at__gte=start, created_at__lt=end
        )


def day_bounds(start: datetime.date, end: datetime.date) -> tuple:
    """[start 00:00, the day after end 00:00) in Beijing, as aware datetimes."""
    zone = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
    return first, after.replace(tzinfo=zone)


NO_SCOPE = "请指定客户（投资者代码）、批次号，或部门及起止日期中的一项"


def resolve(
    *,
    customer: str | None = None,
    batch: str | None = None,
    branch: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Scope:
    """The scope a request names by codes (投资者代码, 批次号, 部门代码 + dates)."""
    customer, batch, branch = (_text(customer), _text(batch), _text(branch))
    named = [x for x in (customer, batch, branch) if x]
    if not named:
        raise ScopeError(NO_SCOPE)
    if len(named) > 1:
        raise ScopeError("客户、批次、部门只能指定其中一项")
    if not branch and (start or end):
        raise ScopeError("起止日期只用于按部门生成证据包")
    if customer:
        found = Customer.objects.filter(investor_code=customer).select_related("branch").first()
        if found is None:
            raise ScopeError(f"投资者代码“{customer}”不存在")
        return Scope(customer=found)
    if batch:
        found = Batch.objects.filter(number=batch).select_related("business_type", "run").first()
        if found is None:
            raise ScopeError(f"批次号“{batch}”不存在")
        return Scope(batch=found)
    found = Branch.objects.filter(code=branch).first()
    if found is None:
        raise ScopeError(f"部门代码“{branch}”不存在")
    if start is None or end is None:
        raise ScopeError("按部门生成证据包须指定起始日期和结束日期")
    if start > end:
        raise ScopeError("起始日期不能晚于结束日期")
    return Scope(branch=found, start=start, end=end)


def _text(value) -> str:
    return (value or "").strip()
