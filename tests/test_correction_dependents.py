"""A correction after submission keeps every field that depends on the corrected one true.

The intake asks a question only where it applies (``handlers.fields``): the place, the
persons present and the court staff present in person only (Art. 3), the materials' route and
the originals where there are materials (Art. 4, 6), the other channel's name for another
channel; an electronic message's receipt time is the inquiry's time (``handlers.receipt``),
and Art. 6's deadlines count from it. Over sequences of corrections (field × old value × new
value) of submitted records the intake could have given, the corrected record is still one
the intake could have given for the same answers: nothing the channel does not have, nothing
it needs missing (asked in the correction), its receipt time and deadlines the rule's, and
every change in ``record_amendments`` and the audit chain.

Scripted on Friday 2026-03-06 10:00 in Beijing (the ``clock`` fixture).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dialogue import (
    AMEND,
    NO,
    YES,
    Court,
    DialogueBot,
    Press,
    Tap,
    amendments_of,
    events_of,
    lab,
    says,
    verified,
)
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from reminder_kit import BEIJING, NUMBER_FORMAT, rules
from sqlalchemy import select
from test_correction_fields import Spec, label, values_of, warned

from handlers.dependents import art5_main_file, copy_of
from handlers.fields import FIELDS, Field, Step, holds, next_missing
from handlers.receipt import FOLLOWING, RECEIVED_TYPED, receipt_of
from reminders.clock import FakeClock
from reminders.outbox import ReminderStatus
from storage import records as records_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import Record, Reminder, Staff
from storage.vocabulary import (
    NETWORK_CHANNELS,
    Channel,
    Intermediary,
    MaterialRoute,
    Milestone,
    OriginalsDestination,
    RecordKind,
)

ELECTRONIC = sorted(NETWORK_CHANNELS)


def electronic(channel: str | None) -> bool:
    return channel in NETWORK_CHANNELS


async def submitted(
    db: Database,
    clock: FakeClock,
    court: Court,
    channel: Channel,
    inquiry: timedelta,
    kind: RecordKind = RecordKind.EXTERNAL,
    originals: OriginalsDestination = OriginalsDestination.ELSEWHERE,
) -> tuple[int, str]:
    """A submitted external record by ``channel`` as the intake gives it: only the fields
    that apply hold a value, 孙丽 present when in person, and an electronic message, a call
    or a visit received when it was made (``receipt_of``); its originals where ``originals``
    says, the main file whatever the channel (Art. 5, as the source's answer sets it). Its id
    and number."""
    now = clock.now()
    async with db.transaction() as session:
        handler = await session.get(Staff, court.id("张伟"))
        assert handler is not None
        record = await records_repo.create_draft(
            session, handler=handler, received_at=now - timedelta(hours=1), at=now
        )
        spec = Spec(
            kind=kind,
            channel=channel,
            originals=originals,
            cosigner=channel is Channel.IN_PERSON,
            entered=False,
        )
        values = values_of(spec, handler, now)
        values["inquiry_at"] = now - inquiry
        shadow = Record(**{k: v for k, v in values.items() if k != "received_confirmed"})
        for field in FIELDS:
            if not field.applies(shadow):
                values.update(dict.fromkeys(field.columns))
        if originals is OriginalsDestination.MAIN_FILE:
            values.update(originals_destination=originals, originals_note=None)
        if channel in FOLLOWING:
            values["received_at"] = values["inquiry_at"]
        await records_repo.set_fields(session, record, values, actor=handler, at=now)
        if spec.cosigner:
            sun = await session.get(Staff, court.id("孙丽"))
            assert sun is not None
            await records_repo.set_cosigners(session, record, [sun], actor=handler, at=now)
        record.fields = {**record.fields, "staff_present_answered": True}
        assert next_missing(record) is None
        await records_repo.submit(
            session, record, actor=handler, at=now, number_format=NUMBER_FORMAT, tz=BEIJING
        )
        assert record.number is not None
        return record.id, record.number


def kept(record: Record, field: Field, by_source: bool) -> bool:
    """Whether ``record`` may hold ``field`` that does not apply to it: an external
    inquiry's answer kept when its source was corrected to a reference opinion (the form
    prints it), a reference opinion's originals in the main file (Art. 5)."""
    if field.step is Step.ORIGINALS and art5_main_file(record):
        return True
    external = copy_of(record, {"kind": RecordKind.EXTERNAL.value})
    return by_source and field.applies(external)


