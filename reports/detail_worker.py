"""The detail sheet's rows written in a process of their own, beside the report's.

A quarter's detail rows (``reports.xlsx.DetailRows``) are the biggest part of a report's
work, and all of it is Python holding the GIL: a thread cannot run it beside the reading and
the figures, a second process can. The report's process still reads every record (one read
transaction: the report is pinned to the audit chain head it prints, and SQLite has no
snapshot two connections could share); it sends each batch's detail column values
(``reports.columns.Column.values``: texts, numbers, aware times, None), pickled, over a pipe.
The worker writes the same ``<row>`` elements into a file of a temporary folder, which the
report's process splices into the sheet as it saves the workbook
(``DetailRows.write_into``): the same bytes as written in the report's own process.

The worker is a fresh interpreter (``python -c``, with the report's ``sys.path``), not a
fork (the report's process has threads, the event loop's and the database driver's, which a
forked child must not inherit) nor multiprocessing's ``spawn`` (which imports the parent's
main script again in the child: all of the bot under ``guowen run``); it imports this module
alone and talks over a socket pair (``multiprocessing.connection.Connection``). It never
touches the database. It is killed, and its folder removed, by :meth:`DetailWorker.close`
whatever happened (an error, the report cancelled).
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from reports.detail_rows import DetailRows, StyleKey

log = logging.getLogger(__name__)
_END = b""  # the message that says no more rows come
_PIPE_CHUNK = 1 << 20  # bytes copied at a time when the rows are spliced


class DetailWorkerError(RuntimeError):
    """The worker process writing the detail rows failed or died; the message says how
    (its traceback when it could send one)."""


_RUNNING: set[int] = set()  # the ids of the workers started here and not yet ended
_START = "import sys; from reports.detail_worker import serve; serve(int(sys.argv[1]), sys.argv[2])"


def running() -> frozenset[int]:
    """The process ids of the workers this process started that have not been ended."""
    return frozenset(_RUNNING)


def serve(handle: int, path: str) -> None:
    """The worker process's entry: rows written to ``path``, told over the socket ``handle``."""
    _serve(Connection(handle), path)


