"""``huifang rules list|show CODE|set CODE KEY=VALUE …`` — the rule catalogue."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from huifang.core import audit
from huifang.rules import params as P
from huifang.rules import services
from huifang.rules.models import Rule


class Command(BaseCommand):
    help = "回访规则：list 列出规则；show CODE 查看含义、参数与版本历史；set CODE KEY=VALUE … 保存新参数版本"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="列出所有规则")
        show = sub.add_parser("show", help="查看一条规则")
        show.add_argument("code")
        setp = sub.add_parser("set", help="保存新参数版本，例如 min_loss_amount=50000")
        setp.add_argument("code")
        setp.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
        setp.add_argument("--note", default="", help="修改说明")
        for name in ("enable", "disable"):
            p = sub.add_parser(name, help=("启用" if name == "enable" else "停用") + "规则")
            p.add_argument("code")

    def handle(self, *args, action, **options):
        with audit.acting(label="command:rules"):
            getattr(self, f"do_{action}")(**options)

    def _rule(self, code: str) -> Rule:
        rule = Rule.objects.select_related("current_version").filter(code=code.upper()).first()
        if rule is None:
            raise CommandError(f"未知规则：{code}")
        return rule

    def do_list(self, **options):
        self.stdout.write("编号\t名称\t类型\t状态\t版本\t操作员\t操作时间")
        for rule in Rule.objects.select_related("current_version", "updated_by"):
            self.stdout.write(
                "\t".join(
                    [
                        rule.code,
                        rule.name,
                        str(rule.get_kind_display()),
                        "启用" if rule.enabled else "停用",
                        f"v{rule.current_version.number}" if rule.current_version else "",
                        rule.updated_by.username if rule.updated_by else "",
                        f"{timezone.localtime(rule.updated_at):%Y-%m-%d %H:%M:%S}",
                    ]
                )
            )

    def do_show(self, code, **options):
        rule = self._rule(code)
        self.stdout.write(
            f"{rule.code} {rule.name}（{rule.get_kind_display()}，{'启用' if rule.enabled else '停用'}）"
        )
        if rule.description:
            self.stdout.write(f"描述：{rule.description}")
        self.stdout.write(f"含义：{P.describe(rule.rule_type, rule.params)}")
        self.stdout.write(f"参数（v{rule.current_version.number}）：")
        for key, label, value in P.display_params(rule.rule_type, rule.params):
            self.stdout.write(f"  {key}\t{label}\t{value}")
        self.stdout.write("版本历史：")
        for v in rule.versions.select_related("created_by").order_by("-number"):
            who = v.created_by.username if v.created_by else "系统"
            self.stdout.write(
                f"  v{v.number}\t{who}\t{timezone.localtime(v.created_at):%Y-%m-%d %H:%M:%S}\t{v.note}"
            )

    def do_set(self, code, pairs, note="", **options):
        rule = self._rule(code)
        changes = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"“{pair}”格式应为 KEY=VALUE")
            changes[key.strip()] = value
        try:
            version = services.do_update_rule(rule, changes, note=note, actor=None)
        except ValidationError as exc:
            if getattr(exc, "code", None) == services.UNCHANGED:
                # The parameters already are what was asked: done, as a re-run script expects.
                current = rule.current_version.number
                self.stdout.write(
                    f"{rule.code} 参数没有变化，仍为参数版本 v{current}（未保存新版本）"
                )
                return
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"{rule.code} 已保存参数版本 v{version.number}")

    def do_enable(self, code, **options):
        services.do_set_rule_enabled(self._rule(code), True, actor=None)
        self.stdout.write(f"已启用 {code.upper()}")

    def do_disable(self, code, **options):
        services.do_set_rule_enabled(self._rule(code), False, actor=None)
        self.stdout.write(f"已停用 {code.upper()}")
