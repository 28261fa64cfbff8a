"""Art. 3: a correction asks the staff present to confirm again; their earlier answers,
a dispute above all, stay on the card, /record and the form beside the new round."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from dialogue import (
    AMEND,
    Court,
    DialogueBot,
    Exactly,
    Press,
    Tap,
    dialogue,
    open_court,
    settings_for,
)
from reminder_kit import NUMBER_FORMAT, new_record
from test_reports_support import BEIJING, docx_text, form_files, pdf_text

from handlers.i18n import t
from reminders.clock import FakeClock
from storage import records as records_repo
from storage.db import Database
from storage.models import Staff
from storage.vocabulary import Language

NUMBER = "温法过问〔2026〕1号"
REASON = "当时李德明只是询问进度，未要求从轻处理"


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
    return DialogueBot(db, clock, settings_for(tmp_path))


async def form_texts(
    db: Database, clock: FakeClock, record_id: int, out: Path, language: Language
) -> list[str]:
    files = await form_files(db, record_id, out, now=clock.now(), language=language)
    return [flat(pdf_text(files.pdf)), flat(docx_text(files.docx))]


def card_lines(text: str) -> list[str]:
    return text.splitlines()


async def record_card(court: Court) -> str:
    [card] = await court.chat("张伟").say(f"/record {NUMBER}")
    return card


async def test_a_dispute_stays_after_a_correction_and_the_new_answer_is_added(
    bot: DialogueBot, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    court = await open_court(bot)
    record_id = await new_record(
        db,
        clock,
        court.id("张伟"),
        received=clock.now(),
        cosigners=[court.id("孙丽"), court.id("王芳")],
        submit=False,
    )
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        handler = await session.get(Staff, court.id("张伟"))
        assert record is not None and handler is not None
        await records_repo.set_fields(
            session, record, {"channel": "in_person"}, actor=handler, at=clock.now()
        )
        record.fields = {**record.fields, "staff_present_answered": True}
        await records_repo.submit(
            session, record, actor=handler, at=clock.now(), number_format=NUMBER_FORMAT, tz=BEIJING
        )
    await court.chat("孙丽").act(Tap(f"cs:{record_id}:ok"))
    wang = court.chat("王芳")
    await wang.act(Tap(f"cs:{record_id}:no"))
    await wang.say(REASON)
    assert f"王芳（有异议：{REASON}）" in await record_card(court)

    clock.advance(timedelta(minutes=30))
    await dialogue(
        court.chat("张伟"),
        [
            (f"/record {NUMBER}", NUMBER),
            (Press(AMEND), zh("amend.which", title=NUMBER)),
            (Press(zh("card.case_name")), zh("card.case_name")),
            ("李某诉张某民间借贷纠纷案", zh("amend.ask_reason")),
            ("笔误", zh("amend.done", title=NUMBER)),
        ],
    )
    # Each co-signer asked again sees what changed, old → new, as /record shows it.
    lines = card_lines(await record_card(court))
    [at] = [n for n, line in enumerate(lines) if line.startswith("更正")]
    change = "\n".join(lines[at : at + 2])
    assert change.endswith("→ 李某诉张某民间借贷纠纷案\n　原因：笔误")
    for name in ("孙丽", "王芳"):
        asked = court.chat(name).inbox()[-1]
        assert asked.text.startswith(zh("cosign.reconfirm", handler="张伟", card="")), name
        assert asked.text.endswith(change), asked.text
    card = await record_card(court)
    assert f"王芳（有异议：{REASON}（" in card, card
    assert "；更正后待重新确认）" in card, card
    assert "孙丽（确认属实（" in card or "孙丽（已确认（" in card, card
    for text in await form_texts(db, clock, record_id, tmp_path / "a", Language.ZH):
        assert flat(REASON) in text
        assert "有异议" in text
        assert "更正后" in text

    clock.advance(timedelta(minutes=30))
    await wang.act(Tap(f"cs:{record_id}:ok"))
    card = await record_card(court)
    assert f"王芳（有异议：{REASON}（" in card, card
    assert "；更正后" in card and "更正后待重新确认" not in card.split("王芳")[1], card
    for text in await form_texts(db, clock, record_id, tmp_path / "b", Language.ZH):
        assert flat(REASON) in text
        assert "有异议" in text
    english = await form_texts(db, clock, record_id, tmp_path / "c", Language.EN)
    for text in english:
        assert flat(REASON) in text
        assert flat("after the correction") in text


async def test_mine_lists_what_a_co_signer_still_has_to_confirm(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    """R4: 孙丽 has no records of her own, but one to confirm; /mine shows it and its buttons
    confirm it."""
    court = await open_court(bot)
    record_id = await new_record(
        db, clock, court.id("张伟"), received=clock.now(), cosigners=[court.id("孙丽")]
    )
    sun = court.chat("孙丽")
    [listing] = await sun.say("/mine")
    assert zh("views.mine_empty") not in listing
    assert zh("views.to_confirm", count=1) in listing
    assert f"· {NUMBER}　承办人 张伟" in listing
    assert zh("views.to_confirm_hint") in listing
    await dialogue(
        sun,
        [
            (
                Press(zh("views.to_confirm_ok", title=NUMBER)),
                zh("cosign.confirmed", title=NUMBER),
            ),
            ("/mine", Exactly(zh("views.mine_empty") + zh("views.mine_empty_new"))),
        ],
    )
    assert record_id == 1


@pytest.mark.parametrize("typed", ["确认", "同意", "属实", "ok", "没问题", "有异议"])
async def test_a_co_signer_who_types_is_shown_the_buttons_that_sign(
    bot: DialogueBot, db: Database, clock: FakeClock, typed: str
) -> None:
    """Art. 3: free text from someone with records to confirm signs nothing; the reply says
    so and carries the buttons that do, and the record still awaits them."""
    court = await open_court(bot)
    await new_record(
        db, clock, court.id("张伟"), received=clock.now(), cosigners=[court.id("孙丽")]
    )
    sun = court.chat("孙丽")
    [reply] = await sun.say(typed)
    assert reply.startswith(zh("help.hint_to_confirm", name="孙丽"))
    assert f"· {NUMBER}　承办人 张伟" in reply
    [listing] = await sun.say("/mine")
    assert zh("views.to_confirm", count=1) in listing
    await dialogue(
        sun,
        [(Press(zh("views.to_confirm_ok", title=NUMBER)), zh("cosign.confirmed", title=NUMBER))],
    )
    [after] = await sun.say(typed)
    assert after == zh("help.hint", name="孙丽")


async def test_mine_tells_the_handler_of_withdrawn_drafts(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    """R4: a withdrawn draft is counted on the handler's /mine, and /withdrawn shows it."""
    court = await open_court(bot)
    record_id = await new_record(db, clock, court.id("张伟"), received=clock.now(), submit=False)
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        handler = await session.get(Staff, court.id("张伟"))
        assert record is not None and handler is not None
        await records_repo.withdraw(
            session, record, reason="重复登记", actor=handler, at=clock.now()
        )
    zhang = court.chat("张伟")
    [listing] = await zhang.say("/mine")
    empty = zh("views.mine_empty") + zh("views.mine_empty_new")
    assert listing == "\n".join((empty, zh("views.withdrawn_note", count=1)))
    [shown] = await zhang.say("/withdrawn")
    assert zh("views.withdrawn", count=1) in shown
    assert "原因：重复登记" in shown


@pytest.mark.parametrize("language", [Language.ZH, Language.EN])
@pytest.mark.parametrize("mark", ["。", "；", "！", "？", ".", ";", "!", "?", "）", ")", ""])
def test_a_corrected_value_ends_its_line_whatever_it_ends_with(
    language: Language, mark: str
) -> None:
    """A typed value keeps its own last mark, and no separator follows it on the line (the
    reason is on the next): never "。；原因" or ".; reason"."""
    line = t(
        language, "views.amendment", at="@", field="F", old="旧", new=f"新值{mark}", reason="R"
    )
    assert f"新值{mark}\n" in line
