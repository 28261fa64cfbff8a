"""A platform reference (平台登记号) names one entry in the court's platform (Art. 6, 登记录入):
one record. A reference another record carries already is refused, by /platform and by the
reply to the platform button alike, however it is typed (case, blanks); the other record is
named, nothing is marked, and the handler may send the right one.
"""

from __future__ import annotations

import pytest
from dialogue import AMEND, Court, DialogueBot, Press, open_court
from reminder_kit import new_record
from sqlalchemy import update

from handlers.i18n import t
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Language, RecordStatus

SAME_ENTRY = ["PT-2026-0001", "pt-2026-0001", "  PT-2026-0001 ", "Pt-2026-0001"]


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


@pytest.fixture
async def court(bot: DialogueBot) -> Court:
    return await open_court(bot)


async def record_of(db: Database, record_id: int) -> Record:
    async with db.transaction() as session:
        found = await session.get(Record, record_id)
        assert found is not None
        return found


async def two_records(db: Database, clock: FakeClock, court: Court) -> tuple[Record, Record]:
    """The first one 张伟's, entered with PT-2026-0001; the second 孙丽's, not yet entered."""
    first = await new_record(db, clock, court.id("张伟"), received=clock.now())
    second = await new_record(db, clock, court.id("孙丽"), received=clock.now())
    one = await record_of(db, first)
    assert await court.chat("张伟").say(f"/platform {one.number} PT-2026-0001") == [
        zh("milestones.platform_done_ref", title=one.number, reference="PT-2026-0001")
    ]
    return one, await record_of(db, second)


@pytest.mark.parametrize("typed", SAME_ENTRY)
async def test_platform_command_refuses_a_reference_on_another_record(
    court: Court, db: Database, clock: FakeClock, typed: str
) -> None:
    one, two = await two_records(db, clock, court)
    handler = court.chat("孙丽")
    refused = zh(
        "milestones.platform_ref_taken", reference=typed.strip(), other=one.number, title=two.number
    )
    assert await handler.say(f"/platform {two.number} {typed}") == [refused]
    again = await record_of(db, two.id)
    assert (again.platform_entered_at, again.platform_ref) == (None, None)
    # The right reference, or none, is taken.
    assert await handler.say(f"/platform {two.number} PT-2026-0002") == [
        zh("milestones.platform_done_ref", title=two.number, reference="PT-2026-0002")
    ]
    assert (await record_of(db, two.id)).platform_ref == "PT-2026-0002"
    assert (await record_of(db, one.id)).platform_ref == "PT-2026-0001"


@pytest.mark.parametrize("typed", SAME_ENTRY)
async def test_the_reply_to_the_button_is_asked_again(
    court: Court, db: Database, clock: FakeClock, typed: str
) -> None:
    one, two = await two_records(db, clock, court)
    handler = court.chat("孙丽")
    ask = zh("milestones.ask_reference", title=two.number)
    assert await handler.press_data(f"ms:{two.id}:platform") == [ask]
    refused = zh(
        "milestones.platform_ref_taken", reference=typed.strip(), other=one.number, title=two.number
    )
    assert await handler.say(typed) == [refused + "\n\n" + ask]
    assert (await record_of(db, two.id)).platform_entered_at is None
    assert await handler.say("PT-2026-0002") == [
        zh("milestones.platform_done_ref", title=two.number, reference="PT-2026-0002")
    ]


async def test_the_same_record_and_a_withdrawn_one_do_not_count(
    court: Court, db: Database, clock: FakeClock
) -> None:
    one, two = await two_records(db, clock, court)
    # Marked already with it: the same reference only repeats the mark, as before.
    already = zh("milestones.platform_already", title=one.number, at="2026-03-06 10:00")
    assert await court.chat("张伟").say(f"/platform {one.number} PT-2026-0001") == [already]
    # A record withdrawn gives its reference up.
    async with db.transaction() as session:
        await session.execute(
            update(Record).where(Record.id == one.id).values(status=RecordStatus.WITHDRAWN)
        )
    assert await court.chat("孙丽").say(f"/platform {two.number} PT-2026-0001") == [
        zh("milestones.platform_done_ref", title=two.number, reference="PT-2026-0001")
    ]


async def test_a_correction_to_another_records_reference_is_refused(
    court: Court, db: Database, clock: FakeClock
) -> None:
    one, two = await two_records(db, clock, court)
    handler = court.chat("孙丽")
    await handler.say(f"/platform {two.number} PT-2026-0002")
    await handler.act(f"/record {two.number}")
    await handler.act(Press(AMEND))
    await handler.act(Press(zh("card.platform_ref")))
    replies = [reply.text for reply in await handler.act(" pt-2026-0001")]
    refused = zh(
        "milestones.platform_ref_taken_correction", reference="pt-2026-0001", other=one.number
    )
    assert replies and replies[0].startswith(refused), replies
    assert (await record_of(db, two.id)).platform_ref == "PT-2026-0002"
    # Another reference is taken, with its reason, as any correction.
    assert [r.text for r in await handler.act("PT-2026-0003")] == [zh("amend.ask_reason")]
    assert (await handler.act("录入有误"))[0].text == zh("amend.done", title=two.number)
    assert (await record_of(db, two.id)).platform_ref == "PT-2026-0003"
