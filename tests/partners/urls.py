"""Test-only partner endpoints (``@pytest.mark.urls("tests.partners.urls")``): never in
the production URLs."""

from django.http import Http404
from django.urls import path
from rest_framework.response import Response

from huifang.core import audit
from huifang.partners.api import PartnerAPIView, PartnerError
from huifang.partners.audit_actions import PartnerAction
from huifang.partners.idempotency import once
from huifang.partners.models import PartnerKind


class EchoView(PartnerAPIView):
    """GET: who called. POST ``{"event_id", "fail"?}``: one audit row per event id, no
    explicit actor (the partner's comes from the context)."""

    partner_kind = PartnerKind.APPHALL

    def get(self, request, code):
        if code == "missing":
            raise Http404
        return Response({"partner": self.partner.name, "actor": self.actor.label, "code": code})

    def post(self, request, code):
        data = request.data
        if not data.get("event_id"):
            raise PartnerError(422, "invalid", "缺少 event_id", {"event_id": ["必填"]})

        def work():
            event = audit.record(PartnerAction.PARTNER_UPDATE, self.partner, message=code)
            if data.get("fail"):
                raise PartnerError(409, "conflict", "测试冲突")
            return 201, {"event": event.pk, "code": code}

        status, body = once(self.partner, "test", data["event_id"], work)
        return Response(body, status=status)


urlpatterns = [path("api/v1/test/echo/<str:code>", EchoView.as_view(), name="partner_echo")]
