"""SMS providers, one class each behind one small interface (healthchecks' transports).

``TRANSPORTS[name](config).send(message) -> SendResult`` or raises
:class:`TransportError` (``permanent=True``: the provider refused this message and trying
again cannot help; else it is retried with backoff). ``config`` is ``settings.SMS``
(credentials come from ``HUIFANG_SMS_*``, never from the database). Adding a provider is
one class here with ``name`` set, and its tests.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    code: str = ""
    text: str = ""


class TransportError(Exception):
    """The provider did not take the message: ``permanent`` says whether to give up."""

    def __init__(self, message: str, *, permanent: bool, code: str = ""):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code


TRANSPORTS: dict[str, type[Transport]] = {}


class Transport(ABC):
    name = ""
    label = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            TRANSPORTS[cls.name] = cls

    def __init__(self, config: dict | None = None):
        self.config = config if config is not None else settings.SMS

    @abstractmethod
    def send(self, message) -> SendResult:
        """Send ``message``; raise :class:`TransportError` (permanent or temporary)."""

    def params_of(self, message) -> dict:
        return dict(message.params or {})


def provider_label(name: str) -> str:
    """A provider's name as people read it (``aliyun`` → 阿里云短信); a code no transport
    claims (one since removed) stays as it is."""
    found = TRANSPORTS.get(name)
    return found.label if found is not None else name


def transport(name: str | None = None) -> Transport:
    """The configured provider (or ``name``)."""
    name = name or settings.SMS["PROVIDER"]
    try:
        return TRANSPORTS[name]()
    except KeyError:
        raise TransportError(f"未知的短信服务商 {name}", permanent=True) from None


def _mapping(spec: str) -> list[tuple[str, str]]:
    """``"name=客户名称,deadline=回访截止日期"`` → pairs (full-width commas allowed)."""
    pairs = []
    for item in (spec or "").replace("，", ",").split(","):
        key, _, value = item.partition("=")
        if key.strip():
            pairs.append((key.strip(), value.strip()))
    return pairs


def sign_name(signature: str) -> str:
    """The vendor's sign name: the signature without its 【】."""
    return (signature or "").strip().strip("【】[]")


# -- file ------------------------------------------------------------------------------------

_file_lock = threading.Lock()


class FileTransport(Transport):
    """Writes what would be sent, one JSON line per message, to
    ``HUIFANG_DATA_DIR/sms-outbox/YYYY-MM-DD.jsonl`` (the demo's and the tests' provider)."""

    name = "file"
    label = "文件（演示）"

    def outbox(self) -> Path:
        return Path(settings.DATA_DIR) / "sms-outbox"

    def send(self, message) -> SendResult:
        now = timezone.localtime()
        line = json.dumps(
            {
                "id": message.pk,
                "mobile": message.mobile,
                "text": message.text,
                "parts": message.parts,
                "template": message.template.code,
                "at": now.isoformat(timespec="seconds"),
            },
            ensure_ascii=False,
        )
        folder = self.outbox()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with _file_lock, open(folder / f"{now:%Y-%m-%d}.jsonl", "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            raise TransportError(f"写入短信发件箱失败：{exc}", permanent=False) from exc
        return SendResult(f"file-{message.pk}", "OK", "已写入发件箱")

    def lines(self, day: datetime.date | None = None) -> list[dict]:
        """What was written on ``day`` (today): for tests and the demo."""
        day = day or timezone.localdate()
        path = self.outbox() / f"{day:%Y-%m-%d}.jsonl"
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]


# -- Alibaba Cloud -----------------------------------------------------------------------------

# Codes after which the same message may go through later (flow control, their outage).
ALIYUN_TEMPORARY = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "isv.DAY_LIMIT_CONTROL",
    "isp.SYSTEM_ERROR",
    "isp.RAM_PERMISSION_DENY",
    "Throttling.User",
    "SignatureNonceUsed",
}


