"""Receipts (短信回执): the generic gateway's signed ``POST /api/v1/sms/receipts`` and the
cloud providers' pushes on their own paths, authenticated by a secret path token
(``HUIFANG_SMS_RECEIPT_TOKEN``; they sign nothing)."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from huifang.channels.sms import receipts, services
from huifang.channels.sms.models import SmsMessage
from huifang.core import audit
from huifang.core.actors import Actor
from huifang.core.middleware import client_ip
from huifang.core.parsers import MAX_JSON_DEPTH, JSONParser, json_depth
from huifang.partners.api import PartnerAPIView, PartnerError
from huifang.partners.idempotency import once, repeated
from huifang.partners.models import PartnerKind

SCOPE = "sms.receipt"


class ReceiptSerializer(serializers.Serializer):
    # A gateway sends the documented body whole: the id it does not know, or no code, may
    # come as null (read as empty), as ``message`` may.
    event_id = serializers.CharField(max_length=200)
    message = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    provider_message_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, allow_null=True, default=""
    )
    status = serializers.ChoiceField(choices=["delivered", "failed"])
    code = serializers.CharField(
        max_length=60, required=False, allow_blank=True, allow_null=True, default=""
    )
    at = serializers.DateTimeField(required=False, allow_null=True)

    def validate(self, data):
        for name in ("provider_message_id", "code"):
            data[name] = data.get(name) or ""
        if not data.get("message") and not data.get("provider_message_id"):
            raise serializers.ValidationError(
                {"message": ["请提供 message 或 provider_message_id"]}
            )
        return data


class GatewayReceiptView(PartnerAPIView):
    """``POST /api/v1/sms/receipts`` ``{"event_id", "message", "provider_message_id",
    "status": "delivered"|"failed", "code", "at"}`` → 200 ``{"message", "status"}``; the
    same event id again → the same answer; an unknown message → 404."""

    partner_kind = PartnerKind.SMS

    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        first = repeated(self.partner, SCOPE, data.get("event_id"))
        if first is not None:
            return Response(first, status=200)
        serializer = ReceiptSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        message_id = values.get("message")
        query = SmsMessage.objects.all()
        if message_id:
            query = query.filter(pk=message_id)
        else:
            query = query.filter(provider_message_id=values["provider_message_id"])
        message = query.order_by("-pk").first()
        if message is None:
            raise PartnerError(404, "not_found", "短信不存在")

        def work():
            report = services.Report(
                dedup_key=f"sms:{self.partner.pk}:{values['event_id']}",
                provider_message_id=values["provider_message_id"] or message.provider_message_id,
                delivered=values["status"] == "delivered",
                code=values["code"],
                text="",
                at=values.get("at"),
                payload=dict(data),
                message_id=message.pk,
            )
            services.do_apply_receipts(message.provider, [report], actor=self.actor)
            message.refresh_from_db(fields=["status"])
            return 200, {"message": message.pk, "status": message.status}

        status, body = once(self.partner, SCOPE, values["event_id"], work)
        return Response(body, status=status)


class ArrayJSONParser(JSONParser):
    """The vendors push a JSON array of reports (the house parser takes objects only)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError("JSON 格式错误：请使用 UTF-8 编码的标准 JSON") from exc
        if not isinstance(data, list | dict):
            raise ParseError("回执必须是 JSON 数组")
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(f"JSON 嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）")
        return data


@extend_schema(exclude=True)
class VendorReceiptView(APIView):
    """A cloud provider's receipt push (a JSON array) on ``…/<token>``: a wrong or
    unconfigured token is a 404; duplicates are ignored; the answer is the vendor's."""

    provider = ""
    parse = None
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    parser_classes = [ArrayJSONParser]
    renderer_classes = [JSONRenderer]

    @classmethod
    def as_view(cls, **initkwargs):
        return login_not_required(super().as_view(**initkwargs))

    # The vendor's answer: its (status key, text key), and the text of a success.
    answer_keys: tuple[str, str] = ("code", "msg")
    ok_text = "OK"

    def ok(self) -> dict:
        return {self.answer_keys[0]: 0, self.answer_keys[1]: self.ok_text}

    def refused(self, message: str) -> dict:
        return {self.answer_keys[0]: 1, self.answer_keys[1]: message}

    def post(self, request, token: str):
        expected = settings.SMS["RECEIPT_TOKEN"]
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            return Response({"code": "not_found", "message": "对象不存在"}, status=404)
        try:
            reports = type(self).parse(request.data)
        except receipts.BadReceipt as exc:
            return Response(self.refused(str(exc)), status=400)
        actor = Actor.partner(self.label, ip=client_ip(request._request))
        with audit.acting(actor=actor):
            services.do_apply_receipts(self.provider, reports, actor=actor)
        return Response(self.ok())

    def handle_exception(self, exc):
        from rest_framework.exceptions import ParseError, UnsupportedMediaType

        if isinstance(exc, ParseError | UnsupportedMediaType):
            return Response(self.refused("回执必须是 JSON"), status=400)
        return super().handle_exception(exc)


class AliyunReceiptView(VendorReceiptView):
    provider = "aliyun"
    label = "阿里云短信"
    parse = staticmethod(receipts.aliyun)
    answer_keys = ("code", "msg")
    ok_text = "接收成功"


class TencentReceiptView(VendorReceiptView):
    provider = "tencent"
    label = "腾讯云短信"
    parse = staticmethod(receipts.tencent)
    answer_keys = ("result", "errmsg")
    ok_text = "OK"
