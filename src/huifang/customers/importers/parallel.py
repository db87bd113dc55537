"""Reading and validating a big CSV file in several processes.

Reading the cells and checking them is Python work, about as long per row as everything
the database then does with the staged rows. A machine's other cores can share it: the
file is cut at line breaks into byte ranges of about equal size (``CsvFile.parts``); a
forked process validates each range but the first, with its own copy of the validator
(lookups loaded before the fork, so shared), and stages the valid rows in a file of its
own (``PartFile``); this process validates the first range meanwhile. Then, part by part
in file order, the stage takes in each part's rows (``Stage.absorb``: one statement) and
the validator its errors, repeats and deferred lookups (``absorb``), row numbers shifted
by the rows before the part. The outcome is the one reading the file in one go gives:
the same rows staged with the same numbers, the same errors (tests compare both ways).

The other processes touch no database connection: what needs a query waits for
``absorb``. A part's problem reading the file (bad bytes, broken CSV) is reported with
its row number in the whole file.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import traceback
from collections.abc import Callable, Iterator

from django.conf import settings

from huifang.core import liveness
from huifang.customers.importers.readers import CsvPart, SourceError, Table, watch_blanks
from huifang.customers.importers.validators import excel_errors, overlong

CHUNK = 10_000
# A part is worth a process from about this size (~130,000 daily rows, ~0.5 s of work).
PART_FROM_BYTES = 8 << 20
# The part read here is this much larger than the others: a forked process takes longer
# over the same bytes (its start, copying the pages it writes to, its scratch file); at a
# million customers it took 1.1× (a month file) to 1.2× (a night's file) as long.
FIRST_PART = 1.1

Sink = Callable[[list[tuple]], None]


def stage_rows(rows: Iterator, validator, sink: Sink, progress=None) -> int:
    """Validate ``rows`` and hand the valid ones to ``sink`` in chunks; returns the rows
    read. ``progress(rows read)`` after each chunk."""
    buffer: list[tuple] = []
    total = 0
    row, width, errors, pos = validator.row, validator.header_width, validator.errors, validator.pos
    if validator.blank_columns:
        rows = watch_blanks(rows, validator.blank_columns, validator.blank_filled)
    for rowno, cells in rows:
        total += 1
        if width is not None and len(cells) > width and overlong(errors, rowno, cells, width):
            continue
        if type(cells) is not list and excel_errors(errors, rowno, cells, pos):
            continue
        staged = row(rowno, cells)
        if staged is not None:
            buffer.append(staged)
            if len(buffer) >= CHUNK:
                sink(buffer)
                buffer = []
                if progress is not None:
                    progress(total)
    sink(buffer)
    return total


def parts(table: Table, validator) -> list[CsvPart] | None:
    """The parts to validate ``table`` in, or None: one process reads it all."""
    processes = settings.IMPORT_PROCESSES
    if processes < 2 or table.csv is None or not validator.parallel:
        return None
    return table.csv.parts(processes, PART_FROM_BYTES, FIRST_PART)


def stage_parts(cut: list[CsvPart], validator, stage, progress=None) -> int:
    """Validate the parts of a file, the first here and the others in forked processes,
    and stage their valid rows in file order; returns the rows read. ``progress(rows
    read here, estimated rows in the file)``."""
    context = multiprocessing.get_context("fork")
    # Under this process's mark in the data dir: gone with it, or recovered after a kill.
    workdir = liveness.scratch_dir("import-")
    workers = []
    parent = os.getpid()
    try:
        for number, part in enumerate(cut[1:], start=1):
            file = stage.part_file(workdir / f"part{number}")
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_validate_part,
                args=(part, validator, file, send, receive, parent),
                daemon=True,
            )
            process.start()
            send.close()
            workers.append((process, receive, file))
        head = cut[0].open(last_row=1)
        share = (cut[0].end - cut[0].start) / (cut[-1].end - cut[0].start)

        def progress_head(done: int) -> None:
            if progress is not None:
                fraction = head.fraction()
                progress(done, int(done / fraction / share) if fraction else None)

        try:
            total = stage_rows(head.rows, validator, stage.insert, progress_head)
        finally:
            head.close()
        offset = head.last_row
        for process, receive, file in workers:
            try:
                outcome = receive.recv()
            except EOFError:
                outcome = ("error", f"exit code {process.exitcode}")
            process.join()
            if outcome[0] == "source":
                raise SourceError.at(outcome[1] + offset, outcome[2])
            if outcome[0] == "error":
                raise RuntimeError(f"校验进程出错：{outcome[1]}")
            _, state, rows, last_row, staged, filled = outcome
            validator.blank_filled |= filled
            file.rows = staged
            stage.absorb(file, offset)
            validator.absorb(state, offset, stage)
            total += rows
            offset += last_row
        return total
    finally:
        for process, receive, _ in workers:
            receive.close()
            if process.is_alive():
                process.kill()
            process.join()
        shutil.rmtree(workdir, ignore_errors=True)


def _validate_part(part: CsvPart, validator, file, send, receive, parent: int) -> None:
    """In a forked process: validate ``part`` and stage its rows in ``file``. It dies with
    ``parent`` (a killed import leaves no reader behind) and keeps no reading end of its
    own pipe, so a send to a parent that is gone fails instead of blocking."""
    liveness.die_with_parent(parent)
    receive.close()
    try:
        validator.in_part()
        table = part.open(last_row=0)
        rows = stage_rows(table.rows, validator, file.write)
        table.close()
        file.close()
        state = validator.part_state()
        send.send(("done", state, rows, table.last_row, file.rows, validator.blank_filled))
    except SourceError as exc:
        send.send(("source", getattr(exc, "row", 0), getattr(exc, "problem", str(exc))))
    except BaseException:
        send.send(("error", traceback.format_exc(limit=5)))
    finally:
        send.close()
