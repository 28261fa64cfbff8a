"""The intake benchmark (``benchmarks/intake.py``) still drives guowen's current dialogue, and
its plain python-telegram-bot reference asks as many questions: each bot does a first intake and
one after a submission (which guowen opens with its add-or-new question), on Telegram and on
WeCom. Nothing here is timed: the figures are the benchmark's."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from fake_botapi import PHONE_INTAKE

ROOT = Path(__file__).resolve().parent.parent


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_intake", ROOT / "benchmarks/intake.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _updates_per_intake(figures: dict[str, Any]) -> list[tuple[str, int]]:
    return [(kind, count) for kind, count, _calls in figures["intakes"]]


async def test_the_benchmark_completes_intakes_on_guowen_and_on_the_plain_bot(
    tmp_path: Path,
) -> None:
    bench = _benchmark()
    (tmp_path / "guowen").mkdir()
    (tmp_path / "plain").mkdir()
    guowen = await bench.bench(1, 2, "off", tmp_path / "guowen")
    plain = await bench.bench_plain(1, 2, tmp_path / "plain")

    for figures in (guowen, plain):
        assert figures["broken"] == 0
        # Two intakes: the opening forward, the answers, the second after a submission.
        assert figures["updates"] == 2 + len(bench.answers(after_submission=False)) + len(
            bench.answers(after_submission=True)
        )
    after = 1 + len(bench.answers(after_submission=True))
    assert _updates_per_intake(guowen) == _updates_per_intake(plain)
    assert _updates_per_intake(guowen) == [
        ("forwarded text", after - 1),
        ("forwarded screenshot", after),
    ]
    assert set(PHONE_INTAKE) <= set(bench.answers(after_submission=False))


async def test_the_benchmark_completes_intakes_through_wecom(tmp_path: Path) -> None:
    bench = _benchmark()
    figures = await bench.bench_wecom(1, 2, tmp_path)

    assert figures["broken"] == 0
    # /new then the answers, then a screenshot after a submission: one question more.
    assert figures["updates"] == 2 + len(bench.answers(after_submission=False)) + len(
        bench.answers(after_submission=True)
    )
