"""What ``guowen verify``, ``guowen backup`` and ``guowen restore`` say and return.

Exit codes: 0 all is well, 1 a problem was found (or a backup is incomplete), 2 the command
could not run as asked (a missing file, a non-empty folder or database, an evidence store that
does not answer, an old schema). Every sentence comes from the ``maintenance`` catalog; ``out``
gets results, ``err`` only the bar.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot import folders
from bot.config import SECRET_FILES, SECRETS, Settings
from bot.evidence import evidence_blobs
from bot.metrics import note_verify
from handlers.i18n import DEFAULT, catalog, join, t
from storage import backup as archive
from storage import verify as checks
from storage.audit import ChainProblem, ChainProblemKind
from storage.db import Database, revision
from storage.logical import LoadError
from storage.vocabulary import Language

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2


def _say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def human_size(size: int) -> str:
    """``size`` bytes for a person: B, then KiB, MiB, GiB, TiB of 1,024 (binary) units each."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


class ProgressBar:
    """A one-line bar on a terminal, redrawn only when the whole percentage changes."""

    WIDTH = 30

    def __init__(self, stream: TextIO, language: Language) -> None:
        self._stream = stream
        self._language = language
        self._last: tuple[str, int] | None = None

    def show(self, progress: checks.Progress) -> None:
        """Redraw the bar for ``progress`` (only when its phase or whole percent changed)."""
        total = max(progress.total, 0)
        percent = 100 if total == 0 else min(100, progress.done * 100 // total)
        if self._last == (progress.phase, percent):
            return
        self._last = (progress.phase, percent)
        filled = self.WIDTH * percent // 100
        label = t(self._language, f"maintenance.phase_{progress.phase}")
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._stream.write(f"\r{label} [{bar}] {percent:3d}%")
        self._stream.flush()

    def clear(self) -> None:
        """Erase the bar's line, if one is drawn."""
        if self._last is not None:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
            self._last = None


def describe(language: Language | str | None, problem: checks.Problem) -> str:
    """One line naming one problem."""
    if isinstance(problem, checks.FileProblem):
        prefix = "thumbnail_" if problem.thumbnail else ""
        return t(
            language,
            f"maintenance.problem_{prefix}{problem.kind}",
            sha256=problem.sha256,
            path=problem.path,
            expected=problem.expected_size if problem.expected_size is not None else "?",
            actual=problem.actual_size if problem.actual_size is not None else "?",
            actual_sha256=problem.actual_sha256 or "?",
        )
    if isinstance(problem, ChainProblem):
        key = str(problem.kind)
        last = problem.last_seq if problem.last_seq is not None else problem.seq
        if problem.kind is ChainProblemKind.REMOVED and last != problem.seq:
            key = "events_removed"
        return t(language, f"maintenance.problem_{key}", seq=problem.seq, last=last)
    if isinstance(problem, checks.RowProblem):
        return t(
            language,
            f"maintenance.problem_{problem.subject}_{problem.kind}",
            ref=problem.ref,
            seq=problem.seq if problem.seq is not None else "?",
            fields=join(
                language,
                [column_words(language, name, problem.subject) for name in problem.fields],
            ),
        )
    if isinstance(problem, checks.AnchorProblem):
        return t(
            language,
            f"maintenance.problem_{problem.kind}",
            seq=problem.seq,
            expected=problem.expected,
            actual=problem.actual or "?",
            last=problem.last_seq,
        )
    return t(
        language,
        f"maintenance.problem_{problem.kind}",
        item=problem.item_id,
        seq=problem.seq if problem.seq is not None else "?",
        fields=join(language, [column_words(language, name, "item") for name in problem.fields]),
    )


def column_words(language: Language | str | None, name: str, subject: str = "record") -> str:
    """An item ``verify`` found differing in a row of ``subject`` (``record``, ``staff``,
    ``department``, ``identity``, ``amendment``, ``item``, ``reminder``), as the discipline
    office reads it, with the database's own name beside it for IT staff:
    "过问人姓名（inquirer_name）". A
    record's field takes the form's own label; a co-signer's confirmation (``cosigner 12``,
    ``offline 王某``) and everything else the catalog's ``maintenance.column``; a name
    neither knows is given as it is."""
    from reports.form import BY_KEY  # the form's labels; imported on use

    head, _, rest = name.partition(" ")
    if subject == "record" and rest and head in ("cosigner", "offline"):
        return t(language, f"maintenance.column.{head}_one", id=rest, name=rest)
    lang = Language(language) if language in tuple(Language) else DEFAULT
    key = {"handler_id": "handler", "department_id": "department"}.get(name, name)
    words = catalog(lang)
    if subject == "record" and key in BY_KEY:
        label = BY_KEY[key].title(lang)
    elif f"maintenance.column.{subject}.{name}" in words:
        label = words[f"maintenance.column.{subject}.{name}"]
    elif subject == "record" and f"maintenance.column.{name}" in words:
        label = words[f"maintenance.column.{name}"]
    else:
        return name
    return t(language, "maintenance.column_named", label=label, name=name)


async def _unusable(db: Database, language: Language) -> str | None:
    """Why the database cannot be checked or backed up as it is, if it cannot."""
    url = make_url(db.url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database or "")
        if not await asyncio.to_thread(path.is_file):
            return t(language, "maintenance.db_missing", path=path)
    try:
        current, head = await revision(db.engine)
    except (OSError, DBAPIError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return t(language, "maintenance.db_unreachable", reason=reason)
    if current != head:
        return t(language, "maintenance.db_not_current", current=current or "-", head=head)
    return None


async def verify(
    settings: Settings,
    out: TextIO,
    *,
    progress: bool,
    err: TextIO | None = None,
    expect_head: str | None = None,
) -> int:
    """Re-hash the evidence and walk the chain: one summary line, or one line per problem.

    ``expect_head`` is a head kept outside the database, as a form, a report or discipline's
    daily message prints it (``storage.verify.parse_anchor``): the chain must still hold that
    event with that hash (exit 1 when it does not, 2 when the text is not such a head); when
    it does, a second line says so.
    """
    language = settings.language
    anchor: checks.Anchor | None = None
    if expect_head is not None:
        anchor = checks.parse_anchor(expect_head)
        if anchor is None:
            _say(out, t(language, "maintenance.bad_anchor", value=expect_head))
            return EXIT_USAGE
    stream = err if err is not None else sys.stderr
    bar = ProgressBar(stream, language) if progress and stream.isatty() else None
    db = Database(settings.storage.database_url)
    problems = 0
    summary: checks.Summary | None = None
    try:
        if (reason := await _unusable(db, language)) is not None:
            _say(out, reason)
            return EXIT_USAGE
        blobs = evidence_blobs(settings)
        async for report in checks.verify(db, blobs, expect_head=anchor):
            if isinstance(report, checks.Progress):
                if bar is not None:
                    bar.show(report)
            elif isinstance(report, checks.Summary):
                summary = report
            else:
                if bar is not None:
                    bar.clear()
                _say(out, describe(language, report))
                problems += 1
    finally:
        if bar is not None:
            bar.clear()
        await db.close()
    ok = not problems and summary is not None
    note_verify(settings.evidence_path, ok=ok, problems=problems, at=datetime.now(UTC))
    if not ok or summary is None:
        return EXIT_PROBLEM
    _say(
        out,
        t(
            language,
            "maintenance.verify_ok",
            files=summary.files,
            size=human_size(summary.bytes),
            thumbnails=summary.thumbnails,
            events=summary.events,
            items=summary.items,
            seq=summary.head_seq,
            hash=summary.head_hash,
        ),
    )
    if summary.held:
        _say(out, t(language, "maintenance.verify_held", held=summary.held))
    if anchor is not None:
        _say(out, t(language, "maintenance.verify_anchor_ok", seq=anchor.seq, hash=anchor.hash))
    return EXIT_OK


CARRIED = ("court", "deadlines")
"""The configuration sections a backup carries for its restore: none holds a secret."""


def carried_settings(settings: Settings) -> archive.Carried:
    """The sections of ``settings`` named in ``CARRIED`` that hold no secret, as the file
    would give them (``[court]``: name, code, timezone, language, record_number;
    ``[deadlines]``): section -> key -> value. A key naming a file (``case_types_file``,
    ``holidays_file``) is left out: the file is not in the archive, and a restored
    configuration naming a file missing on the spare machine would not load."""
    secret = {section for section, _key in (*SECRETS, *SECRET_FILES)}
    return {
        name: {
            key: value
            for key, value in getattr(settings, name).model_dump(mode="json").items()
            if not key.endswith("_file")
        }
        for name in CARRIED
        if name not in secret
    }


async def backup(
    settings: Settings, target: Path, at: datetime, out: TextIO, *, logical: bool = False
) -> int:
    """Write the archive ``target``: the database snapshot, the evidence and a manifest.

    ``logical``: dump the database through SQLAlchemy (``storage.logical``) rather than with
    SQLite's copy or pg_dump; without pg_dump PostgreSQL is dumped so anyway.
    """
    language = settings.language
    if target.parent.exists():  # a missing one is ``backup_target_dir_missing``
        try:
            folders.writable_folder(target.parent, create=False)
        except folders.FolderError as problem:
            words = folders.reason(language, problem)
            _say(
                out,
                t(
                    language,
                    "maintenance.backup_target_unwritable",
                    path=target.parent,
                    reason=words,
                ),
            )
            return EXIT_USAGE
    db = Database(settings.storage.database_url)
    try:
        if (reason := await _unusable(db, language)) is not None:
            _say(out, reason)
            return EXIT_USAGE
        blobs = evidence_blobs(settings)
        summary = await archive.backup(
            db,
            blobs,
            target,
            at=at,
            actor="cli",
            logical_dump=logical,
            settings=carried_settings(settings),
        )
    except archive.BackupError as error:
        _say(out, t(language, f"maintenance.backup_{error.code}", **error.detail))
        failed = error.code is archive.BackupErrorCode.PG_DUMP_FAILED
        return EXIT_PROBLEM if failed else EXIT_USAGE
    finally:
        await db.close()
    for sha256, path in summary.missing:
        _say(out, t(language, "maintenance.backup_file_missing", sha256=sha256, path=path))
    for sha256, path, found in summary.altered:
        _say(
            out,
            t(language, "maintenance.backup_file_altered", sha256=sha256, path=path, found=found),
        )
    _say(
        out,
        t(
            language,
            "maintenance.backup_done",
            path=summary.path,
            files=summary.files,
            thumbnails=summary.thumbnails,
            size=human_size(summary.bytes),
            seq=summary.head_seq,
            hash=summary.head_hash,
            seconds=f"{summary.seconds:.1f}",
            sha256=summary.sha256,
        ),
    )
    return EXIT_PROBLEM if summary.missing or summary.altered else EXIT_OK


def restore(
    archive_path: Path, into: Path, out: TextIO, *, language: Language | str | None = None
) -> int:
    """Unpack a backup into an empty folder and check it against its manifest, all or nothing
    (``storage.backup.restore``: a backup that fails a check leaves ``into`` as it was; 2: a
    folder ``into`` that cannot be made or written, said before anything is unpacked)."""
    if not _into_usable(into, out, language):
        return EXIT_USAGE
    try:
        summary = archive.restore(archive_path, into)
    except archive.RestoreError as error:
        _say(out, t(language, f"maintenance.restore_{error.code}", **error.detail))
        return EXIT_USAGE
    if _unpacked_badly(summary, out, language):
        return EXIT_PROBLEM
    key = {"sqlite": "restore_done"}.get(summary.database, "restore_postgresql")
    if summary.dump == "logical":
        key = "restore_logical"
    _say(
        out,
        t(
            language,
            f"maintenance.{key}",
            into=summary.into,
            seq=summary.head_seq,
            config=summary.config,
            dump=summary.database_file,
            archive=archive_path,
        ),
    )
    _court_missing(summary, out, language)
    return EXIT_OK


async def restore_into_database(
    archive_path: Path,
    into: Path,
    database_url: str,
    out: TextIO,
    *,
    language: Language | str | None = None,
) -> int:
    """Unpack a backup holding a logical dump and load it into the empty ``database_url``.

    ``into/config.toml`` then names that database and the unpacked evidence, ready for
    ``guowen verify --config``. All or nothing for the folder: it is moved into place only
    once the dump is loaded; a failure leaves ``into`` as it was (and
    ``maintenance.restore_load_failed`` says what to do with the database).
    """
    if not _into_usable(into, out, language):
        return EXIT_USAGE
    try:
        staged = await asyncio.to_thread(archive.stage, archive_path, into)
    except archive.RestoreError as error:
        _say(out, t(language, f"maintenance.restore_{error.code}", **error.detail))
        return EXIT_USAGE
    try:
        if _unpacked_badly(staged.summary, out, language):
            await asyncio.to_thread(staged.discard)
            return EXIT_PROBLEM
        rows = await archive.load_restored(staged.summary, database_url)
        summary = await asyncio.to_thread(staged.commit)
    except BaseException as error:
        await asyncio.to_thread(staged.discard)
        if isinstance(error, archive.RestoreError):
            _say(out, t(language, f"maintenance.restore_{error.code}", **error.detail))
            return EXIT_USAGE
        if isinstance(error, LoadError):
            _say(out, t(language, "maintenance.restore_load_failed", reason=error))
            return EXIT_PROBLEM
        if isinstance(error, (OSError, DBAPIError)):
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            _say(out, t(language, "maintenance.db_unreachable", reason=reason))
            return EXIT_USAGE
        raise
    url = make_url(database_url).render_as_string(hide_password=True)
    _say(
        out,
        t(
            language,
            "maintenance.restore_loaded",
            into=summary.into,
            rows=rows,
            url=url,
            seq=summary.head_seq,
            config=summary.config,
        ),
    )
    _court_missing(summary, out, language)
    return EXIT_OK


def _court_missing(
    summary: archive.RestoreSummary, out: TextIO, language: Language | str | None
) -> None:
    """Say that ``[court]`` must be copied by hand when the archive did not carry it (one
    made before backups carried the court's settings)."""
    if "court" not in summary.settings:
        _say(out, t(language, "maintenance.restore_court_missing", config=summary.config))


def _into_usable(into: Path, out: TextIO, language: Language | str | None) -> bool:
    """Whether ``into`` can be made, or is a folder that can be written; if not, say why."""
    if into.exists() and not into.is_dir():
        return True  # a file: ``restore_target_not_empty`` says so
    try:
        folders.can_make(into)
    except folders.FolderError as problem:
        words = folders.reason(language, problem)
        _say(out, t(language, "maintenance.restore_into_unusable", path=into, reason=words))
        return False
    return True


def _unpacked_badly(
    summary: archive.RestoreSummary, out: TextIO, language: Language | str | None
) -> bool:
    """Name each member that is not what the manifest says, and each evidence file the
    backup found altered when it was made; True when there was one."""
    problems = [
        *(("restore_file_corrupt", name) for name in summary.corrupt),
        *(("restore_file_missing", name) for name in summary.missing),
        *(("restore_file_unexpected", name) for name in summary.unexpected),
        *(("restore_file_altered", name) for name in summary.altered),
    ]
    for key, name in problems:
        _say(out, t(language, f"maintenance.{key}", name=name))
    return bool(problems)