# -- corrections --------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """One correction: the field (its form column) and the new value, as typed or pressed;
    ``hours`` back from now for a time."""

    key: str
    channel: Channel = Channel.PHONE
    hours: int = 3
    kind: RecordKind = RecordKind.EXTERNAL


CORRECTIONS = st.one_of(
    st.builds(Correction, key=st.just("channel"), channel=st.sampled_from(list(Channel))),
    st.builds(Correction, key=st.just("inquiry_at"), hours=st.integers(3, 96)),
    st.builds(Correction, key=st.just("received_at"), hours=st.integers(0, 2)),
    st.builds(
        Correction,
        key=st.just("kind"),
        kind=st.sampled_from([RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION]),
    ),
)


@dataclass(frozen=True)
class Answers:
    """How the judge answers what a correction newly needs."""

    persons: bool = True
    staff: bool = True
    originals: OriginalsDestination = OriginalsDestination.SUB_FILE


ANSWERS = st.builds(
    Answers,
    persons=st.booleans(),
    staff=st.booleans(),
    originals=st.sampled_from(
        [
            OriginalsDestination.SUB_FILE,
            OriginalsDestination.ELSEWHERE,
            OriginalsDestination.NO_ORIGINAL,
        ]
    ),
)


def typed(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def answer_to(step: Step, answers: Answers) -> str | Press:
    """The judge's answer to the question of ``step`` asked during a correction."""
    return {
        Step.CHANNEL_OTHER: "传真",
        Step.PLACE: "本院第二接待室",
        Step.PERSONS_PRESENT: "王某的秘书" if answers.persons else Press(says("common.none")),
        Step.STAFF_PRESENT: "王芳" if answers.staff else Press(says("common.none")),
        Step.ROUTE: Press(lab(MaterialRoute.DIRECT)),
        Step.ORIGINALS: Press(lab(answers.originals)),
        Step.ORIGINALS_NOTE: "交院档案室",
        Step.RETIRED: Press(NO),
        Step.MAIN_LEADER: Press(NO),
        Step.INTERMEDIARY: Press(lab(Intermediary.RELATIVE)),
        Step.INTERMEDIARY_NAME: "钱某",
        Step.INTERMEDIARY_RELATION: Press(says("intake.skip")),
        Step.ART9: "1,14",
        Step.ART9_OTHER: "要求更换承办法官",
        Step.SERIOUS: Press(NO),
    }[step]


def asked(text: str) -> Step | None:
    """The intake question a correction asks in ``text`` (``amend.also``), if any."""
    head = says("amend.also", field="", value="", question="").split("“")[0]
    if not text.startswith(head) and head not in text:
        return None
    for field in FIELDS:
        if field.step in (Step.RECEIVED_AT, Step.CASE_NUMBER):
            continue  # never newly needed: they apply to every external record
        if says(f"intake.ask.{field.step.value}") in text:
            return field.step
    if says("amend.ask_art9", items="").split("\n")[0] in text:  # Art. 9's items, typed
        return Step.ART9
    return None


def state(record: Record) -> dict[str, Any]:
    """The record's corrected fields as the amendments name them (cosigners by name)."""
    values = {name: getattr(record, name) for name in sorted(records_repo.FIELDS)}
    values["cosigners"] = sorted(c.who for c in record.cosigners)
    return values


async def load(db: Database, record_id: int) -> dict[str, Any]:
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        for cosigner in record.cosigners:
            await session.refresh(cosigner, ["staff"])
        return state(record)


def new_value(change: Correction, before: dict[str, Any], now: datetime) -> datetime | None:
    """The time ``change`` corrects to (None for the channel): an inquiry ``hours`` back,
    or a receipt 20 minutes and more after the inquiry."""
    if change.key == "inquiry_at":
        return now - timedelta(hours=change.hours)
    if change.key == "received_at":
        inquiry: datetime = before["inquiry_at"]
        return inquiry + timedelta(minutes=20 + 10 * change.hours)
    return None


