"""The ``huifang`` console script: Django's management entry point for this project.

A file the command could not read or write (a disk full, a path taken by a directory, a
permission) ends it with a Chinese message and exit status 1, never a traceback; commands
check their output path before they start (``core.output_files``). argparse's own messages
(a missing argument, a bad choice) are in Chinese (``core.argparse_zh``)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huifang.settings")
    from django.core.management import execute_from_command_line
    from xlsxwriter.exceptions import FileCreateError

    from huifang.core import argparse_zh

    argparse_zh.install()
    try:
        execute_from_command_line(argv if argv is not None else sys.argv)
    except (OSError, FileCreateError) as exc:
        cause = exc.__cause__ or exc.__context__ if isinstance(exc, FileCreateError) else exc
        where = getattr(cause, "filename", None) or ""
        reason = getattr(cause, "strerror", None) or str(cause)
        sys.stderr.write(f"CommandError: 无法读写文件{f' {where}' if where else ''}：{reason}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
