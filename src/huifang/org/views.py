from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render

from huifang.core.models import AuditEvent
from huifang.core.views import ObjectListView
from huifang.org import otp, services
from huifang.org.filtersets import BranchFilterSet, UserFilterSet
from huifang.org.forms import UserForm
from huifang.org.models import Branch, TokenUse, User
from huifang.org.tables import BranchTable, UserTable
from huifang.org.tokens import expires_at


class BranchListView(ObjectListView):
    model = Branch
    queryset = Branch.objects.select_related("parent")
    filterset_class = BranchFilterSet
    table_class = BranchTable
    title = "部门管理"
    export_name = "branches"


class UserListView(ObjectListView):
    model = User
    queryset = User.objects.select_related("branch")
    filterset_class = UserFilterSet
    table_class = UserTable
    title = "用户管理"
    export_name = "users"
    actions_template = "org/_user_actions.html"


def user_edit(request, pk: int | None = None):
    """Create (pk None) or edit a user; HQ admins only, within their own subtree."""
    action = "change" if pk else "add"
    if not request.user.has_perm(f"org.{action}_user"):
        raise PermissionDenied("您没有维护用户的权限")
    instance = None
    if pk:
        instance = get_object_or_404(User.objects.restrict(request.user, "change"), pk=pk)
    initial = {}
    if instance is not None:
        initial = {
            f: getattr(instance, f)
            for f in ("username", "full_name", "branch", "role", "mobile", "email", "is_active")
        }
    form = UserForm(request.POST or None, user=request.user, instance=instance, initial=initial)
    if request.method == "GET" and instance is not None and instance.mobile:
        if not form.fields["mobile"].disabled:  # shown in full: a reveal, audited
            services.do_reveal_mobile(instance, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if instance is None:
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
                    services.do_update_user(user, is_active=False, actor=request.user)
            else:
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
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存用户 {user.username}")
            return redirect("org:user_list")
    title = f"编辑用户 {instance.username}" if instance else "新建用户"
    context = {"form": form, "title": title, "back_url": "org:user_list"}
    if instance is not None:
        context.update(
            after_form="org/_user_otp.html",
            edited=instance,
            edited_has_otp=otp.confirmed_device(instance) is not None,
        )
    return render(request, "core/form.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """One's own password, through the service: the password rules, the audit row, and
    the end of one's API token."""

    success_url = "/password/done/"

    def form_valid(self, form):
        user = self.request.user
        try:
            services.do_set_password(
                user, form.cleaned_data["new_password1"], actor=user, message="修改本人密码"
            )
        except ValidationError as exc:  # a rule beyond the form's (a recent password)
            form.add_error("new_password1", exc)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())


def api_token(request):
    """The user's own REST API token: show whether one exists, create or replace, revoke."""
    from rest_framework.authtoken.models import Token

    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "create":
            new_key = services.do_create_token(request.user, actor=request.user)
            messages.success(request, "已生成新的 API 令牌，请立即复制保存，离开本页后不再显示。")
        else:
            services.do_revoke_token(request.user, actor=request.user)
            messages.success(request, "已吊销 API 令牌")
    token = Token.objects.filter(user=request.user).first()
    return render(
        request,
        "org/api_token.html",
        {
            "title": "API 令牌",
            "token": token,
            "new_key": new_key,
            "expires_at": expires_at(token) if token else None,
            "use": TokenUse.objects.filter(user=request.user).first() if token else None,
        },
    )


def lockouts(request):
    """登录锁定: the logins locked after repeated failures (a username from one address),
    with 解锁 for each; user administrators only, within their scope."""
    if not request.user.has_perm("org.change_user"):
        raise PermissionDenied("您没有维护用户的权限")
    if request.method == "POST":
        username, ip = request.POST.get("username", ""), request.POST.get("ip", "")
        user = get_object_or_404(User.objects.restrict(request.user, "change"), username=username)
        if services.do_unlock_login(user.username, ip, actor=request.user):
            messages.success(request, f"已解除 {user.username} 从 {ip} 登录的锁定")
        else:
            messages.info(request, "该登录已不在锁定中")
        return redirect("org:lockouts")
    return render(
        request,
        "org/lockouts.html",
        {"title": "登录锁定", "attempts": services.locked_logins(request.user)},
    )


LOGIN_ACTIONS = ("login", "logout", "login_failed")
LOGIN_HISTORY = 200


def login_history(request, pk: int):
    """登录记录 of one user: the latest logins, logouts and failed logins (a failed one is
    recorded by the username typed), with time and address; for those who may see the user (administrators, auditors),
    within their scope."""
    if not request.user.has_perm("org.view_user"):
        raise PermissionDenied("您没有查看用户的权限")
    user = get_object_or_404(User.objects.restrict(request.user, "view"), pk=pk)
    events = (
        AuditEvent.objects.filter(action__in=LOGIN_ACTIONS)
        .filter(
            Q(user=user, action__in=("login", "logout"))
            | Q(action="login_failed", object_repr=user.username)
        )
        .order_by("-time", "-id")[:LOGIN_HISTORY]
    )
    return render(
        request,
        "org/login_history.html",
        {
            "title": f"登录记录 · {user.username}",
            "subject": user,
            "events": events,
            "limit": LOGIN_HISTORY,
            "labels": {"login": "登录成功", "logout": "退出登录", "login_failed": "登录失败"},
        },
    )
