"""OCR prefill on made screenshots: the share of case numbers proposed correctly, and the time
per image.

    python benchmarks/ocr.py [--rounds 1]

The screenshots are those of ``tests/screens.py`` (rendered with WenQuanYi Zen Hei, some small,
grey or JPEG-compressed). Reported beside a reference measured in the same run: decoding the
same image with Pillow, the least any reading of it costs. Needs the optional ``ocr`` extra.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from PIL import Image  # noqa: E402
from screens import SCREENS  # noqa: E402

from handlers import ocr  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    rounds = parser.parse_args().rounds
    if not ocr.available():
        sys.exit("the OCR engine is not installed: pip install -e '.[ocr]'")
    images = [(screen, screen.render()) for screen in SCREENS]
    started = time.perf_counter()
    ocr.read_lines(images[0][1])  # loads the models once
    loading = time.perf_counter() - started
    reading: list[float] = []
    decoding: list[float] = []
    right = {"case_number": 0, "name": 0, "unit": 0}
    for _ in range(rounds):
        for screen, data in images:
            started = time.perf_counter()
            with Image.open(io.BytesIO(data)) as image:
                image.convert("RGB").load()
            decoding.append(time.perf_counter() - started)
            started = time.perf_counter()
            found = ocr.propose(ocr.read_lines(data), year_now=2026)
            reading.append(time.perf_counter() - started)
            expected = screen.case_number.translate(str.maketrans("(〔)〕", "（（））"))
            right["case_number"] += found.case_number == expected
            right["name"] += found.inquirer_name == screen.name
            right["unit"] += found.inquirer_unit == screen.unit
    total = len(images) * rounds
    print(f"screenshots: {len(images)} x {rounds} round(s); models loaded in {loading:.1f} s")
    for what, count in right.items():
        print(f"{what:12s} proposed correctly: {count}/{total} ({count / total:.0%})")
    print(
        f"time per image: median {statistics.median(reading):.2f} s, max {max(reading):.2f} s"
        f"  (reference, Pillow decode: median {statistics.median(decoding) * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
