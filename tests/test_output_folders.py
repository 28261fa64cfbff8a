"""An output folder named on the command line that cannot be made or written is said in words
that name it, with exit status 2, before any work: ``guowen report --out``, ``guowen backup``
(the backup file's folder), ``guowen restore --into``, ``guowen demo --out``. Never the OS's raw
error, never a word about the database.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from test_cli_staff import config  # noqa: F401

from bot import cli, folders
from handlers.i18n import t

PROC = Path("/proc")


def in_the_way(tmp_path: Path) -> tuple[Path, str]:
    """A file where the folder should be."""
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    return tmp_path / "taken", "cli.folder_is_file"


def under_a_file(tmp_path: Path) -> tuple[Path, str]:
    """A folder to be made below a file."""
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    return tmp_path / "plain" / "sub", "cli.folder_is_file"


def unmakeable(_tmp_path: Path) -> tuple[Path, str]:
    """A place that takes no new file or folder (``/proc``)."""
    if not PROC.is_dir():
        pytest.skip("no /proc here")
    return PROC / "nope", "cli.folder_cannot_make"


PLACES = [in_the_way, under_a_file, unmakeable]


def said(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    text = (captured.err + captured.out).strip()
    assert "Traceback" not in text
    assert "Errno" not in text
    assert "数据库" not in text and "database" not in text
    return text


@pytest.mark.parametrize("place", PLACES)
def test_report_out(
    config: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    place: Callable[[Path], tuple[Path, str]],
) -> None:
    folder, why = place(tmp_path)
    argv = ["report", "2026Q3", "--out", str(folder), "--config", str(config)]
    assert cli.main(argv, out=io.StringIO()) == 2
    assert said(capsys) == t(None, "cli.out_unusable", path=folder, reason=t(None, why))


@pytest.mark.parametrize("place", PLACES)
def test_backup_file_folder(
    config: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    place: Callable[[Path], tuple[Path, str]],
) -> None:
    assert cli.main(["db", "upgrade", "--config", str(config)], out=io.StringIO()) == 0
    folder, why = place(tmp_path)
    target = folder / "court.tar"
    out = io.StringIO()
    assert cli.main(["backup", str(target), "--config", str(config)], out=out) == 2
    text = said(capsys) + out.getvalue().strip()
    if folder.exists():  # a file where the backup's folder should be
        words = t(None, why)
        assert text == t(None, "maintenance.backup_target_unwritable", path=folder, reason=words)
    else:  # a backup goes into a folder that is there already
        assert text == t(None, "maintenance.backup_target_dir_missing", path=folder)


def test_backup_in_a_folder_that_takes_no_file(
    config: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not PROC.is_dir():
        pytest.skip("no /proc here")
    out = io.StringIO()
    assert cli.main(["db", "upgrade", "--config", str(config)], out=out) == 0
    out = io.StringIO()
    assert cli.main(["backup", str(PROC / "court.tar"), "--config", str(config)], out=out) == 2
    words = t(None, "cli.folder_cannot_make")
    assert said(capsys) + out.getvalue().strip() == t(
        None, "maintenance.backup_target_unwritable", path=PROC, reason=words
    )


@pytest.mark.parametrize("place", [under_a_file, unmakeable])
def test_restore_into(
    config: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    place: Callable[[Path], tuple[Path, str]],
) -> None:
    folder, why = place(tmp_path)
    archive = tmp_path / "missing.tar"
    out = io.StringIO()
    argv = ["restore", str(archive), "--into", str(folder), "--config", str(config)]
    assert cli.main(argv, out=out) == 2
    text = said(capsys) + out.getvalue().strip()
    assert text == t(None, "maintenance.restore_into_unusable", path=folder, reason=t(None, why))


@pytest.mark.parametrize("place", PLACES)
def test_demo_out(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    place: Callable[[Path], tuple[Path, str]],
) -> None:
    folder, why = place(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["demo", "--out", str(folder)], out=io.StringIO()) == 2
    text = said(capsys)
    assert text == t(None, "cli.demo_bad_out", path=str(folder), reason=t(None, why))


def test_every_reason_has_words() -> None:
    for key in {*folders.REASONS.values(), "cli.folder_other"}:
        for language in ("zh-CN", "en"):
            assert t(language, key, error="x")
