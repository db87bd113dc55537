"""What the rules room's endpoints share: the documented refusals, the permission of an
action posted to change an object, and the scope an action looks its objects up in."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from huifang.core.permissions import ModelPermissions

ERRORS = {
    400: OpenApiResponse(description="提交的内容有误（errors 按字段给出中文说明），未做任何修改"),
    403: OpenApiResponse(description="没有执行此操作的权限"),
    404: OpenApiResponse(description="对象不存在或不在权限范围内"),
}


class ChangeOnPost(ModelPermissions):
    """An action posted to change an object (启用、停用、数据落地) needs the model's
    ``change`` permission, as its page does, not ``add``."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class ScopeByAction:
    """``scope_actions`` maps a viewset action to the ``restrict`` action its objects are
    looked up with, where the HTTP method's default (POST → add) is not the page's."""

    scope_actions: dict[str, str] = {}

    def get_queryset(self):
        scope = self.scope_actions.get(self.action)
        if scope is None:
            return super().get_queryset()
        return self.queryset.all().restrict(self.request.user, scope)


JOB_EXAMPLE = OpenApiExample(
    "已开始的后台任务",
    response_only=True,
    status_codes=["202"],
    value={"job": 42, "status": "queued", "url": "https://huifang.example/api/v1/jobs/42/"},
)
