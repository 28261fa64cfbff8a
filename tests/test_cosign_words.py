"""What a correction of the staff present tells each of them says what is true of them
(trial 5, F4): someone named for the first time is asked to confirm, not to confirm "again";
someone taken off hears that their earlier answer stays on the record only if they gave
one; the record they are sent says there was nobody else present, not the intake's
"skipped"; the correction history reads a value removed as cleared, not as never filled.

Every combination of which of the two staff first named (孙丽, 王芳) answered before 王芳 is
taken off and 周强 named instead is played, through the real app and its words.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from dialogue import AMEND, DialogueBot, Press, Tap, dialogue, open_court
from reminder_kit import new_record

from handlers.i18n import t
from reminders.clock import FakeClock
from storage import records as records_repo
from storage.db import Database
from storage.vocabulary import Channel, Language

NUMBER = "温法过问〔2026〕1号"
ZH = Language.ZH
REASON = "王芳不在场，更正为周强"


@pytest.mark.parametrize(("sun", "wang"), list(itertools.product(("ok", "no", None), repeat=2)))
async def test_each_person_present_hears_what_is_true_of_them(
    bot: DialogueBot, db: Database, clock: FakeClock, sun: str | None, wang: str | None
) -> None:
    court = await open_court(bot)
    record_id = await new_record(
        db,
        clock,
        court.id("张伟"),
        received=clock.now(),
        cosigners=[court.id("孙丽"), court.id("王芳")],
    )
    async with db.transaction() as session:  # answered at the intake, as in chat
        record = await records_repo.get(session, record_id)
        assert record is not None
        # Nobody else was present: 无 (as when every name typed there was a staff member's).
        record.channel = Channel.IN_PERSON
        record.persons_present = "无"
        record.fields = {**record.fields, "staff_present_answered": True}
    for name, answer in (("孙丽", sun), ("王芳", wang)):
        if answer is not None:
            await court.chat(name).act(Tap(f"cs:{record_id}:{answer}"))
            if answer == "no":
                await court.chat(name).say("我当时不在场")
    clock.advance(timedelta(minutes=30))
    handler = court.chat("张伟")
    seen = len(handler.inbox())
    await dialogue(
        handler,
        [
            (f"/record {NUMBER}", NUMBER),
            (Press(AMEND), t(ZH, "amend.which", title=NUMBER)),
            (Press(t(ZH, "card.staff_present")), t(ZH, "card.staff_present")),
            ("孙丽、周强", t(ZH, "amend.ask_reason")),
            (REASON, t(ZH, "amend.done", title=NUMBER)),
        ],
    )
    said = [m.text for m in handler.inbox()[seen:]]
    assert t(ZH, "amend.reconfirm_asked", names="孙丽") in said, said
    assert t(ZH, "amend.confirm_asked", names="周强") in said, said
    assert not any("重新确认" in text and "周强" in text for text in said), said

    told = court.chat("王芳").inbox()[-1].text
    key = "cosign.removed" if wang is not None else "cosign.removed_unanswered"
    assert told == t(ZH, key, handler="张伟", title=NUMBER, reason=REASON)
    assert ("此前的回应" in told) == (wang is not None)

    [request] = [m.text for m in court.chat("周强").inbox() if NUMBER in m.text]
    assert t(ZH, "card.skipped") not in request
    line = t(ZH, "card.line", label=t(ZH, "card.persons_present"), value=t(ZH, "common.none"))
    assert line in request.splitlines(), request
