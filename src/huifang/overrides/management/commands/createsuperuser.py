"""``huifang createsuperuser [--username NAME] [--email E] [--noinput]``: Django's command,
in Chinese and through the user service (audited, password rules, temporary password
outside a demo like ``huifang user create``).

A superuser sees and may do everything, whatever its branch. The everyday first HQ admin is
``huifang user create NAME --branch CODE --role hq_admin`` (README); this command is for an
operator who expects Django's. Its app, ``huifang.overrides``, is listed before
``django.contrib.auth``, so every entry point — ``huifang createsuperuser``,
``call_command("createsuperuser")``, ``python -m django createsuperuser`` — runs this one.
Its options and environment variables are Django's
(``DJANGO_SUPERUSER_USERNAME`` / ``_PASSWORD`` / ``_EMAIL`` with ``--noinput``)."""

from __future__ import annotations

import getpass
import os
import sys

from django.conf import settings
from django.contrib.auth.management import get_default_username
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from huifang.core import audit
from huifang.org import services
from huifang.org.forms import UserForm
from huifang.org.management.commands.user import FIRST_LOGIN_NOTE
from huifang.org.models import User
from huifang.org.passwords import check_password_rules

HQ_ADMIN_HINT = (
    "日常使用的总部合规管理员请用 huifang user create 用户名 --branch 部门代码 --role hq_admin 创建"
)


class Command(BaseCommand):
    help = (
        "创建超级用户（拥有全部权限、可查看全部部门）。"
        "总部合规管理员请用 huifang user create 用户名 --branch 部门代码 --role hq_admin"
    )
    requires_migrations_checks = True
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--username", help="用户名；省略时交互输入")
        parser.add_argument("--email", help="电子邮箱（可留空）")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="不交互：须给出 --username（或环境变量 DJANGO_SUPERUSER_USERNAME）；"
            "密码取自环境变量 DJANGO_SUPERUSER_PASSWORD，没有时该用户须设置密码后才能登录",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            choices=tuple(connections),
            help="数据库（只有 default）",
        )

    def execute(self, *args, **options):
        self.stdin = options.get("stdin", sys.stdin)  # tests give one
        return super().execute(*args, **options)

    def handle(self, *args, **options):
        with audit.acting(label="command:createsuperuser"):
            try:
                if options["interactive"]:
                    if hasattr(self.stdin, "isatty") and not self.stdin.isatty():
                        self.stdout.write(
                            "未在终端中运行，没有创建超级用户：请在终端中运行 huifang createsuperuser，"
                            "或加 --noinput 并用 --username 和环境变量 DJANGO_SUPERUSER_PASSWORD 给出"
                        )
                        return
                    username, email, password = self.ask(options)
                else:
                    username, email, password = self.given(options)
                user = services.do_create_user(
                    username=username,
                    password=password,
                    branch=None,
                    role="",
                    email=email,
                    by_operator=True,
                    superuser=True,
                )
            except KeyboardInterrupt:
                self.stderr.write("\n已取消，没有创建用户")
                sys.exit(1)
            except (ValidationError, PermissionDenied) as exc:
                messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                raise CommandError("；".join(messages)) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(f"已创建超级用户 {user.username}（拥有全部权限，可查看全部部门）")
            if password is None:
                self.stdout.write(
                    f"该用户还没有密码，设置后才能登录：huifang user set-password {user.username}"
                )
            elif not settings.DEMO:
                self.stdout.write(FIRST_LOGIN_NOTE)
            self.stdout.write(HQ_ADMIN_HINT)

    def given(self, options) -> tuple[str, str, str | None]:
        username = options["username"] or os.environ.get("DJANGO_SUPERUSER_USERNAME")
        if not username:
            raise CommandError(
                "--noinput 时须用 --username 给出用户名（或环境变量 DJANGO_SUPERUSER_USERNAME）"
            )
        error = self.username_error(username)
        if error:
            raise CommandError(error)
        email = options["email"] or os.environ.get("DJANGO_SUPERUSER_EMAIL") or ""
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or None
        return username, self.clean_email(email), password

    def ask(self, options) -> tuple[str, str, str]:
        username = options["username"]
        if username is not None and (error := self.username_error(username)):
            self.stderr.write(f"错误：{error}")
            username = None
        default = get_default_username(database=options["database"])
        while not username:
            prompt = f"用户名（留空则使用“{default}”）：" if default else "用户名："
            username = input(prompt).strip() or default
            if error := self.username_error(username):
                self.stderr.write(f"错误：{error}")
                username = None
        email = options["email"]
        while email is None:
            try:
                email = self.clean_email(input("电子邮箱（可留空）：").strip())
            except CommandError as exc:
                self.stderr.write(f"错误：{exc}")
        candidate = User(username=username, email=email)
        while True:
            password = getpass.getpass("密码：")
            if password != getpass.getpass("密码（再次输入）："):
                self.stderr.write("错误：两次输入的密码不一致")
                continue
            if not password.strip():
                self.stderr.write("错误：密码不能为空")
                continue
            try:
                check_password_rules(password, candidate)
            except ValidationError as exc:
                self.stderr.write("错误：" + "；".join(exc.messages))
                continue
            return username, email, password

    @staticmethod
    def username_error(username: str) -> str | None:
        if not username:
            return "用户名不能为空"
        try:
            username = UserForm.base_fields["username"].clean(username)
        except ValidationError as exc:
            return "；".join(exc.messages)
        if User.objects.filter(username=username).exists():
            return f"用户名 {username} 已存在"
        return None

    @staticmethod
    def clean_email(email: str) -> str:
        try:
            return User._meta.get_field("email").clean(email, None)
        except ValidationError as exc:
            raise CommandError("电子邮箱：" + "；".join(exc.messages)) from exc
