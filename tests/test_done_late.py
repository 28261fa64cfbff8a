"""A step done after its deadline is told to its overseers, once, with how late it was.

Art. 10 makes failing to register, enter on the platform, deliver or co-sign in time a
disciplinary matter. A breach still open is told at its deadline ("逾期未办"); a step done
late (a record registered weeks after it was received, the platform entry or a
co-signature given after the deadline) is told to the department's integrity officer when
it is done and to discipline a working day later, each step once, as "<step>逾期 N 天（期限
…）"; every later breach notice of the record lists it among the lapses. For any mix of
steps and delays (0 to 60 days), driven through the chat with the fake clock, the overseers
hear exactly of the steps done late, each once, with the right number of days.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from dialogue import SUBMIT, Court, DialogueBot, Press, Tap
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from reminder_kit import BEIJING, reminders, run_until
from test_cosign_offline import court_of
from test_report_outdated import stored

from handlers.i18n import day_words, t
from reminders.clock import FakeClock
from reminders.planner import last_day, met_at
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import Language, Milestone, ReminderKind, label

OFFICER = "钱进"  # 民一庭's integrity officer, where 张伟 and 孙丽 work
DISCIPLINE = "李刚"


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


def heard(bot: DialogueBot, court: Court, name: str, since: int) -> list[str]:
    return [s.message.text for s in bot.transcript[since:] if s.chat_id == court.accounts[name]]


@settings(
    max_examples=6,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    registered=st.integers(0, 60),
    platform=st.one_of(st.none(), st.integers(0, 60)),
    cosigned=st.one_of(st.none(), st.integers(0, 60)),
    hour=st.integers(8, 20),
)
async def test_overseers_hear_of_each_step_done_late_once_with_its_days(
    bot: DialogueBot,
    db: Database,
    clock: FakeClock,
    registered: int,
    platform: int | None,
    cosigned: int | None,
    hour: int,
) -> None:
    """Registered ``registered`` days after receipt; the platform entry and 孙丽's
    co-signature ``platform`` and ``cosigned`` days after submission (None: not yet)."""
    court = await court_of(bot)
    day = (clock.now() + timedelta(days=2)).astimezone(BEIJING).date()
    start = datetime.combine(day, time(hour), BEIJING)
    received = start - timedelta(days=registered)
    clock.set(start)
    since = len(bot.transcript)
    record_id, _ = await stored(db, court, received, start, submit=False)
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        cosigner = await session.get(Staff, court.id("孙丽"))
        assert record is not None and cosigner is not None
        await records_repo.set_cosigners(
            session, record, [cosigner], actor=cosigner, at=start, offline=()
        )
    judge = court.chat("张伟")
    await judge.act("/resume")
    await judge.act(Press(SUBMIT))
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None and record.number, "submitted"
        number = record.number
    steps = sorted(
        [(d, what) for d, what in ((platform, "platform"), (cosigned, "cosign")) if d is not None]
    )
    for days, what in steps:
        moment = start + timedelta(days=days, minutes=30)
        await run_until(bot.app.dispatcher, clock, moment)
        clock.set(moment)
        if what == "platform":
            await judge.act(f"/platform {number} 平台-{record_id}")
        else:
            await court.chat("孙丽").act(Tap(f"cs:{record_id}:ok"))
    end = start + timedelta(days=70)
    await run_until(bot.app.dispatcher, clock, end)

    rules = bot.app.services.rules
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        deadlines = rules.for_record(record)
        late = {}
        for milestone, deadline in deadlines.items():
            done = met_at(record, milestone)
            if done is not None and done > deadline:
                local = done.astimezone(rules.calendar.tz).date()
                late[milestone] = ((local - last_day(deadline, rules)).days, deadline)
    assert (Milestone.REGISTERED in late) == (
        record.submitted_at is not None and record.submitted_at > deadlines[Milestone.REGISTERED]
    )
    title_of = f"{number}"
    for name in (OFFICER, DISCIPLINE):
        texts = [x for x in heard(bot, court, name, since) if title_of in x]
        also = zh("reminders.done_late_also", lapses="").split("：")[0]
        told = [x for x in texts if "逾期办理：" in x and also not in x]
        for milestone in Milestone:
            step = label(milestone, Language.ZH)
            mine = [x for x in told if f"{step}逾期 " in x]
            if milestone not in late:
                assert not mine, (name, milestone, told)
                continue
            days, deadline = late[milestone]
            words = zh(
                "reminders.done_late_step",
                step=step,
                days=days,
                day=day_words(Language.ZH, last_day(deadline, rules)),
            )
            assert len(mine) == 1 and words in mine[0], (name, milestone, words, told)
    # Discipline hears a working day after the step was done, the officer at once.
    rows = await reminders(db, record_id=record_id, kind=ReminderKind.DONE_LATE)
    for row in rows:
        assert row.status == "sent", row
        step = Milestone(row.payload["step"])
        done = met_at(record, step)
        assert done is not None
        if row.recipient_staff_id == court.id(OFFICER):
            assert row.due_at == done
        else:
            assert row.recipient_staff_id == court.id(DISCIPLINE)
            assert row.due_at > done and rules.calendar.is_working_day(
                row.due_at.astimezone(rules.calendar.tz).date()
            )
    # A breach notice after the late registration lists it among the lapses.
    if Milestone.REGISTERED in late:
        breach = [x for x in heard(bot, court, OFFICER, since) if title_of in x and "逾期未办" in x]
        step = label(Milestone.REGISTERED, Language.ZH)
        assert breach and all(f"另有逾期办理：{step}逾期 " in x for x in breach), breach
