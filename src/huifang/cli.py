"""The ``huifang`` console script: Django's management entry point for this project.

A file the command could not read or write (a disk full, a path taken by a directory, a
permission) ends it with a Chinese message and exit status 1, never a traceback; commands
check their output path before they start (``core.output_files``). So does a database that
cannot be reached, or that ``huifang migrate`` has not set up yet (a new data directory).
argparse's own messages (a missing argument, a bad choice) are in Chinese
(``core.argparse_zh``), and so are an unknown command and ``huifang help``.

A command's refusal (``CommandError``) is written as ``错误：`` and its Chinese message,
without Django's English ``CommandError:`` prefix, with the command's exit status
(:func:`chinese_command_errors`, for every command at once); ``--traceback`` still raises
it, and ``call_command`` (tests, one command calling another) still gets the exception."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huifang.settings")
    from django.db import DatabaseError
    from xlsxwriter.exceptions import FileCreateError

    from huifang.core import argparse_zh

    argparse_zh.install()
    chinese_command_errors()
    try:
        utility()(argv if argv is not None else sys.argv).execute()
    except (OSError, FileCreateError) as exc:
        cause = exc.__cause__ or exc.__context__ if isinstance(exc, FileCreateError) else exc
        where = getattr(cause, "filename", None) or ""
        reason = getattr(cause, "strerror", None) or str(cause)
        sys.stderr.write(error_line(f"无法读写文件{f' {where}' if where else ''}：{reason}"))
        sys.exit(1)
    except DatabaseError:
        hint = database_hint()
        if hint is None:  # the schema is complete: a real fault, keep its traceback
            raise
        sys.stderr.write(error_line(hint))
        sys.exit(1)


ERROR_PREFIX = "错误："


def error_line(message: str) -> str:
    """How the command line states a failure on stderr: ``错误：`` and the message."""
    return f"{ERROR_PREFIX}{message}\n"


def chinese_command_errors() -> None:
    """Make every management command write its ``CommandError`` as :func:`error_line`
    (Django's ``run_from_argv`` writes ``CommandError: …``), exiting with the error's
    status. Only a command run from the command line: ``call_command`` and
    ``--traceback`` get the exception as before; system-check errors keep Django's
    own report."""
    from django.core.management.base import BaseCommand, CommandError, SystemCheckError

    if getattr(BaseCommand.execute, "chinese_errors", False):
        return
    django_execute = BaseCommand.execute

    def execute(self, *args, **options):
        try:
            return django_execute(self, *args, **options)
        except CommandError as exc:
            if (
                not getattr(self, "_called_from_command_line", False)
                or options.get("traceback")
                or isinstance(exc, SystemCheckError)
            ):
                raise
            self.stderr.write(error_line(str(exc)), ending="")
            sys.exit(exc.returncode)

    execute.chinese_errors = True
    BaseCommand.execute = execute


def utility():
    """Django's ManagementUtility saying in Chinese what it says itself: an unknown
    command (with the nearest one) and the list of commands (``huifang help``). The
    project's own ``createsuperuser`` wins over Django's by its app's place in
    ``INSTALLED_APPS`` (``huifang.overrides``), for every entry point."""
    from difflib import get_close_matches

    from django.core.management import ManagementUtility, get_commands

    class Utility(ManagementUtility):
        def fetch_command(self, subcommand):
            commands = get_commands()
            if subcommand not in commands:
                message = f"未知命令：{subcommand}"
                nearest = get_close_matches(subcommand, commands)
                if nearest:
                    message += f"（是否要运行 {nearest[0]}？）"
                sys.stderr.write(f"{message}\n运行 {self.prog_name} help 查看全部命令\n")
                sys.exit(1)
            return super().fetch_command(subcommand)

        def main_help_text(self, commands_only=False):
            text = super().main_help_text(commands_only)
            return text.replace(
                f"Type '{self.prog_name} help <subcommand>' for help on a specific subcommand.",
                f"运行 {self.prog_name} help 命令 查看某个命令的用法（或 {self.prog_name} 命令 --help）。",
            ).replace("Available subcommands:", "全部命令：")

    return Utility


def database_hint() -> str | None:
    """Why the database refused a command, when it is the setup rather than the command:
    it cannot be reached, or migrations are missing. None when neither is the case."""
    from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"无法连接数据库（请检查 HUIFANG_DATABASE_URL）：{reason}"
    if plan:
        return "数据库尚未初始化或有未应用的迁移：请先运行 huifang migrate"
    return None


if __name__ == "__main__":
    main()
