"""Building blocks every app uses: the audit log and background jobs."""

from __future__ import annotations

from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.core.fields import user_reference
from huifang.core.prepared import Insert
from huifang.core.scoping import RestrictedQuerySet

UPDATE_REFUSED = "审计日志只能追加，不能修改"
DELETE_REFUSED = "审计日志只能追加，不能删除"


class AppendOnlyQuerySet(RestrictedQuerySet):
    """Refuses every way the ORM changes or removes rows, its private ones included
    (``_update`` is what ``save()`` and ``bulk_update`` reach, ``_raw_delete`` what the
    deletion collector uses). The database refuses the rest: triggers on the audit table
    (migration 0008) stop raw SQL's UPDATE and DELETE (and TRUNCATE on PostgreSQL)."""

    def update(self, **kwargs):
        raise PermissionError(UPDATE_REFUSED)

    def _update(self, values):
        # A raw save of a row with its id (restoring serialized rows) tries an UPDATE
        # first and inserts when it matched nothing: refuse only what would change a row.
        if self.exists():
            raise PermissionError(UPDATE_REFUSED)
        return 0

    def delete(self):
        raise PermissionError(DELETE_REFUSED)

    def _raw_delete(self, using):
        raise PermissionError(DELETE_REFUSED)


class AuditEvent(models.Model):
    """One row per change, login, export or reveal: who, when, what, before and after.

    Append-only: the model refuses updates and deletes; business records are kept for
    20 years (《期货和衍生品法》第117条).
    """

    time = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # (user, time) and (object_type, object_id) serve lookups by user and by type: no
    # single-column indexes beside them (an import writes a million rows here).
    user = user_reference(_("操作人"), db_index=False)
    actor_label = models.CharField(_("来源"), max_length=64, default="system")
    request_id = models.CharField(_("请求编号"), max_length=32, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    action = models.CharField(_("动作"), max_length=32, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-time", "-id"]
        # Django's plain base manager (related lookups, ``_base_manager``) is the
        # append-only one too.
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["user", "time"]),
        ]

    def __str__(self) -> str:
        from huifang.core.audit import action_label

        local = timezone.localtime(self.time)
        return f"{local:%Y-%m-%d %H:%M:%S} {action_label(self.action)} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(UPDATE_REFUSED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(DELETE_REFUSED)


# The audit log's one writer (``core.audit.record``) inserts with the INSERT compiled once.
AUDIT_INSERT = Insert(AuditEvent)


