"""A draft's receipt time never moves silently once a breach counted from it was told (Art. 10).

Over the path the new time takes (typed again at the receipt question, edited from the review
card, the channel answered so the receipt follows the inquiry's time, typed on the proposals
card) × whether a notice of the breach went out (the dispatcher ticked, ``run_until``) × the
direction of the move (earlier: still overdue; later: the breach undone, 逾期未办 → 未到期):

- after a breach notice, the answer is held: the verdicts it changes said first, its reason
  asked, each column it changes kept as a correction (old value, new value, who, when, why),
  and the department's integrity officer (钱进) and discipline inspection (李刚) told of each
  verdict changed, audited as ``verdict_changed``;
- before any, it is stored as an answer at once, as always, with no reason asked.

Scripted from Friday 2026-03-06 10:00 in Beijing (the ``clock`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from dialogue import (
    CONFIRM_TIME,
    EDIT,
    EXTERNAL,
    START_NEW,
    Court,
    DialogueBot,
    Forward,
    Person,
    Press,
    Tap,
    all_records,
    amendments_of,
    events_of,
    lab,
    local,
    open_court,
    phone_record,
    png_bytes,
    record_row,
    says,
    settings_for,
    verified,
)
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st
from reminder_kit import run_until

from handlers.i18n import catalog
from handlers.ports import AttachmentKind
from handlers.verdicts import VERDICT_CHANGED
from reminders.clock import FakeClock
from reminders.outbox import breach_told
from storage.audit import AuditKind
from storage.db import Database
from storage.vocabulary import Channel, Language, Milestone, RecordKind

PATHS = ("question", "review", "channel")
OVERSEERS = ("钱进", "李刚")
LATER = "2026-03-06 09:00"
"""Received the morning the draft was opened: its two days end Monday 24:00, not yet."""
EARLIER = "2026-03-01 10:00"
"""Received a day before the first time given: overdue still."""
FIRST = "2026-03-02 10:00"
"""The receipt time first given: its two days ended Wednesday 03-04 24:00."""


def zh_template(key: str) -> str:
    return catalog(Language.ZH)[key]


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "\x00"


def _head(key: str) -> str:
    """The words of ``key``'s message before its first value."""
    return zh_template(key).format_map(_Blank()).split("\x00")[0]


def _text(replies: list[object]) -> list[str]:
    return [str(getattr(reply, "text", "")) for reply in replies]


async def _say(judge: Person, *actions: str | Press | Tap | Forward) -> list[str]:
    said: list[str] = []
    for action in actions:
        said += _text(list(await judge.act(action)))
        if action == "/new" and START_NEW in judge.offered():  # an earlier example's draft
            said += _text(list(await judge.act(Press(START_NEW))))
    return said


async def _open(judge: Person, path: str) -> None:
    """The draft of ``path``, received ``FIRST`` (overdue at once), waiting where the new time
    is then given: the receipt question's answer, the review card, the channel question."""
    if path == "question":
        await _say(judge, "/new", FIRST)
        return
    if path == "channel":  # the receipt is the inquiry's once the channel is a call
        await _say(judge, "/new", Press(CONFIRM_TIME), Press(EXTERNAL), FIRST)
        return
    if path == "proposals":  # /new's proposals card: the time typed there is the receipt
        await _say(judge, "/new", FIRST)
        return
    # A call, its receipt typed FIRST and then asked at an earlier time: a call is received
    # as it is made, so the receipt is that earlier time; then the rest of a call's questions.
    rest = [action for action, _ in phone_record()[4:-1]]
    await _say(judge, "/new", FIRST, Press(EXTERNAL), "2026-02-28 10:00", *rest)


async def _change(judge: Person, path: str, time: str) -> list[str]:
    """Give ``time`` as the new receipt time along ``path``."""
    if path == "question":  # back to the receipt question, typed again
        return await _say(judge, "/back", time)
    if path == "review":  # a call's inquiry time, which its receipt follows
        # Typed: the breach notices' buttons came after the review card's.
        return await _say(judge, EDIT, Press(says("card.inquiry_at")), time)
    if path == "channel":
        return await _say(judge, lab(Channel.PHONE))
    return await _say(judge, time)


def _received(path: str, later: bool) -> str:
    """The new receipt time: the inquiry's ``FIRST`` where the channel makes it follow."""
    if path == "channel":
        return FIRST
    return LATER if later else EARLIER


def _time(kept: str) -> datetime:
    """A time kept in a correction (canonical JSON)."""
    return datetime.fromisoformat(json.loads(kept))


async def _breach_sent(db: Database, record_id: int) -> bool:
    async with db.transaction() as session:
        return await breach_told(session, record_id)


