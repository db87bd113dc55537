"""REST API of the organisation: ``/api/v1/branches/`` (the tree, scoped; HQ creates and
changes branches through ``do_save_branch``) and ``/api/v1/users/`` (user administrators
only: the user page's filters, create and change through ``do_create_user`` /
``do_update_user``; passwords and tokens are never part of an answer)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from huifang.core.api import ScopedViewSetMixin, TableValueField
from huifang.org import services
from huifang.org.filtersets import BranchFilterSet, UserFilterSet
from huifang.org.forms import UserForm
from huifang.org.models import Branch, Role, User
from huifang.org.tables import UserTable

# ------------------------------------------------------------------ branches


BRANCH_EXAMPLE = {
    "code": "010101",
    "name": "期货北京营业部",
    "parent_code": "0101",
    "depth": 2,
    "is_active": True,
}


@extend_schema_serializer(
    examples=[OpenApiExample("营业部", value=BRANCH_EXAMPLE, response_only=True)]
)
class BranchSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(
        source="parent.code", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Branch
        fields = ["code", "name", "parent_code", "depth", "is_active"]


class _ParentField(serializers.SlugRelatedField):
    """上级部门 by code, among the branches the caller sees."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)
        set_override(self, "field", OpenApiTypes.STR)

    def get_queryset(self):
        request = self.context.get("request")
        return Branch.objects.restrict(request.user, "view")


class BranchWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, help_text="部门代码（创建后不能修改）")
    name = serializers.CharField(max_length=100, help_text="部门名称")
    parent = _ParentField(
        allow_null=True, required=False, help_text="上级部门代码；总部（根部门）为 null"
    )
    is_active = serializers.BooleanField(required=False, default=True, help_text="启用")

    def validate_code(self, value: str) -> str:
        value = value.strip()
        if self.context.get("creating") and Branch.objects.filter(code=value).exists():
            raise serializers.ValidationError(f"部门代码 {value} 已存在")
        return value


class BranchUpdateSerializer(BranchWriteSerializer):
    code = None  # the code names the branch in the address
    name = serializers.CharField(max_length=100, required=False, help_text="部门名称")
    is_active = serializers.BooleanField(required=False, help_text="启用")


class BranchViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """部门树：仅返回当前用户范围内的部门，按部门树排列（路径顺序）。

    筛选参数与部门管理页面相同：q（代码前缀或名称包含）, is_active。
    总部可新增（POST）和修改（PATCH：名称、上级部门、启用）；改变上级部门时其下级部门随之移动。
    """

    queryset = Branch.objects.select_related("parent").order_by("path")
    serializer_class = BranchSerializer
    filterset_class = BranchFilterSet
    lookup_field = "code"

    @extend_schema(
        request=BranchWriteSerializer,
        responses={201: BranchSerializer},
        examples=[
            OpenApiExample(
                "新增营业部",
                value={"code": "010102", "name": "期货朝阳营业部", "parent": "0101"},
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        body = BranchWriteSerializer(
            data=request.data, context={"request": request, "creating": True}
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        branch, _ = services.do_save_branch(
            code=data["code"],
            name=data["name"],
            parent=data.get("parent"),
            is_active=data["is_active"],
            actor=request.user,
        )
        return Response(BranchSerializer(branch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=BranchUpdateSerializer,
        responses={200: BranchSerializer},
        examples=[
            OpenApiExample("停用", value={"is_active": False}, request_only=True),
            OpenApiExample("改名", value={"name": "期货北京营业部"}, request_only=True),
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        branch = self.get_object()
        body = BranchUpdateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        branch, _ = services.do_save_branch(
            code=branch.code,
            name=data.get("name", branch.name),
            parent=data["parent"] if "parent" in data else branch.parent,
            is_active=data.get("is_active", branch.is_active),
            actor=request.user,
        )
        return Response(BranchSerializer(Branch.objects.get(pk=branch.pk)).data)


# ------------------------------------------------------------------ users


class AdministersUsers(BasePermission):
    """As the user page (用户管理): reading users is ``org.view_user`` (a branch manager
    and the auditor read the users of their scope); creating and changing them is the user
    administrators' (HQ), ``org.change_user`` — which the services check again."""

    message = "您没有维护用户的权限"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.has_perm("org.view_user")):
            self.message = "您没有查看用户的权限"
            return False
        if request.method in SAFE_METHODS:
            return True
        self.message = "您没有维护用户的权限"
        return user.has_perm("org.change_user")


USER_EXAMPLE = {
    "id": 5,
    "username": "010101_agent1",
    "full_name": "李回访",
    "role": "agent",
    "role_label": "回访专员",
    "branch_code": "010101",
    "branch_name": "期货北京营业部",
    "mobile": "139****0000",
    "email": "",
    "is_active": True,
    "must_change_password": False,
    "last_login": "2026-01-05T10:00:00+08:00",
    "date_joined": "2025-06-01T09:00:00+08:00",
}


@extend_schema_serializer(
    examples=[OpenApiExample("回访专员", value=USER_EXAMPLE, response_only=True)]
)
class UserSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    branch_code = serializers.CharField(
        source="branch.code", default=None, allow_null=True, read_only=True
    )
    branch_name = serializers.CharField(
        source="branch.name", default=None, allow_null=True, read_only=True
    )
    mobile = TableValueField(
        UserTable, allow_null=True, help_text="手机号（脱敏，如用户管理页面所示）"
    )
    email = serializers.CharField(read_only=True, help_text="电子邮箱（可为空字符串）")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "role",
            "role_label",
            "branch_code",
            "branch_name",
            "mobile",
            "email",
            "is_active",
            "must_change_password",
            "last_login",
            "date_joined",
        ]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    """The user page's form: checked by that form (its rules and messages)."""

    username = serializers.CharField(help_text="用户名：字母、数字和 _.@-，长度 3–150")
    full_name = serializers.CharField(help_text="姓名")
    branch = serializers.CharField(help_text="所属部门代码")
    role = serializers.ChoiceField(choices=Role.choices, help_text="角色")
    mobile = serializers.CharField(required=False, allow_blank=True, help_text="11 位手机号")
    email = serializers.CharField(required=False, allow_blank=True, help_text="电子邮箱")
    is_active = serializers.BooleanField(required=False, default=True, help_text="启用")
    password = serializers.CharField(
        write_only=True,
        style={"input_type": "password"},
        help_text="初始密码（用户首次登录须修改）；不会出现在任何应答中",
    )


class UserUpdateSerializer(UserCreateSerializer):
    username = None  # the user is named by the address
    full_name = serializers.CharField(required=False, help_text="姓名")
    branch = serializers.CharField(required=False, help_text="所属部门代码")
    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text="角色")
    is_active = serializers.BooleanField(required=False, help_text="启用")
    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        help_text="新密码（留空不修改）；不会出现在任何应答中",
    )


EDITABLE = ("full_name", "branch", "role", "mobile", "email", "is_active")


def _checked(request, data: dict, instance: User | None) -> dict:
    """``data`` through the user page's form (branch by code): its cleaned data, or the
    form's errors as the 400."""
    data = dict(data)
    if instance is not None:
        for name in EDITABLE:
            data.setdefault(name, getattr(instance, name))
        data["username"] = instance.username
        data["branch"] = (
            data["branch"].code if isinstance(data["branch"], Branch) else data["branch"]
        )
    code = data.get("branch")
    pk = Branch.objects.filter(code=str(code or "").strip()).values_list("pk", flat=True).first()
    data["branch"] = pk if pk is not None else code
    initial = {"username": instance.username} if instance is not None else {}
    form = UserForm(data, user=request.user, instance=instance, initial=initial)
    if not form.is_valid():
        raise DjangoValidationError(form.errors.as_data())
    return form.cleaned_data


class UserViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """用户：与用户管理页面相同——有查看用户权限者（总部、稽核、营业部负责人）读本部门范围内的
    用户，按用户名排列；新建与修改仅用户管理员（总部）。

    筛选参数与用户管理页面相同：q（用户名或姓名包含）, role, branch（部门编号）, is_active。
    POST 新建、PATCH 修改（含重置密码）；应答中从不包含密码或 API 令牌。用户不能删除（停用即可）。
    """

    queryset = User.objects.select_related("branch").order_by("username")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    permission_classes = [IsAuthenticated, AdministersUsers]
    lookup_value_regex = r"\d+"

    @extend_schema(
        request=UserCreateSerializer,
        responses={201: UserSerializer},
        examples=[
            OpenApiExample(
                "新建回访专员",
                value={
                    "username": "agent_c",
                    "full_name": "王五",
                    "branch": "010101",
                    "role": "agent",
                    "mobile": "13800000000",
                    "password": "Huifang-2026-init",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        body = UserCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = _checked(request, body.validated_data, None)
        user = services.do_create_user(
            username=data["username"],
            password=data["password"],
            branch=data["branch"],
            role=data["role"],
            full_name=data["full_name"],
            mobile=data["mobile"] or "",
            email=data["email"] or "",
            actor=request.user,
        )
        if not data["is_active"]:
            user = services.do_update_user(user, is_active=False, actor=request.user)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=UserUpdateSerializer,
        responses={200: UserSerializer},
        examples=[
            OpenApiExample("停用", value={"is_active": False}, request_only=True),
            OpenApiExample(
                "调整部门与角色",
                value={"branch": "010201", "role": "branch_manager"},
                request_only=True,
            ),
        ],
    )
    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        body = UserUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = _checked(request, body.validated_data, instance)
        changes = {"mobile": data["mobile"] or ""} if "mobile" in data else {}
        user = services.do_update_user(
            instance,
            full_name=data["full_name"],
            branch=data["branch"],
            role=data["role"],
            email=data["email"] or "",
            is_active=data["is_active"],
            actor=request.user,
            **changes,
        )
        if data["password"]:
            services.do_set_password(user, data["password"], actor=request.user)
        return Response(UserSerializer(User.objects.select_related("branch").get(pk=user.pk)).data)


def register(router) -> None:
    router.register("branches", BranchViewSet, basename="branch")
    router.register("users", UserViewSet, basename="user")
