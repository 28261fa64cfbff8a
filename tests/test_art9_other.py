"""Art. 9 item (14), "other behaviour that should be reported specially": when a judge picks
it, the intake asks what the behaviour was; the words are kept on the record, shown on the
card and /record, printed on the form and in the workbook's detail sheet, and dropped with
the item when the items are corrected to leave it out."""

from __future__ import annotations

from pathlib import Path

from dialogue import (
    ART9_DONE,
    NO,
    Court,
    DialogueBot,
    Press,
    art9,
    asks,
    record_row,
    says,
)
from reminder_kit import BEIJING, rules
from test_correction_fields import Spec, drafted
from test_reports_support import docx_text, form_files, pdf_text

from handlers.fields import BY_STEP, Step
from reminders.clock import FakeClock
from reports.columns import COLUMNS
from reports.facts import facts_for, load_names
from reports.text import art9_name, tr
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Language

OTHER = "要求法院向其通报合议庭评议意见"


async def test_item_14_asks_what_the_behaviour_was_and_keeps_it_everywhere(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    steps = (Step.ART9, Step.ART9_OTHER, Step.SERIOUS)
    unanswered = [BY_STEP[step.value] for step in steps]
    spec = Spec(cosigner=False)
    record = await drafted(db, clock, court, spec, submit=False, unanswered=unanswered)
    judge = court.chat("张伟")
    [asked] = await judge.act("/resume")
    assert asked.text.startswith(asks(Step.ART9))
    await judge.act(Press(art9(14)))
    replies = await judge.act(Press(ART9_DONE))
    assert replies[-1].text == asks(Step.ART9_OTHER)
    replies = await judge.act(OTHER)
    assert replies[-1].text.startswith(asks(Step.SERIOUS))
    replies = await judge.act(Press(NO))
    line = says("card.line", label=says("card.art9_other"), value=OTHER)
    assert any(line in reply.text.splitlines() for reply in replies), [r.text for r in replies]
    replies = await judge.act(Press(says("intake.submit")))
    row = await record_row(db, record.id)
    assert (row["art9_items"], row["art9_other"]) == ([14], OTHER)
    [shown] = await judge.act("/record 1")
    assert line in shown.text.splitlines()
    files = await form_files(db, record.id, tmp_path, now=clock.now())
    title = tr(Language.ZH, "field.art9_other")
    for text in (pdf_text(files.pdf), docx_text(files.docx)):
        flat = "".join(text.split())
        assert "".join(title.split()) in flat and OTHER in flat
    # The detail sheet's Art. 9 cell: item (14) with what the behaviour was.
    async with db.transaction() as session:
        stored = await session.get(Record, record.id)
        assert stored is not None
        names = await load_names(session)
        (facts,) = await facts_for(session, [stored], names, rules(), clock.now())
    [cell] = [c.get(facts, Language.ZH, BEIJING) for c in COLUMNS if c.key == "art9"]
    item = f"(14) {art9_name(14, Language.ZH)}"
    assert cell == tr(Language.ZH, "form.art9_told", item=item, other=OTHER)
    for language in Language:
        assert tr(language, "field.art9_other") and OTHER in tr(
            language, "form.art9_told", item=item, other=OTHER
        )


async def test_leaving_item_14_out_drops_its_words(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    record = await drafted(db, clock, court, Spec(cosigner=False))
    judge = court.chat("张伟")
    await judge.act(f"/record {record.number}")
    await judge.act(Press(says("views.amend")))
    await judge.act(Press(says("card.art9")))
    await judge.act("1")
    await judge.act("记错了")
    row = await record_row(db, record.id)
    assert (row["art9_items"], row["art9_other"]) == ([1], None)
    [shown] = await judge.act(f"/record {record.number}")
    assert not any(line.startswith(says("card.art9_other")) for line in shown.text.splitlines())
