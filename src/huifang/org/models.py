"""Branches (the 总部 → 分公司 → 营业部 tree) and users, each belonging to one branch."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.core.fieldcrypt import EncryptedTextField
from huifang.core.scoping import RestrictedQuerySet


class BranchQuerySet(RestrictedQuerySet):
    def subtree(self, branch: Branch):
        return self.filter(path__startswith=branch.path)


class Branch(models.Model):
    """A node of the branch tree. ``path`` (``/01/0101/``) makes subtree tests one index scan."""

    scope_field = "self"

    code = models.CharField(_("部门代码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=400, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), default=0, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = BranchQuerySet.as_manager()

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def level_label(self) -> str:
        return {0: "总部", 1: "分公司"}.get(self.depth, "营业部")

    def compute_path(self) -> str:
        return (self.parent.path if self.parent else "/") + f"{self.code}/"


class UserQuerySetManager(UserManager.from_queryset(RestrictedQuerySet)):
    """Django's user manager with branch scoping (``restrict``)."""


class Role(models.TextChoices):
    """The four human roles; each maps to a Django group holding its permissions."""

    HQ_ADMIN = "hq_admin", _("总部合规管理员")
    BRANCH_MANAGER = "branch_manager", _("营业部负责人")
    AGENT = "agent", _("回访专员")
    AUDITOR = "auditor", _("稽核")


class User(AbstractUser):
    """A person using Huifang. Sees the subtree of ``branch`` only."""

    branch = models.ForeignKey(
        Branch,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, blank=True)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # Personal data, encrypted at rest (core.fieldcrypt); never searched, so no blind index.
    mobile = EncryptedTextField(_("手机号"), max_length=20, blank=True)
    # Set when someone else (an administrator) chose the password; the user must change it
    # before anything else (core.middleware.PasswordChangeRequiredMiddleware).
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    scope_field = "branch"

    objects = UserQuerySetManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name or self.username}（{self.username}）"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class PasswordHistory(models.Model):
    """The hashes of a user's passwords, newest last: a new one may not repeat the last
    ``passwords.HISTORY`` (no reuse)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        default_permissions = ()
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class TokenUse(models.Model):
    """When and from where a user's API token was last used (shown on the token page).
    Written at most once a minute per token, so a busy integration adds no write per
    request; removed with the token (a new token starts unused)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="token_use")
    last_used_at = models.DateTimeField(_("最近使用时间"))
    last_ip = models.GenericIPAddressField(_("最近使用地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌使用")
        verbose_name_plural = _("API 令牌使用")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user_id} {self.last_used_at:%Y-%m-%d %H:%M}"
