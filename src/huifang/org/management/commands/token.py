"""``huifang token create USERNAME`` (creates or replaces the user's REST API token and
prints it alone on the last line) and ``huifang token revoke USERNAME``; both audited."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit
from huifang.org import services
from huifang.org.models import User


class Command(BaseCommand):
    help = "维护 API 令牌：create（生成或替换，最后一行输出令牌）/ revoke（吊销）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("create", help="生成或替换用户的 API 令牌").add_argument("username")
        sub.add_parser("revoke", help="吊销用户的 API 令牌").add_argument("username")

    def handle(self, *args, action, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在")
        with audit.acting(label=f"command:token {action}"):
            try:
                if action == "create":
                    key = services.do_create_token(user)
                elif not services.do_revoke_token(user):
                    self.stdout.write(f"用户 {username} 没有 API 令牌，无需吊销")
                    return
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
        if action == "create":
            self.stdout.write(f"已为用户 {username} 生成 API 令牌（仅显示这一次）：")
            self.stdout.write(key)
        else:
            self.stdout.write(f"已吊销用户 {username} 的 API 令牌")
