"""OCR prefill: a screenshot's case number, inquirer and unit proposed, never stored unasked.

What is read is proposed only after validation (the case number by the SPC rules, look-alike
characters corrected); the engine (``rapidocr-onnxruntime``, the optional ``ocr`` extra) is
run on a made screenshot and in a dialogue, skipped with the reason when it is not installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dialogue import (
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Press,
    asks,
    dialogue,
    lab,
    open_court,
    record_row,
    says,
    settings_for,
)
from screens import SCREENS

from handlers import ocr
from handlers.fields import Step
from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Channel

ENGINE_MISSING = "the optional OCR engine is not installed (pip install -e '.[ocr]')"
needs_engine = pytest.mark.skipif(not ocr.available(), reason=ENGINE_MISSING)


def test_engine_installed_where_required() -> None:
    """CI (``.ci/run`` sets ``GUOWEN_REQUIRE_OCR``) installs the engine: there a skip is a fault."""
    if os.environ.get("GUOWEN_REQUIRE_OCR") and not ocr.available():
        pytest.fail(ENGINE_MISSING)


@pytest.mark.parametrize(
    ("lines", "case_number", "name", "unit"),
    [
        (
            ("王建国", "温县住房和城乡建设局王建国", "（2026）豫O825民初l23号这个案子"),
            "（2026）豫0825民初123号",
            "王建国",
            "温县住房和城乡建设局",
        ),
        (("李明", "[2O25]豫0825民终56导"), "（2025）豫0825民终56号", "李明", None),
        (
            ("赵德明", "焦作市人大常委会", "2026豫0825刑初7号"),
            "（2026）豫0825刑初7号",
            "赵德明",
            "焦作市人大常委会",
        ),
        # The year written with 年 instead of brackets (trial 9, F13).
        (("刘洋", "2026年豫0825民初1234号"), "（2026）豫0825民初1234号", "刘洋", None),
        # Not a case number by the rules (no such court, a future year): nothing proposed.
        (("孙伟", "（2026）豫9999民初1号", "（2031）豫0825民初1号"), None, "孙伟", None),
        (("收到，谢谢您的关心",), None, None, None),
    ],
)
def test_what_is_read_is_proposed_only_when_valid(
    lines: tuple[str, ...], case_number: str | None, name: str | None, unit: str | None
) -> None:
    reading = ocr.propose(lines, year_now=2026)
    assert (reading.case_number, reading.inquirer_name, reading.inquirer_unit) == (
        case_number,
        name,
        unit,
    )


@needs_engine
def test_a_made_screenshot_is_read() -> None:
    screen = SCREENS[2]  # the JPEG-compressed one
    reading = ocr.propose(ocr.read_lines(screen.render()), year_now=2026)
    assert (reading.case_number, reading.inquirer_name, reading.inquirer_unit) == (
        "（2026）豫0825刑初7号",
        screen.name,
        screen.unit,
    )


@needs_engine
async def test_the_judge_confirms_what_the_screenshot_shows(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, propose=True)
    settings.intake.ocr = True
    bot = DialogueBot(db, clock, settings)
    court: Court = await open_court(bot)
    judge = court.chat("张伟")
    screen = SCREENS[0]
    photo = bot.file(AttachmentKind.PHOTO, screen.render(), mime="image/png")
    await dialogue(
        judge,
        [
            (
                Forward(photo, caption="让关照原告"),
                (
                    says("card.line", label="过问方式", value=lab(Channel.WECHAT)),
                    says("card.line", label="过问人", value="王建国"),
                    says("card.line", label="所在单位", value="温县住房和城乡建设局"),
                    says("intake.proposed.from_picture"),
                ),
            ),
            (Press(says("intake.proposed.ok")), Exactly(asks(Step.INQUIRER_POSITION))),
            ("局长", says("intake.proposed.intro_plain")),
        ],
    )
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_unit"], row["case_number"]) == (
        "王建国",
        "温县住房和城乡建设局",
        None,  # proposed later, with the case name asked first; never stored unasked
    )
    assert row["fields"]["read_from_picture"]["case_number"] == "（2026）豫0825民初123号"