def _peak_rss_mib() -> float | None:
    """This process's own peak RSS in MiB (``VmHWM`` of ``/proc/self/status``: the
    ``getrusage`` figure keeps the parent's pages at the fork); None where there is no
    ``/proc``."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _serve(connection: Connection, path: str) -> None:
    """The worker's loop: the sheet's set-up (zone, widths, style indexes, first row), then
    each batch's columns (a pickled list of each column pickled alone), then the end;
    answers ``("done", rows, bytes)`` or ``("failed", traceback)``."""
    try:
        tz, widths, styles, first_row = connection.recv()
        with open(path, "wb") as file:
            rows = DetailRows(tz, widths, styles.__getitem__, first_row, file=file)
            while True:
                message = connection.recv_bytes()
                if message == _END:
                    break
                rows.add_columns([pickle.loads(column) for column in pickle.loads(message)])
            size = rows.size
        connection.send(("done", rows.count, size, _peak_rss_mib()))
    except BaseException:  # whatever it was, the report's process is told
        connection.send(("failed", traceback.format_exc()))
    finally:
        connection.close()


class DetailWorker:
    """A worker process writing the detail rows: the :class:`reports.xlsx.DetailRows`
    interface (``add_columns``, ``size``, ``write_into``, ``close``) for the workbook.

    Started at once (an interpreter starting and importing takes about a second, which
    overlaps the first reads); told the sheet's set-up with the first rows. Not thread-safe:
    used by one thread at a time, as the workbook is. Raises :class:`DetailWorkerError` when
    the worker fails or dies."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="guowen-detail-"))
        self.path = self._folder / "rows.xml"
        ours, theirs = socket.socketpair()
        self._connection = Connection(ours.detach())
        # The report's own modules, wherever they were imported from.
        paths = os.pathsep.join(p for p in sys.path if p)
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-c", _START, str(theirs.fileno()), str(self.path)],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": paths},
            )
        except BaseException:
            self._process = None
            self.close()
            raise
        finally:
            theirs.close()
        _RUNNING.add(self._process.pid)
        self._set_up: tuple[ZoneInfo, list[float], dict[StyleKey, str], int] | None = None
        self._sent_set_up = False
        self._ended = False
        self.count = 0
        self._size: int | None = None
        self.peak_rss_mib: float | None = None
        """The worker's own peak RSS in MiB, once it has written every row."""

    @property
    def pid(self) -> int | None:
        """The worker process's id (None when it could not be started)."""
        return None if self._process is None else self._process.pid

    def set_up(
        self, tz: ZoneInfo, widths: Sequence[float], styles: dict[StyleKey, str], first_row: int
    ) -> None:
        """The sheet the rows are for: ``tz``, column ``widths``, the style indexes the rows
        use (``DetailRows.styles`` of the workbook), the first row's number."""
        self._set_up = (tz, list(widths), dict(styles), first_row)

    def _send(self, message: bytes) -> None:
        if self._connection.poll():  # an answer before the end: the worker failed
            self._failed()
        try:
            if not self._sent_set_up:
                self._connection.send(self._set_up)
                self._sent_set_up = True
            self._connection.send_bytes(message)
        except OSError as error:  # a broken pipe: the worker died
            self._failed(error)

    def add(self, rows: Iterable[Sequence[object]]) -> None:
        """Send ``rows``, each a value per column (``DetailRows.add``)."""
        rows = list(rows)
        if rows:
            self.add_columns([list(column) for column in zip(*rows, strict=True)])

    def add_columns(self, columns: Sequence[Sequence[object]]) -> None:
        """Send a batch of rows given column by column (``DetailRows.add_columns``)."""
        if self._set_up is None:
            raise DetailWorkerError("detail rows sent before the sheet was set up")
        if len(columns) != len(self._set_up[1]):
            raise ValueError("detail columns: one list per column of the sheet")
        count = len(columns[0]) if columns else 0
        if any(len(values) != count for values in columns):
            raise ValueError("detail columns of different lengths")
        if not count:
            return
        # Each column pickled alone: one pickle of the whole batch keeps every value in one
        # memo (tens of thousands of entries), which made it twice as slow.
        protocol = pickle.HIGHEST_PROTOCOL
        parts = [pickle.dumps(values, protocol=protocol) for values in columns]
        self._send(pickle.dumps(parts, protocol=protocol))
        self.count += count

    def finish(self) -> int:
        """Wait for the worker to have written every row; returns the rows' bytes."""
        if self._size is not None:
            return self._size
        if not self._ended:
            self._send(_END)
            self._ended = True
        try:
            answer = self._connection.recv()
        except (EOFError, OSError) as error:
            self._failed(error)
        self._wait()
        if answer[0] != "done":
            raise DetailWorkerError(f"the detail rows' worker failed:\n{answer[1]}")
        if answer[1] != self.count:
            raise DetailWorkerError(
                f"the detail rows' worker wrote {answer[1]} rows of {self.count}"
            )
        self._size = int(answer[2])
        self.peak_rss_mib = answer[3]
        log.info(
            "detail rows written by process %s: %d rows, %d bytes, peak RSS %s MiB",
            self.pid,
            self.count,
            self._size,
            self.peak_rss_mib,
            extra={"peak_rss_mib": self.peak_rss_mib},
        )
        return self._size

    def _failed(self, cause: BaseException | None = None) -> Any:
        said = ""
        try:
            if self._connection.poll(1.0):
                answer = self._connection.recv()
                said = str(answer[1]) if answer[0] == "failed" else ""
        except (EOFError, OSError):
            pass
        code = self._wait(5.0)
        raise DetailWorkerError(
            f"the detail rows' worker failed (exit code {code}):\n{said or cause!r}"
        ) from cause

    @property
    def size(self) -> int:
        """Bytes of rows written (all of them: waits for the worker)."""
        return self.finish()

    def write_into(self, sheet_xml: Path, out: IO[bytes]) -> None:
        """``DetailRows.write_into`` with the worker's rows; then :meth:`close`."""
        try:
            self.finish()
            head, tail = sheet_xml.read_bytes().split(b"</sheetData>", 1)
            out.write(head)
            with self.path.open("rb") as rows:
                shutil.copyfileobj(rows, out, _PIPE_CHUNK)
            out.write(b"</sheetData>")
            out.write(tail)
        finally:
            self.close()

    def _wait(self, timeout: float | None = None) -> int | None:
        """The worker's exit code once it ended (None: still running after ``timeout``)."""
        if self._process is None:
            return None
        try:
            code = self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        _RUNNING.discard(self._process.pid)
        return code

    def close(self) -> None:
        """Kill the worker if it still runs, and remove its folder (the rows with it)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        self._wait()
        self._connection.close()
        shutil.rmtree(self._folder, ignore_errors=True)
