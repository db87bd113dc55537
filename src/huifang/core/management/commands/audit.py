"""``huifang audit seal`` and ``huifang audit verify``: the audit log's hash chain
(:mod:`huifang.core.audit_chain`). ``verify`` seals what is due first (``--no-seal`` to
check only), then recomputes the whole chain; it prints the head digest to keep outside
Huifang and exits non-zero naming the first broken row."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit_chain


class Command(BaseCommand):
    help = "审计日志哈希链：seal（封存新记录）/ verify（校验整条链，发现篡改时以非零状态退出）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seal", help="为尚未封存的审计日志追加哈希链（建议每几分钟由 cron 运行）")
        verify = sub.add_parser("verify", help="重新计算整条哈希链，报告第一处被篡改的记录")
        verify.add_argument("--no-seal", action="store_true", help="只校验，不先封存新记录")

    def handle(self, *args, **options):
        if options["action"] == "seal":
            self.stdout.write(f"已封存 {audit_chain.seal()} 条审计日志")
            return
        if not options["no_seal"]:
            audit_chain.seal()
        verdict = audit_chain.verify()
        if not verdict.ok:
            raise CommandError(
                f"审计日志哈希链在封存序号 {verdict.broken_seq}（审计日志 #{verdict.broken_event}）"
                f"处断裂：{verdict.reason}；此前 {verdict.checked} 条校验通过"
            )
        self.stdout.write(
            f"审计日志哈希链完整：校验 {verdict.checked} 条，尚未封存 {verdict.unsealed} 条"
            f"（{int(audit_chain.GRACE.total_seconds())} 秒内的新记录稍后封存）"
        )
        self.stdout.write(f"链头摘要 {verdict.head}")
