"""Output folders named on the command line (``guowen report --out DIR``, ``guowen backup FILE``,
``guowen restore --into DIR``): checked before any work, and a folder that cannot be used is
said in words that name it, never as the operating system's raw error.

Standard library and the message catalog only: ``bot.cli`` imports this at start-up.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from handlers.i18n import t
from storage.vocabulary import Language

REASONS = {
    errno.ENOTDIR: "cli.folder_is_file",
    errno.EEXIST: "cli.folder_is_file",
    errno.EACCES: "cli.folder_denied",
    errno.EPERM: "cli.folder_denied",
    errno.EROFS: "cli.folder_read_only",
    errno.ENOSPC: "cli.folder_full",
    errno.ENOENT: "cli.folder_cannot_make",
}
"""Why a folder cannot be used, by ``errno``, as catalog keys; others: the OS's own words."""


class FolderError(OSError):
    """An output folder that cannot be made or written: ``filename`` is the folder, ``errno``
    why (``ENOTDIR``: a file is in the way; ``EACCES``: no permission; ``ENOENT``: nothing can
    be made there, as under ``/proc``)."""


def writable_folder(folder: Path, *, create: bool = True) -> Path:
    """``folder``, made (with its parents, when ``create``) and shown writable by making and
    removing one temporary file in it. Raises ``FolderError`` naming ``folder`` otherwise."""
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as problem:
        number = problem.errno or 0
        raise FolderError(number, problem.strerror or str(problem), str(folder)) from None
    return folder


def can_make(folder: Path) -> Path:
    """``folder``, shown writable if it exists, or else makeable: its nearest existing parent
    is a folder that takes a new file. Nothing is left behind. Raises ``FolderError`` naming
    ``folder``."""
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        writable_folder(existing, create=False)
    except FolderError as problem:
        number = problem.errno or 0
        raise FolderError(number, problem.strerror or str(problem), str(folder)) from None
    return folder


def reason(language: Language | str | None, problem: OSError) -> str:
    """Why ``problem``'s folder cannot be used, in ``language`` (the catalog's ``cli.folder_*``
    words, or the OS's own for a reason they do not name)."""
    key = REASONS.get(problem.errno or 0)
    return t(language, key or "cli.folder_other", error=problem.strerror or str(problem))
