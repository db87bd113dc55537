"""``huifang keys generate|status|rotate``: the keys personal data is encrypted with at
rest (:mod:`huifang.core.fieldcrypt`, ``HUIFANG_FIELD_KEYS``; docs/operators.md)."""

from __future__ import annotations

import base64
import secrets

from django.core.management.base import BaseCommand, CommandError

from huifang.core import fieldcrypt


class Command(BaseCommand):
    help = "个人信息字段加密密钥：generate（生成新密钥）/ status（各密钥加密的数据量）/ rotate（全部改用当前密钥）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="生成一个新密钥（放在 HUIFANG_FIELD_KEYS 的最前面）")
        sub.add_parser("status", help="列出各加密字段中每个密钥加密的值的个数")
        sub.add_parser(
            "rotate", help="用当前密钥（HUIFANG_FIELD_KEYS 的第一个）重新加密全部个人信息字段"
        )

    def handle(self, *args, **options):
        action = options["action"]
        if action == "generate":
            key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
            self.stdout.write(f"密钥编号 {fieldcrypt.key_id(base64.urlsafe_b64decode(key))}")
            self.stdout.write(key)
            return
        if action == "status":
            self.stdout.write(f"当前密钥 {fieldcrypt.keyring().current}")
            for table, column, kid, count in fieldcrypt.status():
                self.stdout.write(f"{table}.{column}\t{kid}\t{count}")
            return
        try:
            counts = fieldcrypt.rotate()
        except fieldcrypt.Undecryptable as exc:
            raise CommandError(f"{exc}；未做任何修改") from exc
        for table, count in counts.items():
            self.stdout.write(f"{table}：重新加密 {count} 行")
        self.stdout.write(f"已全部使用密钥 {fieldcrypt.keyring().current} 加密")
