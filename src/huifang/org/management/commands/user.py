"""``huifang user create|set-password|set-role|deactivate``: user administration for operators
(the first HQ admin of a fresh installation is created this way)."""

import getpass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit
from huifang.org import services
from huifang.org.forms import UserForm
from huifang.org.models import Branch, Role, User

# Outside a demo a password chosen at the command line must be changed at the first login.
FIRST_LOGIN_NOTE = "该用户下次登录时须先修改密码（HUIFANG_DEMO 未开启）"


class Command(BaseCommand):
    help = "维护用户：create / set-password / set-role / deactivate"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="新建用户")
        create.add_argument("username")
        create.add_argument("--branch", required=True, help="所属部门代码")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--full-name", default="")
        create.add_argument("--password", help="省略时交互输入")
        password = sub.add_parser("set-password", help="重置密码")
        password.add_argument("username")
        password.add_argument("--password", help="省略时交互输入")
        role = sub.add_parser("set-role", help="修改角色")
        role.add_argument("username")
        role.add_argument("role", choices=Role.values)
        off = sub.add_parser("deactivate", help="停用用户")
        off.add_argument("username")

    def handle(self, *args, action, **options):
        with audit.acting(label="command:user"):
            try:
                getattr(self, "do_" + action.replace("-", "_"))(**options)
            except (ValidationError, Branch.DoesNotExist, User.DoesNotExist) as exc:
                raise CommandError(_message(exc)) from exc

    def do_create(self, username, branch, role, full_name, password, **_):
        # The user page's rule for a username (UserForm), not a second one.
        username = UserForm.base_fields["username"].clean(username)
        branch_obj = Branch.objects.get(code=branch)
        services.do_create_user(
            username=username,
            password=password or self._ask_password(),
            branch=branch_obj,
            role=role,
            full_name=full_name,
            by_operator=True,
        )
        self.stdout.write(f"已创建用户 {username}（{Role(role).label}，{branch_obj.name}）")
        self._first_login_note()

    def do_set_password(self, username, password, **_):
        services.do_set_password(
            User.objects.get(username=username), password or self._ask_password(), by_operator=True
        )
        self.stdout.write(f"已重置 {username} 的密码")
        self._first_login_note()

    def do_set_role(self, username, role, **_):
        services.do_update_user(User.objects.get(username=username), role=role)
        self.stdout.write(f"{username} 的角色已改为 {Role(role).label}")

    def do_deactivate(self, username, **_):
        services.do_update_user(User.objects.get(username=username), is_active=False)
        self.stdout.write(f"已停用 {username}")

    def _first_login_note(self) -> None:
        if not settings.DEMO:
            self.stdout.write(FIRST_LOGIN_NOTE)

    def _ask_password(self) -> str:
        # The service checks the password rules, whether typed here or given as --password.
        try:
            first = getpass.getpass("密码：")
            again = getpass.getpass("再次输入密码：")
        except EOFError:  # no terminal and nothing on stdin (cron, a script)
            raise CommandError("没有读到密码：请在终端中运行，或用 --password 给出") from None
        if first != again:
            raise CommandError("两次输入的密码不一致")
        return first


def _message(exc) -> str:
    if isinstance(exc, Branch.DoesNotExist):
        return "部门代码不存在"
    if isinstance(exc, User.DoesNotExist):
        return "用户不存在"
    return "；".join(exc.messages)
