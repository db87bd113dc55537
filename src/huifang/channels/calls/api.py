"""``POST /api/v1/callcenter/calls``: the call platform reports one call attempt (signed,
kind ``callcenter``, idempotent on ``event_id``); see ``interfaces.md``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from rest_framework.response import Response

from huifang.channels.calls import services
from huifang.partners.api import PartnerAPIView, PartnerError
from huifang.partners.errors import validation_errors
from huifang.partners.idempotency import once
from huifang.partners.models import PartnerKind

SCOPE = "calls"


class CallResultView(PartnerAPIView):
    partner_kind = PartnerKind.CALLCENTER

    def post(self, request):
        data = request.data
        event_id = data.get("event_id") if isinstance(data, dict) else None
        if (
            not isinstance(event_id, str | int)
            or isinstance(event_id, bool)
            or not str(event_id).strip()
        ):
            raise PartnerError(422, "invalid", "请求内容不符合要求", {"event_id": ["必填"]})
        if len(str(event_id)) > 200:
            raise PartnerError(
                422, "invalid", "请求内容不符合要求", {"event_id": ["不能超过 200 个字符"]}
            )

        def work():
            try:
                attempt, record = services.receive_call(data, actor=self.actor)
            except services.UnknownTaskRef as exc:
                raise PartnerError(
                    404, "not_found", "外呼任务ID不存在", validation_errors(exc)
                ) from exc
            except ValidationError as exc:
                raise PartnerError(
                    422, "invalid", "请求内容不符合要求", validation_errors(exc)
                ) from exc
            return (201 if attempt.created else 200), services.call_answer(attempt, record)

        try:
            status, body = once(self.partner, SCOPE, str(event_id).strip(), work)
        except IntegrityError:
            # A concurrent delivery of the same call_id + attempt under another event_id
            # committed first (PostgreSQL): everything was rolled back; once more, the
            # stored attempt is found and answered (200, its body), as for any repeat.
            status, body = once(self.partner, SCOPE, str(event_id).strip(), work)
        return Response(body, status=status)
