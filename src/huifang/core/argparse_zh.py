"""argparse's own messages in Chinese for the ``huifang`` command line (a missing or
unknown argument, a bad number or choice): argparse looks each message up through the
module's ``_``/``ngettext`` when it is used, so replacing those two translates them.
Django's options every command has (``--verbosity``, ``--traceback`` …) get their help
in Chinese too (:data:`BASE_OPTIONS`), so ``huifang COMMAND --help`` is Chinese throughout."""

from __future__ import annotations

import argparse

MESSAGES = {
    "usage: ": "用法：",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项：%(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "expected one argument": "需要一个参数值",
    "expected at most one argument": "最多一个参数值",
    "expected at least one argument": "至少需要一个参数值",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "one of the arguments %s is required": "参数 %s 必须提供其中之一",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "show this help message and exit": "显示帮助并退出",
    "positional arguments": "位置参数",
    "options": "选项",
}
# Django's BaseCommand.create_parser adds these to every command, with English help.
BASE_OPTIONS = {
    "--version": "显示版本号并退出",
    "--verbosity": "输出详细程度：0 最少，1 正常，2 详细，3 非常详细",
    "--settings": "设置模块的 Python 路径（如 huifang.settings）；不指定时用环境变量 DJANGO_SETTINGS_MODULE",
    "--pythonpath": "加入 Python 路径的目录",
    "--traceback": "出错（CommandError）时显示完整的调用栈",
    "--no-color": "输出不着色",
    "--force-color": "强制输出着色",
    "--skip-checks": "跳过系统检查",
}
PLURALS = {"expected %s argument": "需要 %s 个参数值"}


def _(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if singular in PLURALS:
        return PLURALS[singular]
    return singular if n == 1 else plural


def _create_parser(self, prog_name, subcommand, **kwargs):
    parser = _django_create_parser(self, prog_name, subcommand, **kwargs)
    for action in parser._actions:
        option = next((o for o in action.option_strings if o in BASE_OPTIONS), None)
        if option is not None and action.help is not argparse.SUPPRESS:
            action.help = BASE_OPTIONS[option]
    return parser


_django_create_parser = None


def install() -> None:
    global _django_create_parser
    from django.core.management.base import BaseCommand

    argparse._ = _
    argparse.ngettext = ngettext
    if _django_create_parser is None:
        _django_create_parser = BaseCommand.create_parser
        BaseCommand.create_parser = _create_parser