async def correct(
    court: Court, number: str, change: Correction, moment: datetime | None
) -> list[str]:
    """Start ``change`` through the dialogue up to its value given; the replies' texts."""
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label(change.key)))
    value: str | Press
    if change.key == "kind":
        value = Press(says(f"intake.source.{change.kind.value}"))
    else:
        value = typed(moment) if moment is not None else Press(lab(change.channel))
    return [r.text for r in await judge.act(value)]


async def refused_alone(court: Court, number: str, channel: Channel) -> list[str]:
    """Press 收到时间 in the correction's list of a record whose receipt follows its
    inquiry's time: the refusal, naming the channel, and the list again; then /cancel."""
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    replies = [r.text for r in await judge.act(Press(label("received_at")))]
    assert replies[0] == says("amend.receipt_follows", channel=lab(channel)), replies
    assert replies[-1].startswith(says("amend.which", title=number)), replies
    await judge.act("/cancel")
    return replies


async def finish(court: Court, first: list[str], answers: Answers) -> list[str]:
    """Answer what the correction asks after its value, then give the reason."""
    judge = court.chat("张伟")
    said = list(first)
    replies = first
    for _ in range(len(FIELDS)):
        step = asked(replies[-1])
        if step is None:
            break
        replies = [r.text for r in await judge.act(answer_to(step, answers))]
        said += replies
    assert replies[-1] == says("amend.ask_reason"), replies
    said += [r.text for r in await judge.act("记录有误")]
    return said


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(
    kind=st.sampled_from([RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION]),
    channel=st.sampled_from(list(Channel)),
    inquiry=st.sampled_from([timedelta(hours=2), timedelta(hours=30)]),
    changes=st.lists(CORRECTIONS, min_size=1, max_size=2),
    answers=ANSWERS,
)
@example(  # a letter's route, kept by a reference opinion, goes when it becomes a call
    kind=RecordKind.EXTERNAL,
    channel=Channel.MAIL,
    inquiry=timedelta(hours=30),
    changes=[
        Correction(key="kind", kind=RecordKind.REFERENCE_OPINION),
        Correction(key="channel", channel=Channel.PHONE),
    ],
    answers=Answers(persons=True, staff=False, originals=OriginalsDestination.NO_ORIGINAL),
)
@example(  # an opinion's originals go when a call's source is corrected back to external
    kind=RecordKind.EXTERNAL,
    channel=Channel.PHONE,
    inquiry=timedelta(hours=2),
    changes=[
        Correction(key="kind", kind=RecordKind.REFERENCE_OPINION),
        Correction(key="kind", kind=RecordKind.EXTERNAL),
    ],
    answers=Answers(persons=False, staff=False, originals=OriginalsDestination.ELSEWHERE),
)
async def test_a_corrected_record_is_one_the_intake_could_have_given(
    db: Database,
    clock: FakeClock,
    court: Court,
    bot: DialogueBot,
    kind: RecordKind,
    channel: Channel,
    inquiry: timedelta,
    changes: list[Correction],
    answers: Answers,
) -> None:
    record_id, number = await submitted(db, clock, court, channel, inquiry, kind)
    kept_by_source = receipt_typed = False
    for change in changes:
        before = await load(db, record_id)
        earlier = len(await amendments_of(db, record_id))
        old_channel = before["channel"]
        if change.key == "channel" and change.channel == old_channel:
            continue
        if change.key == "kind" and change.kind == before["kind"]:
            continue
        kept_by_source |= change.key == "kind" and change.kind is RecordKind.REFERENCE_OPINION
        moment = new_value(change, before, clock.now())
        if moment is not None and before[change.key] == moment:
            continue
        stands = receipt_typed or old_channel not in FOLLOWING
        if change.key == "inquiry_at" and stands and moment > before["received_at"]:
            continue  # refused: the inquiry is never after a receipt time that stands
        if change.key == "received_at" and old_channel in FOLLOWING and not receipt_typed:
            # Received when sent or made: corrected with the inquiry's time, never alone.
            refused = await refused_alone(court, number, old_channel)
            assert refused and len(await amendments_of(db, record_id)) == earlier, refused
            continue
        receipt_typed |= change.key == "received_at"
        first = await correct(court, number, change, moment)
        said = await finish(court, first, answers)
        assert says("amend.done", title=number) in said, said
        async with db.transaction() as session:
            record = await records_repo.get(session, record_id)
            assert record is not None
            for cosigner in record.cosigners:
                await session.refresh(cosigner, ["staff"])
            after = state(record)
            # Nothing the corrected record's channel does not have; nothing it needs missing.
            for field in FIELDS:
                if not field.applies(record) and not kept(record, field, kept_by_source):
                    assert not holds(record, field), (field.step, change, old_channel)
                    if field.step is Step.STAFF_PRESENT:
                        assert not record.cosigners, (change, old_channel)
            assert next_missing(record) is None, (next_missing(record), change)
            # The receipt time is the rule's, and the deadlines count from it.
            settled = receipt_of(record, BEIJING)
            if settled is not None:
                assert record.received_at == settled[0], (change, old_channel)
            if change.key == "received_at":
                assert record.fields.get(RECEIVED_TYPED) is True
                assert record.received_at == moment
            elif before["received_at"] != record.received_at:
                assert settled is not None
                assert says("amend.received_followed", time="").split("：")[0] in "\n".join(said)
            deadlines = rules().for_record(record)
            query = select(Reminder).where(
                Reminder.record_id == record_id, Reminder.status == ReminderStatus.PENDING
            )
            planned = (await session.execute(query)).scalars().all()
            for reminder in planned:
                assert reminder.deadline is None or reminder.deadline in deadlines.values(), (
                    reminder.kind,
                    reminder.deadline,
                    deadlines,
                )
        # Every change is a correction, kept with its old value and in the audit chain.
        made = (await amendments_of(db, record_id))[earlier:]
        changed = {name for name in after if after[name] != before[name]}
        assert changed == {a.field for a in made}, (changed, [a.field for a in made])
        amended = [e for e in await events_of(db, record_id) if e.kind == AuditKind.AMENDED]
        fields = [json.loads(e.payload)["field"] for e in amended[len(amended) - len(made) :]]
        assert fields == [a.field for a in made]
        if before["cosigners"] and not after["cosigners"]:
            for name in before["cosigners"]:  # each taken off is told, in their own chat;
                # none answered here, so none is told an earlier answer stays
                assert court.chat(name).inbox()[-1].text == says(
                    "cosign.not_needed_unanswered", handler="张伟", title=number, reason="记录有误"
                )
        if change.key == "channel" and electronic(change.channel):
            shown = lab(change.channel)
            assert says("intake.no_screenshot", channel=shown) in said, said
    problems, _ = await verified(db, bot.evidence_dir)
    assert problems == []


