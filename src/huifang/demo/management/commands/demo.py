"""``huifang demo``: create or refresh the demo company and print its logins."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit
from huifang.demo import company


class Command(BaseCommand):
    help = (
        "创建或刷新演示公司：部门树、各角色演示账号、客户、一年的客户资金日报和高风险产品，"
        "数据经标准数据接口导入；可重复运行，最后打印演示账号。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=3000, help="客户数（默认 3000，至少 10）"
        )
        parser.add_argument(
            "--password",
            help="所有演示账号的密码（默认首次运行时随机生成，保存在数据目录的 demo_password）",
        )
        parser.add_argument(
            "--year", type=int, help="资金日报的年份（默认今天之前的最后一个完整年度）"
        )
        parser.add_argument("--seed", type=int, default=company.DEMO_SEED, help="随机种子")

    def handle(self, *args, **options):
        customers = options["customers"]
        if customers < 10:
            raise CommandError("--customers 至少为 10")
        year = options["year"] or company.default_year()
        if not 2000 <= year <= company.default_year() + 1:
            raise CommandError(f"--year {year} 不合理：请给出 2000 年至今的年份")
        password = options["password"]
        if password is not None and len(password) < 8:
            raise CommandError("--password 至少 8 个字符")

        def say(line: str) -> None:
            self.stdout.write(line)

        try:
            with audit.acting(label="command:demo"):
                logins = company.build_demo(
                    customers=customers,
                    password=password,
                    year=year,
                    say=say,
                    seed=options["seed"],
                )
        except company.DemoError as exc:
            raise CommandError(str(exc)) from exc
        say("")
        say(f"演示账号（密码保存在 {company.password_path()}）：")
        say(company.login_table(logins))
        if not settings.DEMO:
            say("HUIFANG_DEMO 未开启：新建或重置了密码的演示账号首次登录时须先修改密码。")
