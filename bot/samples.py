"""Sample material for ``guowen demo``: what a judge forwards to the bot, made at start.

A trainee sees the bot's main path (forwarding material received) only with a file to
forward, so the demo writes three into its own working folder, their words from the
catalog (``demo.sample.*``) in the demo's language:

- a WeChat-style chat screenshot (PNG, 720 × 1280 pixels), drawn with Pillow in the CJK
  fonts the reports' pictures use (``reports.charts.put``, fonts by ``reports.fonts``);
- a photographed letter (JPEG, 1200 × 1600 pixels, the sheet slightly turned on a desk);
- a short voice message (WAV, 16-bit mono PCM at 8 kHz, 3 seconds, written with the stdlib
  ``wave`` module: a voiced tone rising and falling as speech does, with pauses).
"""

from __future__ import annotations

import math
import struct
import wave
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from handlers.i18n import t
from reports import charts
from storage.vocabulary import Language

RATE = 8000  # samples a second, as a phone's voice message
SECONDS = 3


@dataclass(frozen=True)
class Sample:
    """One sample file: what it is (the catalog's words) and where it was written."""

    what: str
    path: Path


def write_samples(folder: Path, language: Language) -> list[Sample]:
    """Write the sample files into ``folder`` (created if need be); returns them in the
    order the banner names them. Raises ``OSError`` when the folder cannot be written."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for key, draw in (("wechat", _screenshot), ("letter", _letter), ("voice", _voice)):
        path = folder / t(language, f"demo.sample.{key}_file")
        draw(path, language)
        made.append(Sample(t(language, f"demo.sample.{key}"), path))
    return made


def _lines(language: Language, key: str) -> list[str]:
    return [line for line in t(language, key).splitlines() if line.strip()]


def _screenshot(path: Path, language: Language) -> None:
    """A chat as WeChat shows it: a title bar with the contact, grey page, the contact's
    messages in white bubbles on the left, the judge's in green on the right (lines
    starting ``>`` in the catalog)."""
    width, height = 720, 1280
    image = Image.new("RGB", (width, height), (237, 237, 237))
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, width, 96), fill=(247, 247, 247))
    charts.put(pen, (width / 2, 56), t(language, "demo.sample.wechat_contact"), 30, (0, 0, 0), "mm")
    pen.line((0, 96, width, 96), fill=(214, 214, 214), width=2)
    y = 130
    for line in _lines(language, "demo.sample.wechat_chat"):
        mine = line.startswith(">")
        text = line.lstrip("> ").strip()
        if line.startswith("@"):  # a time stamp between messages
            charts.put(pen, (width / 2, y + 14), text[1:].strip(), 22, (150, 150, 150), "mm")
            y += 56
            continue
        rows = _wrapped(pen, text, 28, 440)
        box_h = 28 * len(rows) * 1.3 + 36
        box_w = max(charts.text_width(pen, row, 28) for row in rows) + 44
        avatar = (width - 96, y, width - 24, y + 72) if mine else (24, y, 96, y + 72)
        pen.rounded_rectangle(avatar, radius=8, fill=(120, 160, 200) if mine else (200, 160, 120))
        left = width - 116 - box_w if mine else 116
        pen.rounded_rectangle(
            (left, y, left + box_w, y + box_h),
            radius=10,
            fill=(149, 236, 105) if mine else (255, 255, 255),
        )
        for n, row in enumerate(rows):
            charts.put(pen, (left + 22, y + 18 + n * 28 * 1.3), row, 28, (20, 20, 20))
        y += int(box_h) + 36
    pen.rectangle((0, height - 110, width, height), fill=(247, 247, 247))
    image.save(path, "PNG")


def _wrapped(pen: ImageDraw.ImageDraw, text: str, size: int, room: int) -> list[str]:
    """``text`` broken into rows no wider than ``room`` pixels, character by character."""
    rows = [""]
    for char in text:
        if rows[-1] and charts.text_width(pen, rows[-1] + char, size) > room:
            rows.append("")
        rows[-1] += char
    return rows


def _letter(path: Path, language: Language) -> None:
    """A letter on headed paper photographed on a desk: the sheet turned a little, blurred
    a little, saved as a camera's JPEG."""
    sheet = Image.new("RGB", (1000, 1400), (250, 248, 240))
    pen = ImageDraw.Draw(sheet)
    lines = _lines(language, "demo.sample.letter_text")
    head, body = lines[0], lines[1:]
    charts.put(pen, (500, 110), head, 46, (190, 20, 20), "mm")
    pen.line((80, 170, 920, 170), fill=(190, 20, 20), width=4)
    y = 230
    for line in body:
        for row in _wrapped(pen, line, 32, 820):
            charts.put(pen, (90, y), row, 32, (30, 30, 30))
            y += 52
        y += 12
    photo = Image.new("RGB", (1200, 1600), (120, 96, 72))  # the desk
    turned = sheet.rotate(-3, expand=True, fillcolor=(120, 96, 72))
    photo.paste(turned, ((1200 - turned.width) // 2, (1600 - turned.height) // 2))
    photo.filter(ImageFilter.GaussianBlur(0.8)).save(path, "JPEG", quality=85)


def _voice(path: Path, language: Language) -> None:
    """Three seconds of a voiced sound: a 120–220 Hz tone with harmonics, its pitch and
    loudness moving as syllables do, with two short pauses."""
    del language  # a sound has no words here
    frames = bytearray()
    for n in range(RATE * SECONDS):
        moment = n / RATE
        syllable = abs(math.sin(math.pi * moment * 4))  # four syllables a second
        pause = 0.0 if 1.0 < moment < 1.3 or 2.2 < moment < 2.4 else 1.0
        pitch = 170 + 50 * math.sin(2 * math.pi * moment * 0.7)
        phase = 2 * math.pi * pitch * moment
        wave_ = math.sin(phase) + 0.5 * math.sin(2 * phase) + 0.25 * math.sin(3 * phase)
        frames += struct.pack("<h", int(9000 * syllable * pause * wave_ / 1.75))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