async def test_a_wechat_inquiry_time_corrected_moves_its_receipt_and_deadlines(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot
) -> None:
    """The court user's case: 过问时间 of a submitted WeChat record corrected from Thursday
    night to Tuesday morning; the receipt follows (the old one kept in the correction), and
    the 2-day and 3-day deadlines count from Tuesday in working days."""
    record_id, number = await submitted(db, clock, court, Channel.WECHAT, timedelta(hours=13))
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("inquiry_at")))
    # Registered on Friday: in time from Thursday's receipt, late from Tuesday's (Art. 10).
    warned = says(
        "amend.verdict_warning",
        changes="、".join(
            (
                says("amend.verdict_line", step=lab(Milestone.REGISTERED), before="按期",
                     after="逾期办理"),
                says("amend.verdict_line", step=lab(Milestone.PLATFORM_ENTERED), before="未到期",
                     after="逾期未办"),
            )
        ),
    )  # fmt: skip
    replies = [r.text for r in await judge.act("2026-03-03 09:00")]
    assert replies == [warned, says("amend.ask_reason")], replies
    replies = [r.text for r in await judge.act("记录有误")]
    assert replies[0] == says("amend.done", title=number)
    tuesday = datetime(2026, 3, 3, 9, 0, tzinfo=BEIJING)
    assert says("amend.received_followed", time="3月3日（周二）09:00") in replies, replies
    amendments = await amendments_of(db, record_id)
    assert [a.field for a in amendments] == ["inquiry_at", "received_at"]
    assert amendments[1].old_value == f'"{(clock.now() - timedelta(hours=13)).isoformat()}"'
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        assert record.received_at == tuesday
        deadlines = rules().for_record(record)
        query = select(Reminder.deadline).where(
            Reminder.record_id == record_id, Reminder.status == ReminderStatus.PENDING
        )
        planned = set((await session.execute(query)).scalars().all())
    # The reminders are planned again from Tuesday's deadlines, none left from Thursday's.
    assert planned and planned <= set(deadlines.values()), (planned, deadlines)
    [shown] = await judge.act(f"/record {number}")
    changed = [line for line in shown.text.splitlines() if line.startswith("更正（")]
    assert any(f"）{says('card.received_at')}：" in line for line in changed), changed
    assert deadlines == rules().for_record(Record(received_at=tuesday, kind=RecordKind.EXTERNAL))


