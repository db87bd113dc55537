"""Writes to branches and users. Each function is one transaction with its audit rows."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from huifang.core import audit
from huifang.core.permissions import REVEAL_PERMISSION, acting_user, require
from huifang.org import tokens
from huifang.org.audit_actions import OrgAction
from huifang.org.models import Branch, Role, User
from huifang.org.passwords import check_password_rules, remember
from huifang.org.roles import group_for

BRANCH_FIELDS = ["code", "name", "parent_id", "path", "depth", "is_active"]
USER_FIELDS = ["username", "full_name", "mobile", "branch_id", "role", "is_active", "email"]


@transaction.atomic
def do_save_branch(
    *, code: str, name: str, parent: Branch | None, is_active: bool = True, actor=None
) -> tuple[Branch, str]:
    """Create or update the branch ``code``; returns it and ``created``/``updated``/``unchanged``.

    Moving a branch rewrites the paths of its whole subtree in one UPDATE.
    """
    code, name = code.strip(), name.strip()
    if not code:
        raise ValidationError("部门代码不能为空")
    if not name:
        raise ValidationError("部门名称不能为空")
    branch = Branch.objects.select_for_update().filter(code=code).first()
    if parent is not None and branch is not None and parent.path.startswith(branch.path):
        raise ValidationError(f"部门 {code} 不能挂在自己或下级部门之下")
    require(
        actor,
        "org.change_branch" if branch is not None else "org.add_branch",
        [parent or branch],  # a new root branch: no one's scope but the system's
        action="view",
        message="您没有维护部门的权限",
        out_of_scope="只能在自己的部门范围内维护部门",
    )
    if branch is None:
        branch = Branch(code=code, name=name, parent=parent, is_active=is_active)
        branch.path = branch.compute_path()
        branch.depth = branch.path.count("/") - 2
        branch.save()
        audit.record(OrgAction.CREATE, branch, after=audit.snapshot(branch, BRANCH_FIELDS))
        return branch, "created"
    before = audit.snapshot(branch, BRANCH_FIELDS)
    old_path = branch.path
    branch.name, branch.parent, branch.is_active = name, parent, is_active
    branch.path = branch.compute_path()
    branch.depth = branch.path.count("/") - 2
    after = audit.snapshot(branch, BRANCH_FIELDS)
    if before == after:
        return branch, "unchanged"
    branch.save()
    if old_path != branch.path:
        Branch.objects.filter(path__startswith=old_path).exclude(pk=branch.pk).update(
            path=Concat(Value(branch.path), Substr("path", len(old_path) + 1))
        )
        for child in Branch.objects.filter(path__startswith=branch.path).exclude(pk=branch.pk):
            depth = child.path.count("/") - 2
            if child.depth != depth:
                Branch.objects.filter(pk=child.pk).update(depth=depth)
    old, new = audit.diff(before, after)
    audit.record(OrgAction.UPDATE, branch, before=old, after=new)
    return branch, "updated"


def _check_user_scope(actor, permission: str, branch: Branch | None) -> None:
    require(
        actor,
        permission,
        [branch],
        action="view",
        message="您没有维护用户的权限",
        out_of_scope="只能管理本部门范围内的用户",
    )


@transaction.atomic
def do_create_user(
    *,
    username: str,
    password: str | None,
    branch: Branch | None,
    role: str,
    full_name: str = "",
    mobile: str = "",
    email: str = "",
    actor=None,
    by_operator: bool = False,
    superuser: bool = False,
) -> User:
    """``by_operator``: the password was chosen at the command line (``huifang user``,
    ``huifang demo``), to be changed at the first login unless HUIFANG_DEMO is on.
    ``superuser`` (``huifang createsuperuser``): every permission and every branch, no
    branch or role needed; only a superuser or the command line may make one."""
    _check_user_scope(actor, "org.add_user", branch)
    me = acting_user(actor)
    if superuser and me is not None and not me.is_superuser:
        raise PermissionDenied("只有超级用户才能创建超级用户")
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"用户名 {username} 已存在")
    user = User(
        username=username,
        branch=branch,
        role=role,
        full_name=full_name,
        mobile=mobile,
        email=email,
        is_superuser=superuser,
        is_staff=superuser,
    )
    if password:
        check_password_rules(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.must_change_password = _temporary(acting_user(actor), user, by_operator)
    else:
        user.set_unusable_password()
    user.save()
    if password:
        remember(user)
    if role:
        user.groups.set([group_for(role)])
    after = audit.snapshot(user, USER_FIELDS)
    if superuser:
        after["is_superuser"] = True
    audit.record(OrgAction.CREATE, user, after=after, actor=actor)
    return user


@transaction.atomic
def do_update_user(user: User, *, actor=None, **changes) -> User:
    _check_user_scope(actor, "org.change_user", user.branch)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(user, USER_FIELDS)
    for name, value in changes.items():
        if name not in {"full_name", "mobile", "branch", "role", "is_active", "email"}:
            raise ValueError(f"field {name!r} cannot be changed here")
        setattr(user, name, value)
    _check_user_scope(actor, "org.change_user", user.branch)
    me = acting_user(actor)
    if me is not None and me.pk == user.pk and not user.is_active:
        raise ValidationError("不能停用自己的账号")
    user.save()
    if "role" in changes:
        user.groups.set([group_for(user.role)] if user.role else [])
    old, new = audit.diff(before, audit.snapshot(user, USER_FIELDS))
    if new:
        audit.record(OrgAction.UPDATE, user, before=old, after=new, actor=actor)
    return user


@transaction.atomic
def do_set_password(
    user: User, password: str, *, actor=None, message: str = "重置密码", by_operator: bool = False
) -> None:
    me = acting_user(actor)
    if me is None or me.pk != user.pk:  # one's own password needs no permission
        _check_user_scope(actor, "org.change_user", user.branch)
    check_password_rules(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = _temporary(me, user, by_operator)
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    remember(user)
    audit.record(OrgAction.PASSWORD, user, message=message, actor=actor)
    _end_token(user, "密码已修改，API 令牌随之失效", actor)


def _temporary(me: User | None, user: User, by_operator: bool) -> bool:
    """Whether a password being set must be changed at the user's next login: chosen for
    them by an administrator (one's own change ends that), or by an operator at the command
    line or the demo — except in a demo installation (HUIFANG_DEMO), whose printed passwords
    are meant to be used as they are."""
    if me is not None:
        return me.pk != user.pk
    return by_operator and not settings.DEMO


def _end_token(user: User, message: str, actor) -> None:
    """A password change ends the user's API token: whoever learnt the old password may
    have made one."""

    if tokens.remove(user):
        audit.record(OrgAction.TOKEN_REVOKE, user, message=message, actor=actor)


def check_owner_or_admin(user: User, actor) -> None:
    """What is the user's own (an API token, a second factor) needs no permission for the
    user; anyone else needs ``org.change_user`` over the user's branch."""
    me = acting_user(actor)
    if me is None or me.pk != user.pk:
        _check_user_scope(actor, "org.change_user", user.branch)


@transaction.atomic
def do_reveal_mobile(user: User, *, actor) -> None:
    """Let ``actor`` read ``user``'s full mobile (the user edit page shows it to those who
    may read personal data unmasked): refused without the reveal permission, else the
    audit row every unmasked view of personal data leaves."""
    require(actor, REVEAL_PERMISSION, user, action="view", message="您没有查看完整手机号的权限")
    audit.record(OrgAction.REVEAL_MOBILE, user, message="查看完整手机号", actor=actor)


def do_create_token(user: User, *, actor=None) -> str:
    """Create, or replace, ``user``'s REST API token; returns its key (shown once)."""
    from rest_framework.authtoken.models import Token

    check_owner_or_admin(user, actor)
    if not user.is_active:
        raise ValidationError("用户已停用，不能生成 API 令牌")
    replaced = tokens.remove(user)
    raw = Token.generate_key()
    Token.objects.create(user=user, key=tokens.digest(raw))  # only its hash is kept
    audit.record(
        OrgAction.TOKEN_CREATE,
        user,
        message="替换 API 令牌" if replaced else "生成 API 令牌",
        actor=actor,
    )
    return raw


@transaction.atomic
def do_revoke_token(user: User, *, actor=None) -> bool:
    """Remove ``user``'s REST API token; False when there was none (nothing audited)."""

    check_owner_or_admin(user, actor)
    if not tokens.remove(user):
        return False
    audit.record(OrgAction.TOKEN_REVOKE, user, message="吊销 API 令牌", actor=actor)
    return True


def locked_logins(actor) -> list:
    """The AccessAttempt rows locking a login now (failures at the limit within the
    cool-off) of users within ``actor``'s scope, newest first. A name that is no user locks
    nobody out and is left to expire."""
    from axes.helpers import get_cool_off, get_failure_limit
    from axes.models import AccessAttempt
    from django.utils import timezone

    scope = User.objects.restrict(acting_user(actor), "change").values("username")
    return list(
        AccessAttempt.objects.filter(
            failures_since_start__gte=get_failure_limit(None, None),
            attempt_time__gte=timezone.now() - get_cool_off(),
            username__in=scope,
        ).order_by("-attempt_time")
    )


@transaction.atomic
def do_unlock_login(username: str, ip_address: str, *, actor=None) -> int:
    """Lift the lock of ``username`` from ``ip_address``; returns the attempts removed
    (0: nothing was locked, nothing audited)."""
    from axes.utils import reset

    user = User.objects.select_related("branch").get(username=username)
    _check_user_scope(actor, "org.change_user", user.branch)
    removed = reset(ip=ip_address, username=username)
    if removed:
        message = f"解除 {username} 从 {ip_address} 登录的锁定"
        audit.record(OrgAction.UNLOCK, user, message=message, actor=actor)
    return removed


ROLE_LABELS = dict(Role.choices)
