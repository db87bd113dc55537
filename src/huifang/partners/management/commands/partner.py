"""``huifang partner create NAME --kind apphall|callcenter|sms [--url URL]`` (prints
``key=…`` and, on the last line, ``secret=…``, shown this once), ``huifang partner list``,
``huifang partner disable NAME`` and ``huifang partner enable NAME``; all audited."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit
from huifang.partners import services
from huifang.partners.models import Partner, PartnerKind


class Command(BaseCommand):
    help = "维护对接方：create（新建，最后一行输出密钥）/ list / disable / enable"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="新建对接方，输出 key 与 secret（密钥仅显示一次）")
        create.add_argument("name", help="对接方名称，如 掌厅")
        create.add_argument("--kind", required=True, choices=PartnerKind.values, help="类型")
        create.add_argument("--url", default="", help="推送地址（http/https，可选）")
        sub.add_parser("list", help="列出对接方")
        sub.add_parser("disable", help="停用对接方").add_argument("name")
        sub.add_parser("enable", help="启用对接方").add_argument("name")

    def handle(self, *args, action, **options):
        with audit.acting(label=f"command:partner {action}"):
            try:
                getattr(self, f"run_{action}")(**options)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc

    def run_create(self, *, name, kind, url, **options):
        partner, secret = services.do_create_partner(name, kind, url)
        self.stdout.write(
            f"已新建对接方 {partner.name}（{partner.get_kind_display()}），密钥仅显示这一次："
        )
        self.stdout.write(f"key={partner.key}")
        self.stdout.write(f"secret={secret}")

    def run_list(self, **options):
        rows = [("名称", "类型", "key", "地址", "状态")]
        for p in Partner.objects.order_by("name"):
            state = "启用" if p.is_enabled else "停用"
            rows.append((p.name, p.get_kind_display(), p.key, p.url or "-", state))
        if len(rows) == 1:
            self.stdout.write("还没有对接方")
            return
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)]
            self.stdout.write("  ".join(cells).rstrip())

    def run_disable(self, *, name, **options):
        services.do_set_enabled(_named(name), False)
        self.stdout.write(f"已停用对接方 {name}")

    def run_enable(self, *, name, **options):
        services.do_set_enabled(_named(name), True)
        self.stdout.write(f"已启用对接方 {name}")


def _named(name: str) -> Partner:
    partner = Partner.objects.filter(name=name).first()
    if partner is None:
        raise CommandError(f"对接方 {name} 不存在")
    return partner


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
