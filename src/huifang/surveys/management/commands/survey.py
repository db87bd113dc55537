"""``huifang survey import FILE.json [--publish]`` and ``huifang survey export CODE
FILE.json`` (interfaces.md, "Questionnaires as files").

Each subcommand is one entry of :data:`SUBCOMMANDS`: a function adding its arguments to
its subparser and a handler ``(command, options) -> None`` that raises ``CommandError``
with a Chinese message on failure. Another subcommand (``invite``) is one more entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from huifang.core import audit
from huifang.core.output_files import output_path
from huifang.surveys import content, services
from huifang.surveys.models import Questionnaire


@dataclass(frozen=True)
class Subcommand:
    help: str
    arguments: Callable  # (parser) -> None
    handle: Callable  # (command, options: dict) -> None


def _errors(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return "\n".join(exc.messages)
    return str(exc)


def read_json(path: str):
    """A JSON file's content, or ``CommandError`` saying in Chinese why not."""
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"文件不存在：{path}")
    try:
        return json.loads(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CommandError(f"文件不是 UTF-8 编码：{path}") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"文件不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{path}"
        ) from exc


def _import_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE.json", help="问卷文件（JSON）")
    parser.add_argument(
        "--publish", action="store_true", help="导入后立即发布为新版本（最后一行输出版本号）"
    )


def _import(command: BaseCommand, options: dict) -> None:
    data = read_json(options["file"])
    with audit.acting(label="command:survey import"):
        try:
            result = services.do_import_file(data, publish=options["publish"], actor=None)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(f"问卷文件无效，未导入：\n{_errors(exc)}") from exc
    questionnaire, version = result.questionnaire, result.version
    what = "新建问卷" if result.created else "更新问卷草稿"
    command.stdout.write(
        f"{what} {questionnaire.code}（{questionnaire.title}），{len(version.questions)} 题"
    )
    if result.unchanged:
        command.stdout.write(f"与第 {version.number} 版相同（未修改），无需发布新版本：")
        command.stdout.write(str(version.number))
    elif result.published:
        command.stdout.write(f"已发布为第 {version.number} 版：")
        command.stdout.write(str(version.number))


def _export_arguments(parser) -> None:
    parser.add_argument("code", metavar="CODE", help="问卷编号")
    parser.add_argument("file", metavar="FILE.json", help="写入的文件")


def _export(command: BaseCommand, options: dict) -> None:
    code, path = options["code"], Path(options["file"])
    questionnaire = Questionnaire.objects.filter(code=code).first()
    if questionnaire is None:
        raise CommandError(f"问卷 {code} 不存在")
    version = services.export_version(questionnaire)
    if version is None:
        raise CommandError(f"问卷 {code} 没有任何版本")
    path = output_path(str(path), (".json",))
    data = content.to_file(version)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    which = f"第 {version.number} 版" if version.is_published else "草稿"
    command.stdout.write(f"已导出问卷 {code} {which}（{len(data['questions'])} 题）到 {path}")


def _invite_arguments(parser) -> None:
    parser.add_argument("--batch", required=True, metavar="N", help="批次号：该批次涉及的任务")
    parser.add_argument(
        "--channel", required=True, choices=["apphall", "h5"], help="渠道：apphall（掌厅）或 h5"
    )
    parser.add_argument(
        "--questionnaire", metavar="CODE", help="问卷编号（默认按任务的回访业务类型选问卷）"
    )
    parser.add_argument(
        "--expires-days", type=int, default=14, metavar="D", help="有效天数（默认 14）"
    )


def _invite(command: BaseCommand, options: dict) -> None:
    from huifang.callbacks.models import Batch, CallbackTask
    from huifang.surveys import sending

    batch = Batch.objects.filter(number=options["batch"]).first()
    if batch is None:
        raise CommandError(f"批次 {options['batch']} 不存在")
    tasks = CallbackTask.objects.filter(links__batch=batch)
    with audit.acting(label="command:survey invite"):
        try:
            result = sending.do_invite(
                tasks,
                channel=options["channel"],
                questionnaire=options.get("questionnaire"),
                expires_days=options["expires_days"],
                actor=None,
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(f"未下发问卷：\n{_errors(exc)}") from exc
    command.stdout.write(f"批次 {batch.number}：{result.summary()}")
    command.stdout.write(str(result.created))


SUBCOMMANDS: dict[str, Subcommand] = {
    "import": Subcommand("导入问卷文件（新建问卷或更新草稿）", _import_arguments, _import),
    "export": Subcommand("导出问卷的最新版本为 JSON 文件", _export_arguments, _export),
    "invite": Subcommand("按批次下发问卷（掌厅或 H5）", _invite_arguments, _invite),
}


class Command(BaseCommand):
    help = "问卷管理：import（导入问卷文件）/ export（导出问卷）/ invite（下发问卷）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, entry in SUBCOMMANDS.items():
            entry.arguments(sub.add_parser(name, help=entry.help))

    def handle(self, *args, subcommand: str, **options):
        SUBCOMMANDS[subcommand].handle(self, options)