async def test_a_letter_corrected_to_a_phone_call_moves_its_receipt(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot
) -> None:
    """信函 → 电话: a call is received as it is made, so the receipt follows the inquiry's
    time (the old receipt kept in the correction), as the intake would give it."""
    record_id, number = await submitted(db, clock, court, Channel.LETTER, timedelta(hours=30))
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("channel")))
    assert [r.text for r in await judge.act(Press(lab(Channel.PHONE)))] == [
        says("amend.ask_reason")
    ]
    replies = [r.text for r in await judge.act("记录有误")]
    assert replies[0] == says("amend.done", title=number)
    fields = [a.field for a in await amendments_of(db, record_id)]
    assert fields[0] == "channel" and fields[-1] == "received_at", fields
    assert says("amend.received_followed", time="").split("：")[0] in "\n".join(replies)
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        assert record.received_at == record.inquiry_at == clock.now() - timedelta(hours=30)
        assert rules().for_record(record) == rules().for_record(
            Record(received_at=record.inquiry_at, kind=RecordKind.EXTERNAL)
        )


async def test_in_person_corrected_to_wechat_clears_what_was_in_person(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot
) -> None:
    """当面 → 微信: the place, the persons present and 孙丽 (present, asked to co-sign) no
    longer apply: cleared in the same correction, 孙丽 told she need not confirm, no
    co-signature due; the receipt is the inquiry's time; the missing screenshot is said."""
    record_id, number = await submitted(db, clock, court, Channel.IN_PERSON, timedelta(hours=2))
    sun = court.chat("孙丽")
    await sun.act(Tap(f"cs:{record_id}:ok"))
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("channel")))
    replies = [r.text for r in await judge.act(Press(lab(Channel.WECHAT)))]
    # WeChat brings materials: the route and where the originals went are asked first.
    assert asked(replies[-1]) is Step.ROUTE, replies
    replies = [r.text for r in await judge.act(Press(lab(MaterialRoute.DIRECT)))]
    assert asked(replies[-1]) is Step.ORIGINALS, replies
    replies = [r.text for r in await judge.act(Press(lab(OriginalsDestination.NO_ORIGINAL)))]
    # 孙丽's confirmation, given on time, is owed no more: a change of verdict, said first.
    assert replies == [warned(Milestone.COSIGNED, "on_time", "not_owed"), says("amend.ask_reason")]
    replies = [r.text for r in await judge.act("记录有误")]
    assert replies[0] == says("amend.done", title=number)
    gone = "、".join(says(f"card.{s}") for s in ("place", "persons_present", "staff_present"))
    assert says("amend.cleared", field=says("card.channel"), fields=gone) in replies, replies
    assert says("intake.no_screenshot", channel=lab(Channel.WECHAT)) in replies
    told = says("cosign.not_needed", handler="张伟", title=number, reason="记录有误")
    assert sun.inbox()[-1].text == told
    fields = [a.field for a in await amendments_of(db, record_id)]
    assert fields == [
        "channel",
        "material_route",
        "originals_destination",
        "place",
        "persons_present",
        "cosigners",
    ]  # the visit was received when made: its receipt is already the inquiry's time
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        assert record.cosigners == [] and record.cosigners_done
        assert record.received_at == record.inquiry_at
        assert "cosigned" not in {m.value for m in rules().for_record(record)}