async def _moved(
    bot: DialogueBot,
    court: Court,
    db: Database,
    clock: FakeClock,
    record_id: int,
    told: bool,
    change: Callable[[], Awaitable[list[str]]],
    *,
    field: str,
    changed: bool,
) -> None:
    """Tick the breach notices out (``told``) or not, give the new time (``change``) and
    check what follows: held for its reason, kept as a correction and the overseers told of
    a ``changed`` verdict once a breach was told; stored at once before."""
    if told:
        await run_until(bot.app.dispatcher, clock, clock.now() + timedelta(hours=1))
        assert await _breach_sent(db, record_id)
    judge = court.chat("张伟")
    before = await record_row(db, record_id)
    seen = {name: len(court.chat(name).inbox()) for name in OVERSEERS}
    said = await change()
    prompt = [s for s in said if s.startswith(_head("intake.reason_held.ask_reason"))]
    if not told:  # as light as ever: stored at once, no reason asked, nobody told
        assert prompt == [], said
        assert (await record_row(db, record_id))["received_at"] != before["received_at"]
        assert await amendments_of(db, record_id) == []
    else:
        assert prompt, said
        warned = [s for s in said if s.startswith(_head("intake.reason_held.verdict_warning"))]
        assert bool(warned) == changed, said
        if warned:  # said before the reason, which keeps the change
            assert said.index(warned[0]) < said.index(prompt[0])
        assert (await record_row(db, record_id))["received_at"] == before["received_at"]
        assert await amendments_of(db, record_id) == []
        await judge.act("记录有误")
        after = await record_row(db, record_id)
        assert after["received_at"] != before["received_at"]
        kept = await amendments_of(db, record_id)
        assert [
            (_time(a.old_value), _time(a.new_value), a.reason, a.by_staff_id)
            for a in kept
            if a.field == "received_at"
        ] == [(before["received_at"], after["received_at"], "记录有误", court.id("张伟"))]
        assert field in {a.field for a in kept}  # the answer itself, kept with its reason
        problems, _ = await verified(db, bot.evidence_dir)
        assert problems == []
    alerts = [
        json.loads(e.payload)
        for e in await events_of(db, record_id)
        if e.kind == AuditKind.ALERT_SENT
    ]
    verdict = [a for a in alerts if a.get("alert") == VERDICT_CHANGED]
    if told and changed:
        [event] = verdict
        assert sorted(event["to"]) == sorted(court.id(n) for n in OVERSEERS)
        assert event["reason"] == "记录有误"
        for name in OVERSEERS:
            last = court.chat(name).inbox()[-1].text
            assert last.startswith(_head("amend.verdict_notice")), last
            assert says(f"card.{field}") in last and "记录有误" in last, last
    else:
        assert verdict == []
        for name in OVERSEERS:
            assert len(court.chat(name).inbox()) == seen[name], name


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(path=st.sampled_from(PATHS), told=st.booleans(), later=st.booleans())
@example(path="review", told=True, later=True)  # the breach told undone from the review card
@example(path="question", told=True, later=False)  # overdue still: kept, nobody told
@example(path="channel", told=True, later=False)  # a call: the receipt follows the inquiry
@example(path="review", told=False, later=True)  # no notice yet: as light as ever
async def test_a_draft_time_moved_after_a_breach_was_told_is_a_correction(
    db: Database,
    clock: FakeClock,
    bot: DialogueBot,
    court: Court,
    path: str,
    told: bool,
    later: bool,
) -> None:
    assume(path != "channel" or not later)  # the inquiry's time is never after the receipt
    clock.set(local("2026-03-06 10:00"))
    judge = court.chat("张伟")
    await _open(judge, path)
    record_id = max(r.id for r in await all_records(db))
    if path == "channel":  # received when /new was sent: overdue from Tuesday
        clock.set(local("2026-03-10 10:00"))
    field = {"channel": "channel", "review": "inquiry_at"}.get(path, "received_at")

    async def change() -> list[str]:
        return await _change(judge, path, _received(path, later))

    await _moved(bot, court, db, clock, record_id, told, change, field=field, changed=later)


@pytest.fixture
async def proposing(db: Database, clock: FakeClock, tmp_path: Path) -> tuple[DialogueBot, Court]:
    """The bot with ``[intake] propose`` on, and its court."""
    bot = DialogueBot(db, clock, settings_for(tmp_path, propose=True))
    return bot, await open_court(bot)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(told=st.booleans())
@example(told=True)
@example(told=False)
async def test_a_time_typed_on_the_proposals_card_after_a_breach_was_told_is_a_correction(
    db: Database, clock: FakeClock, proposing: tuple[DialogueBot, Court], told: bool
) -> None:
    """A screenshot forwarded on Friday and its card left until Tuesday: the time typed on
    the card is the message's receipt time too (``handlers.receipt``), four days earlier."""
    bot, court = proposing
    clock.set(local("2026-03-06 10:00"))
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    said = _text(list(await judge.act(Forward(photo, caption="微信截图"))))  # shown as WeChat
    if START_NEW in judge.offered():  # an earlier example's draft
        said = _text(list(await judge.act(Press(START_NEW))))
    assert any(says("intake.proposed.other_time_sent") in text for text in said), said
    record_id = max(r.id for r in await all_records(db))
    clock.set(local("2026-03-10 10:00"))

    async def change() -> list[str]:
        return await _say(judge, FIRST)

    await _moved(bot, court, db, clock, record_id, told, change, field="inquiry_at", changed=False)