class AuditSeal(models.Model):
    """The hash chain over the audit log (``core.audit_chain``): the ``seq``-th sealed row
    and the SHA-256 of the previous seal's digest and that row's content. Appended by the
    sealer (``huifang audit seal``, ``huifang audit verify``); ``huifang audit verify`` recomputes it.
    ``event`` is a plain id (no foreign key): a row deleted behind the database's back
    leaves its seal, which then names it."""

    seq = models.BigAutoField(primary_key=True)
    event_id = models.BigIntegerField(_("审计日志编号"), unique=True)
    digest = models.CharField(_("摘要"), max_length=64)
    sealed_at = models.DateTimeField(_("封存时间"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志封存")
        verbose_name_plural = _("审计日志封存")
        base_manager_name = "objects"
        default_permissions = ()

    def __str__(self) -> str:
        return f"封存 #{self.seq}（审计日志 #{self.event_id}）"


# A failed job whose input was refused (an import with invalid rows, nothing written): it is
# stored ``failed`` with ``result.rejected`` (the API's ``rejected: true``, so that a script
# waiting for ``failed`` still stops) and shown as 已拒绝, apart from real failures.
REJECTED_LABEL = "已拒绝"


class JobQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        """Everyone sees their own jobs; HQ and auditors see all of them."""
        queryset = super().restrict(user, action)
        if user.is_authenticated and not user.has_perm("core.view_all_jobs"):
            queryset = queryset.filter(created_by=user)
        return queryset

    def rejected(self):
        """Failed because the input was refused (:attr:`Job.is_rejected`)."""
        return self.filter(status=Job.Status.FAILED, result__rejected=True)

    def failed_not_rejected(self):
        """Real failures: an error, a refusal by a service, a process that died."""
        return self.filter(status=Job.Status.FAILED).exclude(pk__in=self.rejected().values("pk"))


class Job(models.Model):
    """A long operation run by the task worker, with progress the pages can show."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=64, db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    done = models.BigIntegerField(_("已完成"), default=0)
    total = models.BigIntegerField(_("总数"), null=True, blank=True)
    message = models.CharField(_("当前步骤"), max_length=200, blank=True)
    log = models.TextField(_("日志"), blank=True)
    error = models.TextField(_("错误"), blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    result_file = models.CharField(_("结果文件"), max_length=300, blank=True)
    created_by = user_reference(_("发起人"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The process running it (core.liveness.mark): a job whose process died is failed.
    runner = models.CharField(_("执行进程"), max_length=120, blank=True, editable=False)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        permissions = [("view_all_jobs", "可查看所有人的后台任务")]

    def __str__(self) -> str:
        return self.title

    @property
    def progress_key(self) -> str:
        return f"huifang:job:{self.pk}:progress"

    def live_progress(self) -> dict:
        """Progress from the cache while running (the row is written only at the end)."""
        live = cache.get(self.progress_key) if self.status == self.Status.RUNNING else None
        if live:
            return live
        return {"done": self.done, "total": self.total, "message": self.message}

    @property
    def is_rejected(self) -> bool:
        """Failed because its input was refused (an import with invalid rows)."""
        return self.status == self.Status.FAILED and bool((self.result or {}).get("rejected"))

    @property
    def status_label(self) -> str:
        return REJECTED_LABEL if self.is_rejected else str(self.get_status_display())

    @property
    def status_tone(self) -> str:
        """Tabler's colour for the status: a refused input is a warning (fix the file and
        import again), a failure (an error, a dead process) is a danger."""
        if self.is_rejected:
            return "yellow"
        return {self.Status.FAILED: "red", self.Status.SUCCEEDED: "green"}.get(self.status, "blue")

    @property
    def error_message(self) -> str:
        """What the user reads: the error's first line (a rejection's or refusal's reason, or
        内部错误：… for a bug)."""
        return self.error.partition("\n")[0]

    @property
    def error_detail(self) -> str:
        """The rest of the error (a bug's traceback, for whoever investigates it)."""
        return self.error.partition("\n")[2].strip()

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    def percent(self) -> int:
        progress = self.live_progress()
        if self.status == self.Status.SUCCEEDED:
            return 100
        total = progress.get("total") or 0
        if not total:
            return 0
        # A running job is never shown complete: writing follows the rows read.
        return min(100 if self.is_finished else 99, int(progress["done"] * 100 / total))


class CalendarYear(models.Model):
    """One calendar year of the trading-day calendar.

    A deadline that falls into a year uses its holidays only when the year is marked
    complete (``is_complete``); otherwise the provisional calendar of
    :mod:`huifang.core.calendar` applies and the deadline is marked 暂定. Seeding from
    chinesecalendar creates the year complete; HQ adds later years by importing the official
    schedule (``huifang calendar import``) or by hand.
    """

    class Source(models.TextChoices):
        CHINESECALENDAR = "chinesecalendar", _("节假日库导入")
        MANUAL = "manual", _("手工维护")
        IMPORT = "import", _("官方安排文件导入")

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    is_complete = models.BooleanField(_("已维护完成"), default=False)
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("交易日历")
        verbose_name_plural = _("交易日历")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年交易日历"


class CalendarHoliday(models.Model):
    """A day on which the futures exchanges are closed although it may be a weekday.

    Weekends are never trading days and need no row; make-up working days (调休) are
    weekends, so they stay closed for the exchanges.
    """

    calendar_year = models.ForeignKey(
        CalendarYear,
        verbose_name=_("年份"),
        on_delete=models.CASCADE,
        related_name="holidays",
    )
    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("名称"), max_length=100)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class MaintainedList(models.Model):
    """A dictionary HQ maintains (business types, failure reasons …): entries are switched
    off, ordered by hand, and remember who changed them last. Subclasses define ``name``."""

    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = user_reference(_("操作员"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name
