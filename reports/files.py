"""Where documents are written, and how they are named and fingerprinted."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

_UNSAFE = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')


def safe_name(text: str) -> str:
    """``text`` usable as a file name on any system the files may be copied to."""
    return _UNSAFE.sub("_", text).strip("._") or "_"


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``, read in 1 MiB chunks; raises ``OSError``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through ``write(temporary)`` and rename into place: a reader (a transport
    sending the file) never sees half a document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".part-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