@pytest.mark.parametrize("told", [True, False])
async def test_a_draft_source_made_an_opinion_after_a_breach_was_told_is_a_correction(
    db: Database, clock: FakeClock, bot: DialogueBot, court: Court, told: bool
) -> None:
    """Trial 9 F27, in a draft: a call received ``FIRST`` (its platform entry overdue), its
    source edited from the review card to an Art. 5 opinion, which owes no platform entry.
    After a breach notice the answer is held: 录入平台 逾期未办 → 不需办理 said first, a reason
    asked, the source kept as a correction and the overseers told; before any, stored at once."""
    clock.set(local("2026-03-06 10:00"))
    judge = court.chat("张伟")
    await _open(judge, "review")
    record_id = max(r.id for r in await all_records(db))
    if told:
        await run_until(bot.app.dispatcher, clock, clock.now() + timedelta(hours=1))
        assert await _breach_sent(db, record_id)
    seen = {name: len(court.chat(name).inbox()) for name in OVERSEERS}
    opinion = says("intake.source.reference_opinion")
    said = await _say(judge, EDIT, Press(says("card.source")), Press(opinion))
    line = says(
        "amend.verdict_line",
        step=lab(Milestone.PLATFORM_ENTERED),
        before=says("amend.state.missed"),
        after=says("amend.state.not_owed"),
    )
    warning = says("intake.reason_held.verdict_warning", changes=line)
    prompt = says("intake.reason_held.ask_reason_verdict", field=says("card.source"))
    if not told:
        assert warning not in said and prompt not in said, said
        assert (await record_row(db, record_id))["kind"] == RecordKind.REFERENCE_OPINION.value
        assert await amendments_of(db, record_id) == []
        for name in OVERSEERS:
            assert len(court.chat(name).inbox()) == seen[name], name
        return
    assert said.index(warning) < said.index(prompt), said
    assert (await record_row(db, record_id))["kind"] == RecordKind.EXTERNAL.value
    said = _text(list(await judge.act("其实是法院委托的参考意见")))
    assert says("intake.reason_held.done_verdict", field=says("card.source")) in said, said
    assert (await record_row(db, record_id))["kind"] == RecordKind.REFERENCE_OPINION.value
    assert "kind" in {a.field for a in await amendments_of(db, record_id)}
    for name in OVERSEERS:
        last = court.chat(name).inbox()[-1].text
        assert last.startswith(_head("amend.verdict_notice")) and line in last, last


@pytest.mark.parametrize("told", [True, False])
async def test_a_draft_moved_to_another_department_after_a_breach_was_told_is_told(
    db: Database, clock: FakeClock, bot: DialogueBot, court: Court, told: bool
) -> None:
    """Trial 9 F26, in a draft: a call received ``FIRST`` (overdue), its 承办部门 edited from
    the review card to 刑事审判庭. After a breach notice the answer is held for its reason,
    kept as a correction, both departments' integrity officers (钱进, 吴敏) and discipline
    (李刚) told, and 钱进 keeps it in sight; before any, stored at once, nobody told."""
    clock.set(local("2026-03-06 10:00"))
    judge = court.chat("张伟")
    await _open(judge, "review")
    record_id = max(r.id for r in await all_records(db))
    if told:
        await run_until(bot.app.dispatcher, clock, clock.now() + timedelta(hours=1))
        assert await _breach_sent(db, record_id)
    told_to = ("钱进", "吴敏", "李刚")
    seen = {name: len(court.chat(name).inbox()) for name in told_to}
    said = await _say(judge, EDIT, Press(says("card.department")), Press("刑事审判庭"))
    prompt = says("intake.reason_held.ask_reason_department", field=says("card.department"))
    if not told:
        assert prompt not in said, said
        assert await amendments_of(db, record_id) == []
        for name in told_to:
            assert len(court.chat(name).inbox()) == seen[name], name
        return
    assert prompt in said, said
    said = _text(list(await judge.act("填错了")))
    assert says("amend.department_told", old="民一庭", new="刑事审判庭") in said, said
    assert "department_id" in {a.field for a in await amendments_of(db, record_id)}
    for name in told_to:
        last = court.chat(name).inbox()[-1].text
        assert last.startswith(_head("amend.department_notice")) and "民一庭" in last, last
    overdue = _text(list(await court.chat("钱进").act("/overdue")))
    assert any("草稿" in text and "张伟" in text for text in overdue), overdue
