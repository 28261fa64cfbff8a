"""Analysing a kept file reads its head and what its type's reader needs, never the whole of a
large file, and imports a reader's library only for a file of that reader's type."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path, PosixPath
from typing import IO, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from storage.media import EvidenceKind, analyse

REPO = Path(__file__).resolve().parent.parent
KIB = 1024
MIB = 1024 * KIB
HEAD_READ = 64 * KIB
"""What ``analyse`` reads of a file whose type needs no more than its head."""


class _Counted(io.BufferedReader):
    read_total = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        type(self).read_total += len(data)
        return data


class CountedPath(PosixPath):
    """A path whose ``open("rb")`` counts the bytes read through it."""

    def open(self, mode: str = "r", *args: Any, **kwargs: Any) -> IO[Any]:  # type: ignore[override]
        assert mode == "rb"
        return _Counted(io.FileIO(str(self), "r"))


def _mp4(size: int, rng: random.Random) -> bytes:
    ftyp = (24).to_bytes(4, "big") + b"ftypisom" + b"\0\0\2\0" + b"isomiso2"
    mvhd = b"\0" * 12 + (1000).to_bytes(4, "big") + (5000).to_bytes(4, "big") + b"\0" * 80
    moov = (8 + 8 + len(mvhd)).to_bytes(4, "big") + b"moov"
    moov += (8 + len(mvhd)).to_bytes(4, "big") + b"mvhd" + mvhd
    body = max(0, size - len(ftyp) - len(moov) - 8)
    return ftyp + moov + (8 + body).to_bytes(4, "big") + b"mdat" + rng.randbytes(body)


def _content(kind: str, size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    if kind == "other":
        return b"\0\xff" + rng.randbytes(size)
    if kind == "text":
        return ("证据材料 line\n" * (size // 20 + 1)).encode()
    if kind == "pdf":
        return b"%PDF-1.7\n" + rng.randbytes(size) + b"\n%%EOF\n"
    return _mp4(size, rng)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["other", "text", "pdf", "mp4"]),
    size=st.integers(min_value=0, max_value=6 * MIB),
    seed=st.integers(0, 2**32),
)
def test_a_large_file_is_described_from_its_head_and_a_few_boxes(
    tmp_path_factory: pytest.TempPathFactory, kind: str, size: int, seed: int
) -> None:
    plain = tmp_path_factory.mktemp("media") / "file"
    plain.write_bytes(_content(kind, size, seed))
    path = CountedPath(plain)
    _Counted.read_total = 0
    found = analyse(path)
    expected = {"other": "other", "text": "text", "pdf": "pdf", "mp4": "video"}[kind]
    assert found.kind == EvidenceKind(expected) and found.damage is None
    assert _Counted.read_total <= HEAD_READ + 4 * KIB


PROBE = """
import json, sys
from pathlib import Path
from storage.media import analyse
kinds = [analyse(Path(name)).kind.value for name in sys.argv[1:]]
print(json.dumps([kinds, "PIL" in sys.modules, "tinytag" in sys.modules]))
"""


def _probe(*paths: Path) -> list[Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *map(str, paths)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    result: list[Any] = json.loads(done.stdout)
    return result


def test_pillow_and_tinytag_are_imported_only_for_their_own_files(tmp_path: Path) -> None:
    other, text, image = tmp_path / "a.bin", tmp_path / "b.txt", tmp_path / "c.png"
    other.write_bytes(b"\0\xff" + random.Random(1).randbytes(MIB))
    text.write_text("证据\n" * 100, encoding="utf-8")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    image.write_bytes(out.getvalue())

    assert _probe(other, text) == [["other", "text"], False, False]
    assert _probe(other, image) == [["other", "image"], True, False]
