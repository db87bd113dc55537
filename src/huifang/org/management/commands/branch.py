"""``huifang branch add CODE NAME [--parent CODE]`` and ``huifang branch list``."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit
from huifang.org.models import Branch
from huifang.org.services import do_save_branch


class Command(BaseCommand):
    help = "维护部门树：add（新建或修改）/ list"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="新建或修改部门")
        add.add_argument("code")
        add.add_argument("name")
        add.add_argument("--parent", help="上级部门代码；省略表示顶级（总部）")
        sub.add_parser("list", help="列出部门树")

    def handle(self, *args, action, **options):
        if action == "list":
            for branch in Branch.objects.order_by("path"):
                self.stdout.write(f"{'  ' * branch.depth}{branch.code} {branch.name}")
            return
        parent = None
        if options["parent"]:
            parent = Branch.objects.filter(code=options["parent"]).first()
            if parent is None:
                raise CommandError(f"上级部门 {options['parent']} 不存在")
        with audit.acting(label="command:branch"):
            try:
                branch, outcome = do_save_branch(
                    code=options["code"], name=options["name"], parent=parent
                )
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
        labels = {"created": "已新建", "updated": "已修改", "unchanged": "无变化"}
        self.stdout.write(f"{labels[outcome]}：{branch}")
