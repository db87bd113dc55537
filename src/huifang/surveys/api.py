"""The app hall's (掌厅) signed endpoints, exactly as interfaces.md "App hall" says:

- ``GET  /api/v1/apphall/customers/{investor_code}/invitations``
- ``GET  /api/v1/apphall/invitations/{invitation}``
- ``POST /api/v1/apphall/invitations/{invitation}/responses``
- ``POST /api/v1/apphall/invitations/{invitation}/events``

Only app-hall invitations exist here (an H5 or offline invitation is 404). Responses are
idempotent on ``submission_id`` and events on ``event_id`` (``partners.idempotency.once``);
the answers go through the one write-back (``surveys.writeback``: ``do_submit_apphall``,
the invitation found by its code under its lock inside the idempotency transaction). The
app never sees the ``abnormal`` / ``note`` flags (``version.public_questions()``).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.response import Response as APIResponse

from huifang.callbacks.choices import OPEN_STATUSES
from huifang.callbacks.models import CallbackTask
from huifang.core.prepared import Prepared
from huifang.customers.models import Customer
from huifang.partners.api import PartnerAPIView
from huifang.partners.errors import PartnerError, validation_errors
from huifang.partners.idempotency import once, repeated
from huifang.partners.models import PartnerKind
from huifang.partners.times import partner_time
from huifang.surveys import sending, writeback
from huifang.surveys.choices import OPEN_INVITATION_STATUSES, Channel, InvitationStatus
from huifang.surveys.models import Invitation

MAX_ID = 64
EVENT_SCOPE = "apphall.event"
# Every app-hall request reads it (compiled once per process, core.prepared).
INVITATION_BY_CODE = Prepared(
    lambda code: Invitation.objects.filter(code=code, channel=Channel.APPHALL)[:1], str
)


def _invitation(code: str) -> Invitation:
    """The app-hall invitation ``code``, its expiry brought up to date; 404 if unknown."""
    invitation = INVITATION_BY_CODE.first(code)
    if invitation is None:
        raise PartnerError(404, "not_found", "问卷邀请不存在")
    if invitation.status in OPEN_INVITATION_STATUSES and invitation.expires_at <= timezone.now():
        sending.expire_due(Invitation.objects.filter(pk=invitation.pk))
        invitation.status = InvitationStatus.EXPIRED
    return invitation


def _refuse_closed(invitation: Invitation) -> None:
    """409 answered, 410 expired, or 409 task_closed (the task was closed meanwhile, e.g.
    reached by phone): the answers a submission would get, so the app shows nothing it
    cannot take."""
    if invitation.status == InvitationStatus.ANSWERED:
        raise PartnerError(409, "answered", "该问卷邀请已作答")
    if invitation.is_expired:
        raise PartnerError(410, "expired", "该问卷邀请已过期")
    if not CallbackTask.objects.filter(pk=invitation.task_id, status__in=OPEN_STATUSES).exists():
        closed = writeback.InvitationClosed("task_closed")
        raise PartnerError(closed.status, closed.reason, closed.messages[0])


def _partner_id(body, name: str) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise PartnerError(422, "invalid", f"缺少 {name}", errors={name: [f"请提供 {name}"]})
    value = str(value).strip()
    if len(value) > MAX_ID:
        raise PartnerError(
            422, "invalid", f"{name} 过长", errors={name: [f"{name} 最多 {MAX_ID} 个字符"]}
        )
    return value


def _event_time(value) -> datetime.datetime | None:
    """An event's ``at`` (None when not given); 422 unless it is an ISO 8601 time."""
    if value in (None, ""):
        return None
    try:
        at = parse_datetime(value.strip()) if isinstance(value, str) else None
    except ValueError:  # well formed but no such time (2026-02-30, 25:00)
        at = None
    if at is None:
        raise PartnerError(422, "invalid", "时间格式无效", errors={"at": ["at 应为 ISO 8601 时间"]})
    return timezone.make_aware(at) if timezone.is_naive(at) else at


