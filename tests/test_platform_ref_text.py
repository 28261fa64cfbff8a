"""A platform reference (平台登记号, Art. 6) is the one-line code the court's platform gave a
record. Every way it arrives (/platform, the reply to the platform button, a correction) reads
it by one rule: at most ``MAX_PLATFORM_REF`` characters on one line, or it is refused with
nothing stored; a pasted paragraph never reaches the form."""

from __future__ import annotations

import pytest
from dialogue import AMEND, Court, DialogueBot, Press, open_court
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reminder_kit import new_record

from handlers.i18n import t
from handlers.refs import MAX_PLATFORM_REF
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Language

ZH = Language.ZH
LINE = st.text(
    st.characters(
        whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="\u3000 \u00a0"
    )
    | st.sampled_from(list("（）〔〕-〇0123456789 ")),
    min_size=1,
).map(str.strip)
TAKEN = LINE.filter(lambda s: 0 < len(s) <= MAX_PLATFORM_REF and not s.startswith(("/", "#")))
TOO_LONG = st.text(st.sampled_from("AB豫0825-"), min_size=MAX_PLATFORM_REF + 1, max_size=300)
BROKEN = st.tuples(TAKEN, st.sampled_from("\n\r\u2028\u2029\x07\u200b"), TAKEN).map("".join)
REFUSED = TOO_LONG | BROKEN
PATHS = ("command", "button", "correction")


async def court_of(bot: DialogueBot) -> Court:
    """The court, seeded on the first example only (the fixture outlives the examples)."""
    if not bot.staff:
        return await open_court(bot)
    return Court(bot, bot.staff, bot.accounts)


async def stored(db: Database, record_id: int) -> Record:
    async with db.transaction() as session:
        found = await session.get(Record, record_id)
        assert found is not None
        return found


async def send(court: Court, record: Record, path: str, reference: str) -> list[str]:
    """``reference`` sent to ``record`` by ``path``; the replies' texts."""
    handler = court.chat("张伟")
    if path == "command":
        return await handler.say(f"/platform {record.number} {reference}")
    if path == "button":
        await handler.press_data(f"ms:{record.id}:platform")
        return await handler.say(reference)
    await handler.say(f"/platform {record.number} PT-{record.id}")
    await handler.act(f"/record {record.number}")
    await handler.act(Press(AMEND))
    await handler.act(Press(t(ZH, "card.platform_ref")))
    return [reply.text for reply in await handler.act(reference)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=st.sampled_from(PATHS), reference=REFUSED)
async def test_a_long_or_broken_reference_is_refused_by_every_path(
    bot: DialogueBot, db: Database, clock: FakeClock, path: str, reference: str
) -> None:
    court = await court_of(bot)
    record = await stored(db, await new_record(db, clock, court.id("张伟"), received=clock.now()))
    replies = await send(court, record, path, reference)
    said = f"（{len(reference.strip())} 字）不像平台登记号"
    assert [r for r in replies if said in r and f"最多 {MAX_PLATFORM_REF} 字" in r], replies
    after = await stored(db, record.id)
    if path == "correction":
        assert after.platform_ref == f"PT-{record.id}"
    else:
        assert (after.platform_entered_at, after.platform_ref) == (None, None)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=st.sampled_from(PATHS[:2]), reference=TAKEN)
async def test_a_one_line_reference_is_stored_as_typed(
    bot: DialogueBot, db: Database, clock: FakeClock, path: str, reference: str
) -> None:
    court = await court_of(bot)
    record = await stored(db, await new_record(db, clock, court.id("张伟"), received=clock.now()))
    # One platform entry is one record: each example's record gets its own reference.
    reference = f"{record.id}-{reference}"[:MAX_PLATFORM_REF].strip()
    replies = await send(court, record, path, reference)
    assert replies == [
        t(ZH, "milestones.platform_done_ref", title=record.number, reference=reference)
    ]
    assert (await stored(db, record.id)).platform_ref == reference


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: object) -> DialogueBot:
    from dialogue import settings_for

    return DialogueBot(db, clock, settings_for(tmp_path))  # type: ignore[arg-type]
