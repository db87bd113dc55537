"""OpenAPI post-processing: every operation documents the API's one error shape
(``core.api_errors``) for the refusals any endpoint may answer, so the schema is true for
them too (400 bad parameters or body, 401 no credentials, 403 no permission, 404 missing or
out of scope, 405 a method the address does not take, 429 rate limited; and 415 a body in a
format the operation does not take, for an operation that takes one). An endpoint that answers 409 or 410 declares it itself
with :data:`ERROR_RESPONSE`."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated

ERROR_COMPONENT = "Error"
COMMON = {
    "400": "请求参数或请求体有误（errors 按字段给出原因）",
    "401": "未提供或无效的身份凭证",
    "403": "没有执行此操作的权限",
    "404": "对象不存在或不在您的权限范围内",
    "405": "该地址不支持此请求方法",
    "429": "请求过于频繁",
}
# An operation that takes a body may also refuse its format (no or another Content-Type).
BODY_ERRORS = {"415": "不支持的请求体格式：请使用 JSON（application/json）或表单上传"}


class ErrorSerializer(serializers.Serializer):
    """The API's one error shape."""

    code = serializers.CharField(help_text="稳定的英文错误代码，如 invalid、not_found、conflict")
    message = serializers.CharField(help_text="中文说明")
    errors = serializers.DictField(
        child=serializers.JSONField(), help_text="按字段的错误说明：{字段: [说明, …]}"
    )


def error_response(description: str, code: str, message: str) -> OpenApiResponse:
    """An error answer of one endpoint (409, 410…) for ``@extend_schema(responses=…)``."""
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[OpenApiExample(code, value={"code": code, "message": message, "errors": {}})],
    )


ERROR_SCHEMA = {
    "type": "object",
    "description": "统一的错误应答",
    "properties": {
        "code": {"type": "string", "description": "稳定的英文错误代码"},
        "message": {"type": "string", "description": "中文说明"},
        "errors": {
            "type": "object",
            "description": "按字段的错误说明：{字段: [说明, …]}",
            "additionalProperties": {},
        },
    },
    "required": ["code", "message", "errors"],
    "example": {
        "code": "invalid",
        "message": "年龄须在 0 到 150 之间",
        "errors": {"age": ["年龄须在 0 到 150 之间"]},
    },
}


# Parameters drf-spectacular leaves without a description (path keys, a FilterSet's
# unlabelled model fields): their meaning, by name.
PARAMETER_DESCRIPTIONS = {
    "id": "编号（列表中各项的 id）",
    "code": "代码（列表中各项的 code）",
    "investor_code": "投资者代码（保留前导零）",
    "number": "批次号",
    "branch": "部门代码",
    "dataset": "数据集：branches（部门）、customers（客户）、daily（客户资金日报）、products（高风险产品或服务）",
    "plan": "回访计划编号",
    "page": "页码（从 1 起）",
    "is_active": "是否有效：true / false",
    "enabled": "是否启用：true / false",
}


def describe_parameters(operation: dict) -> None:
    for parameter in operation.get("parameters", []):
        if not parameter.get("description"):
            described = PARAMETER_DESCRIPTIONS.get(parameter["name"])
            if described:
                parameter["description"] = described


def add_error_responses(result, generator, request, public):
    """``POSTPROCESSING_HOOKS``: the common error answers on every operation, and a
    description for each parameter left without one."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            describe_parameters(operation)
            responses = operation["responses"]
            for status, response in responses.items():
                # An error an endpoint declared with only a description has the one shape.
                if str(status)[0] in "45" and "content" not in response:
                    response["content"] = {"application/json": {"schema": reference}}
            common = {**COMMON, **BODY_ERRORS} if "requestBody" in operation else COMMON
            for status, description in common.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


class ApiDocsView(SpectacularSwaggerView):
    """The browsable page of the schema (``/api/v1/docs/``). Someone not logged in is sent
    to the login page and back, as every page does, rather than shown drf-spectacular's
    bare English "401 Unauthorized"."""

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