class CustomerInvitationsView(PartnerAPIView):
    partner_kind = PartnerKind.APPHALL

    def get(self, request, investor_code: str):
        customer = Customer.objects.filter(investor_code=investor_code).only("pk").first()
        if customer is None:
            raise PartnerError(404, "not_found", "投资者代码不存在")
        mine = Invitation.objects.filter(customer=customer, channel=Channel.APPHALL)
        sending.expire_due(mine)
        rows = (
            mine.filter(
                status__in=OPEN_INVITATION_STATUSES,
                expires_at__gt=timezone.now(),
                task__status__in=OPEN_STATUSES,
            )
            .select_related("version", "business_type")
            .order_by("expires_at", "id")
        )
        return APIResponse(
            {
                "results": [
                    {
                        "invitation": row.code,
                        "title": row.version.title,
                        "business_type": row.business_type.name,
                        "expires_at": partner_time(row.expires_at),
                    }
                    for row in rows
                ]
            }
        )


class InvitationView(PartnerAPIView):
    partner_kind = PartnerKind.APPHALL

    def get(self, request, code: str):
        invitation = _invitation(code)
        _refuse_closed(invitation)
        version = invitation.version
        return APIResponse(
            {
                "invitation": invitation.code,
                "investor_code": invitation.customer.investor_code,
                "title": version.title,
                "opening": version.opening,
                "closing": version.closing,
                "expires_at": partner_time(invitation.expires_at),
                "questions": version.public_questions(),
            }
        )


class ResponsesView(PartnerAPIView):
    partner_kind = PartnerKind.APPHALL

    def post(self, request, code: str):
        body = request.data
        if not isinstance(body, dict):
            raise PartnerError(422, "invalid", "请求体应为 JSON 对象")
        submission_id = _partner_id(body, "submission_id")

        def work() -> tuple[int, dict]:
            # The invitation is found by its code inside the transaction, under its lock
            # (one statement with its task, customer and version); a repeat of the
            # submission never gets this far (``once``: the claim fails first).
            try:
                response = writeback.do_submit_apphall(
                    code,
                    {**body, "submission_id": submission_id},
                    actor=self.actor,
                    savepoint=False,  # once()'s transaction rolls back as a whole
                )
            except writeback.InvitationNotFound as exc:
                raise PartnerError(404, "not_found", "问卷邀请不存在") from exc
            except writeback.InvitationClosed as exc:
                raise PartnerError(exc.status, exc.reason, exc.messages[0]) from exc
            except ValidationError as exc:
                raise PartnerError(
                    422, "invalid", "答案不符合问卷要求", errors=validation_errors(exc)
                ) from exc
            return 201, writeback.response_body(response)

        try:
            status, answer = once(self.partner, "apphall.response", submission_id, work)
        except PartnerError as exc:
            if exc.code == "expired":  # marked 已过期 once the refusal is rolled back
                sending.expire_due(Invitation.objects.filter(code=code, channel=Channel.APPHALL))
            raise
        return APIResponse(answer, status=status)


class EventsView(PartnerAPIView):
    partner_kind = PartnerKind.APPHALL

    def post(self, request, code: str):
        body = request.data
        if not isinstance(body, dict):
            raise PartnerError(422, "invalid", "请求体应为 JSON 对象")
        event_id = _partner_id(body, "event_id")
        first = repeated(self.partner, EVENT_SCOPE, event_id)
        if first is not None:  # the same id again: the first answer, whatever the body says
            return APIResponse(first, status=200)
        kind = body.get("type")
        if kind not in sending.EVENT_TYPES:
            raise PartnerError(
                422, "invalid", "事件类型无效", errors={"type": ["type 应为 delivered 或 opened"]}
            )
        at = _event_time(body.get("at"))
        invitation = _invitation(code)

        def work() -> tuple[int, dict]:
            updated = sending.do_record_event(invitation, kind, at, actor=self.actor)
            return 200, {
                "invitation": updated.code,
                "status": updated.get_status_display(),
            }

        _, answer = once(self.partner, EVENT_SCOPE, event_id, work)
        return APIResponse(answer, status=200)


urlpatterns = [
    path(
        "customers/<str:investor_code>/invitations",
        CustomerInvitationsView.as_view(),
        name="apphall_customer_invitations",
    ),
    path("invitations/<str:code>", InvitationView.as_view(), name="apphall_invitation"),
    path("invitations/<str:code>/responses", ResponsesView.as_view(), name="apphall_responses"),
    path("invitations/<str:code>/events", EventsView.as_view(), name="apphall_events"),
]