class AliyunTransport(Transport):
    """Alibaba Cloud SMS (``alibabacloud_dysmsapi20170525`` SendSms): sign name, template
    code and the template's parameters mapped from ours (``aliyun_params``)."""

    name = "aliyun"
    label = "阿里云短信"

    def client(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as open_api_models

        config = open_api_models.Config(
            access_key_id=self.config["ALIYUN_ACCESS_KEY_ID"],
            access_key_secret=self.config["ALIYUN_ACCESS_KEY_SECRET"],
            endpoint=self.config["ALIYUN_ENDPOINT"],
            read_timeout=TIMEOUT_SECONDS * 1000,
            connect_timeout=TIMEOUT_SECONDS * 1000,
        )
        return Client(config)

    def request(self, message):
        from alibabacloud_dysmsapi20170525 import models as sms_models

        template = message.template
        if not template.aliyun_template_code:
            raise TransportError(
                f"短信模板 {template} 未配置阿里云模板CODE", permanent=True, code="config"
            )
        values = self.params_of(message)
        params = {key: str(values.get(var, "")) for key, var in _mapping(template.aliyun_params)}
        return sms_models.SendSmsRequest(
            phone_numbers=message.mobile,
            sign_name=sign_name(template.signature),
            template_code=template.aliyun_template_code,
            template_param=json.dumps(params, ensure_ascii=False) if params else None,
            out_id=str(message.pk),
        )

    def send(self, message) -> SendResult:
        if not self.config["ALIYUN_ACCESS_KEY_ID"] or not self.config["ALIYUN_ACCESS_KEY_SECRET"]:
            raise TransportError("未配置阿里云 AccessKey", permanent=True, code="config")
        request = self.request(message)
        try:
            response = self.client().send_sms(request)
        except Exception as exc:  # the SDK's network and server errors: try again later
            code = str(getattr(exc, "code", "") or "")
            permanent = code.startswith("InvalidAccessKeyId") or code == "SignatureDoesNotMatch"
            raise TransportError(
                f"阿里云短信接口错误：{exc}"[:300], permanent=permanent, code=code[:60]
            ) from exc
        body = response.body
        if body.code == "OK":
            return SendResult(body.biz_id or "", body.code, body.message or "")
        raise TransportError(
            f"阿里云拒绝发送：{body.code} {body.message}"[:300],
            permanent=body.code not in ALIYUN_TEMPORARY,
            code=body.code or "",
        )


# -- Tencent Cloud -----------------------------------------------------------------------------

TENCENT_PERMANENT_PREFIXES = (
    "FailedOperation",
    "InvalidParameter",
    "UnauthorizedOperation",
    "UnsupportedOperation",
    "AuthFailure",
    "MissingParameter",
)


class TencentTransport(Transport):
    """Tencent Cloud SMS (``tencentcloud-sdk-python-sms`` SendSms 2021-01-11): SDK app id,
    sign name, template id and the ordered parameters (``tencent_params``)."""

    name = "tencent"
    label = "腾讯云短信"

    def client(self):
        from tencentcloud.common import credential
        from tencentcloud.sms.v20210111 import sms_client

        cred = credential.Credential(
            self.config["TENCENT_SECRET_ID"], self.config["TENCENT_SECRET_KEY"]
        )
        return sms_client.SmsClient(cred, self.config["TENCENT_REGION"])

    def request(self, message):
        from tencentcloud.sms.v20210111 import models as sms_models

        template = message.template
        if not template.tencent_template_id:
            raise TransportError(
                f"短信模板 {template} 未配置腾讯云模板ID", permanent=True, code="config"
            )
        values = self.params_of(message)
        names = [n.strip() for n in template.tencent_params.replace("，", ",").split(",")]
        request = sms_models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{message.mobile}"]
        request.SmsSdkAppId = self.config["TENCENT_SDK_APP_ID"]
        request.SignName = sign_name(template.signature)
        request.TemplateId = template.tencent_template_id
        request.TemplateParamSet = [str(values.get(n, "")) for n in names if n]
        request.SessionContext = str(message.pk)
        return request

    def send(self, message) -> SendResult:
        if not self.config["TENCENT_SECRET_ID"] or not self.config["TENCENT_SDK_APP_ID"]:
            raise TransportError("未配置腾讯云 SecretId 或 SdkAppId", permanent=True, code="config")
        request = self.request(message)
        try:
            response = self.client().SendSms(request)
        except Exception as exc:  # TencentCloudSDKException, network errors
            code = str(getattr(exc, "code", "") or "")
            raise TransportError(
                f"腾讯云短信接口错误：{exc}"[:300],
                permanent=code.startswith(TENCENT_PERMANENT_PREFIXES),
                code=code[:60],
            ) from exc
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            raise TransportError("腾讯云未返回发送状态", permanent=False)
        if status.Code == "Ok":
            return SendResult(status.SerialNo or "", status.Code, status.Message or "")
        raise TransportError(
            f"腾讯云拒绝发送：{status.Code} {status.Message}"[:300],
            permanent=str(status.Code).startswith(TENCENT_PERMANENT_PREFIXES),
            code=str(status.Code)[:60],
        )


# -- a generic HTTP gateway --------------------------------------------------------------------

urlopen = urllib.request.urlopen  # tests replace it


def json_path(data, path: str):
    """``data`` at a dotted ``path`` (``result.code``, ``data.0.id``); None if absent."""
    for key in [p for p in path.split(".") if p]:
        if isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        elif isinstance(data, dict) and key in data:
            data = data[key]
        else:
            return None
    return data


def rule_holds(rule: str, data) -> bool:
    """The success rule ``PATH == VALUE`` (or ``!=``) against the JSON answer; VALUE is
    JSON (``0``, ``"OK"``, ``true``) or bare text."""
    for op in ("==", "!="):
        if op in rule:
            path, _, raw = rule.partition(op)
            raw = raw.strip()
            try:
                expected = json.loads(raw)
            except ValueError:
                expected = raw
            actual = json_path(data, path.strip().removeprefix("$."))
            same = actual == expected or (actual is not None and str(actual) == str(expected))
            return same if op == "==" else not same
    return bool(json_path(data, rule.strip().removeprefix("$.")))


class HttpTransport(Transport):
    """A gateway configured without code: ``HUIFANG_SMS_HTTP_URL``, ``…_METHOD`` (GET
    query or POST JSON), ``…_PARAMS`` (JSON: parameter → value with ``{mobile}``,
    ``{text}``, ``{signature}``, ``{template}``, ``{message}`` or a template variable),
    ``…_SUCCESS`` (``code == 0`` against the JSON answer) and ``…_ID_FIELD`` (where its
    message id is)."""

    name = "http"
    label = "通用 HTTP 网关"

    def fields(self, message) -> dict:
        values = {
            **{k: str(v) for k, v in self.params_of(message).items()},
            "mobile": message.mobile,
            "text": message.text,
            "signature": message.template.signature,
            "template": message.template.code,
            "message": str(message.pk),
        }

        def fill(value):
            if isinstance(value, str):
                for key, text in values.items():
                    value = value.replace("{" + key + "}", text)
            return value

        return {key: fill(value) for key, value in self.config["HTTP_PARAMS"].items()}

    def send(self, message) -> SendResult:
        url = self.config["HTTP_URL"]
        if not url:
            raise TransportError("未配置短信网关地址", permanent=True, code="config")
        fields = self.fields(message)
        if self.config["HTTP_METHOD"] == "GET":
            sep = "&" if "?" in url else "?"
            request = urllib.request.Request(url + sep + urllib.parse.urlencode(fields))
        else:
            request = urllib.request.Request(
                url,
                data=json.dumps(fields, ensure_ascii=False).encode(),
                method="POST",
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        try:
            with urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            temporary = exc.code >= 500 or exc.code in (408, 429)
            raise TransportError(
                f"短信网关返回 HTTP {exc.code}", permanent=not temporary, code=str(exc.code)
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransportError(f"网络错误：{reason}"[:300], permanent=False) from exc
        try:
            data = json.loads(raw.decode("utf-8") or "null")
        except ValueError:
            data = raw.decode("utf-8", "replace").strip()
        if not rule_holds(self.config["HTTP_SUCCESS"], data):
            text = json.dumps(data, ensure_ascii=False)[:250]
            raise TransportError(f"短信网关拒绝发送：{text}", permanent=True, code="rejected")
        found = json_path(data, self.config["HTTP_ID_FIELD"])
        return SendResult(str(found) if found is not None else f"http-{message.pk}", "OK")