async def test_wechat_corrected_to_in_person_asks_what_in_person_needs(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot
) -> None:
    """微信 → 当面: the place, the persons present and the court staff present are asked
    before the correction is kept; a wrong answer is refused and asked again; /cancel
    leaves the record as it was; 王芳 named present is asked to co-sign."""
    record_id, number = await submitted(db, clock, court, Channel.WECHAT, timedelta(hours=2))
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("channel")))
    replies = [r.text for r in await judge.act(Press(lab(Channel.IN_PERSON)))]
    assert asked(replies[-1]) is Step.PLACE, replies
    await judge.act("/cancel")
    assert await amendments_of(db, record_id) == []
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("channel")))
    await judge.act(Press(lab(Channel.IN_PERSON)))
    replies = [r.text for r in await judge.act("本院接待室")]
    assert asked(replies[-1]) is Step.PERSONS_PRESENT, replies
    replies = [r.text for r in await judge.act(Press(says("common.none")))]
    assert asked(replies[-1]) is Step.STAFF_PRESENT, replies
    replies = [r.text for r in await judge.act("没有这个人")]
    assert asked(replies[-1]) is Step.STAFF_PRESENT, replies
    # A name not among the staff: a slip, or staff not in the bot who sign on paper.
    assert replies[-1].startswith(says("intake.error.staff_offline_offer", names="没有这个人"))
    replies = [r.text for r in await judge.act("王芳")]
    # 王芳's confirmation is owed from now on: a change of verdict, said first.
    assert replies == [warned(Milestone.COSIGNED, "not_owed", "pending"), says("amend.ask_reason")]
    await judge.act("记录有误")
    fields = [a.field for a in await amendments_of(db, record_id)]
    assert fields == [
        "channel",
        "place",
        "persons_present",
        "cosigners",
        "material_route",
        "originals_destination",
        "originals_note",
    ]
    wang = court.chat("王芳")
    assert wang.inbox()[-1].text.startswith(says("cosign.request", handler="张伟", card=""))
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        assert next_missing(record) is None
        assert (record.place, record.persons_present) == ("本院接待室", "无")


async def test_a_reference_opinion_corrected_to_an_external_inquiry_asks_what_it_needs(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot
) -> None:
    """Art. 5 → the external inquiry's questions (retired, Art. 7's main leader, whom it
    came through, Art. 9's items, serious) are asked in the correction, as the intake
    asks them, with their buttons."""
    record_id, number = await submitted(
        db, clock, court, Channel.PHONE, timedelta(hours=2), RecordKind.REFERENCE_OPINION
    )
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("kind")))
    replies = await judge.act(Press(says("intake.source.external")))
    assert asked(replies[-1].text) is Step.RETIRED
    assert [b.label for row in replies[-1].buttons for b in row] == [YES, NO]
    for step, press in (
        (Step.MAIN_LEADER, NO),
        (Step.INTERMEDIARY, NO),
        (Step.ART9, lab(Intermediary.NONE)),
        (Step.SERIOUS, "无"),
    ):
        replies = await judge.act(Press(press) if press != "无" else press)
        assert asked(replies[-1].text) is step, (step, replies[-1].text)
    replies = await judge.act(Press(NO))
    # An outside inquiry owes the platform entry an Art. 5 opinion did not: said first.
    said = warned(Milestone.PLATFORM_ENTERED, "not_owed", "pending")
    assert [r.text for r in replies] == [said, says("amend.ask_reason")]
    await judge.act("记录有误")
    fields = [a.field for a in await amendments_of(db, record_id)]
    assert fields == ["kind", "retired", "main_leader", "intermediary", "art9_items", "serious"]
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        assert next_missing(record) is None
