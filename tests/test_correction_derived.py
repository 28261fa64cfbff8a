"""A value guowen sets because of an answer goes when the answer that set it is reversed.

The source answered as a reference opinion (Art. 5) sets where the originals went: the main
file (正卷), whatever the judge had said. An external cadre's written originals go to the
sub-file (副卷, Art. 4), so the main file is no answer for an external inquiry: corrected back
to an external inquiry, the record takes again the judge's own answer the opinion replaced
(no question asked, the change a correction like any other), or, where the judge never gave
one for this channel (the record came in as an opinion, or its channel was corrected since),
the question is asked before the correction is kept. In a draft, the source answered back
leaves the question to be answered again.

Over sequences of source corrections (and channel corrections between them) of records by
every channel, with and without a written original, the record never holds a destination
its current source contradicts, and every change is a correction in the audit chain.

Scripted on Friday 2026-03-06 10:00 in Beijing (the ``clock`` fixture).
"""

from __future__ import annotations

import json
from datetime import timedelta

from dialogue import (
    AMEND,
    EDIT,
    EXTERNAL,
    NO,
    REFERENCE,
    Court,
    DialogueBot,
    Exactly,
    Press,
    amendments_of,
    asks,
    dialogue,
    events_of,
    lab,
    phone_record,
    record_row,
    says,
    verified,
)
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from test_correction_dependents import Answers, answer_to, asked, submitted
from test_correction_fields import label

from handlers.fields import FIELDS, Step
from reminders.clock import FakeClock
from storage import records as records_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.vocabulary import (
    ORAL_CHANNELS,
    Channel,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
)

ASKABLE = (
    OriginalsDestination.SUB_FILE,
    OriginalsDestination.ELSEWHERE,
    OriginalsDestination.NO_ORIGINAL,
)
"""The destinations the judge may answer (the main file is Art. 5's, never answered)."""
NOTE = "交档案室"
"""The note of an original kept elsewhere, as ``test_correction_fields.values_of`` gives it."""

Step_ = tuple[str, RecordKind | Channel]
"""One correction: ``("kind", source)`` or ``("channel", channel)``."""

SOURCES = [RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION]
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("kind"), st.sampled_from(SOURCES)),
        st.tuples(st.just("channel"), st.sampled_from(list(Channel))),
    ),
    min_size=1,
    max_size=5,
)


def consistent(kind: str, channel: str, destination: str | None) -> bool:
    """Whether ``destination`` agrees with the source and the channel: a reference opinion's
    originals in the main file (Art. 5), an external inquiry's as the judge answered for
    materials (Art. 4; never the main file), none for an oral one."""
    if kind == RecordKind.REFERENCE_OPINION:
        return destination == OriginalsDestination.MAIN_FILE
    if channel in ORAL_CHANNELS:
        return destination is None
    return destination in ASKABLE


async def correct(court: Court, number: str, key: str, value: RecordKind | Channel) -> list[str]:
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label(key)))
    shown = says(f"intake.source.{value.value}") if key == "kind" else lab(value)
    return [r.text for r in await judge.act(Press(shown))]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(
    kind=st.sampled_from(SOURCES),
    channel=st.sampled_from(list(Channel)),
    written=st.sampled_from(ASKABLE),
    steps=STEPS,
    answer=st.sampled_from(ASKABLE),
)
@example(  # the trial's case: WeChat, no written original; 第五条 and back
    kind=RecordKind.EXTERNAL,
    channel=Channel.WECHAT,
    written=OriginalsDestination.NO_ORIGINAL,
    steps=[("kind", RecordKind.REFERENCE_OPINION), ("kind", RecordKind.EXTERNAL)],
    answer=OriginalsDestination.SUB_FILE,
)
@example(  # a letter kept elsewhere, with its note: both come back
    kind=RecordKind.EXTERNAL,
    channel=Channel.LETTER,
    written=OriginalsDestination.ELSEWHERE,
    steps=[("kind", RecordKind.REFERENCE_OPINION), ("kind", RecordKind.EXTERNAL)],
    answer=OriginalsDestination.SUB_FILE,
)
@example(  # an opinion from the start: the judge never said where an inquiry's went
    kind=RecordKind.REFERENCE_OPINION,
    channel=Channel.SMS,
    written=OriginalsDestination.NO_ORIGINAL,
    steps=[("kind", RecordKind.EXTERNAL), ("kind", RecordKind.REFERENCE_OPINION),
           ("kind", RecordKind.EXTERNAL)],
    answer=OriginalsDestination.ELSEWHERE,
)  # fmt: skip
@example(  # the channel corrected while an opinion: the answer given for WeChat is not reused
    kind=RecordKind.EXTERNAL,
    channel=Channel.WECHAT,
    written=OriginalsDestination.NO_ORIGINAL,
    steps=[("kind", RecordKind.REFERENCE_OPINION), ("channel", Channel.LETTER),
           ("kind", RecordKind.EXTERNAL)],
    answer=OriginalsDestination.SUB_FILE,
)  # fmt: skip
async def test_the_originals_always_agree_with_the_source(
    db: Database,
    clock: FakeClock,
    court: Court,
    bot: DialogueBot,
    kind: RecordKind,
    channel: Channel,
    written: OriginalsDestination,
    steps: list[Step_],
    answer: OriginalsDestination,
) -> None:
    opinion = kind is RecordKind.REFERENCE_OPINION
    first = OriginalsDestination.MAIN_FILE if opinion else written
    record_id, number = await submitted(
        db, clock, court, channel, timedelta(hours=2), kind, originals=first
    )
    # What the judge last answered for an external inquiry by this channel: given back when
    # the source is; None where never answered for the channel the record has.
    answered: OriginalsDestination | None = None
    note: str | None = None
    if not opinion and channel not in ORAL_CHANNELS:
        answered, note = written, NOTE if written is OriginalsDestination.ELSEWHERE else None
    now_kind, now_channel = kind.value, channel.value
    for n, (key, value) in enumerate(steps):
        if value.value == (now_kind if key == "kind" else now_channel):
            continue
        earlier = len(await amendments_of(db, record_id))
        replies = await correct(court, number, key, value)
        questions: list[Step] = []
        for _ in range(len(FIELDS)):
            step = asked(replies[-1])
            if step is None:
                break
            questions.append(step)
            reply = answer_to(step, Answers(originals=answer))
            replies = [r.text for r in await court.chat("张伟").act(reply)]
        assert replies[-1] == says("amend.ask_reason"), replies
        reason = f"核实后更正{n}"
        done = [r.text for r in await court.chat("张伟").act(reason)]
        assert says("amend.done", title=number) in done, done
        back = key == "kind" and value is RecordKind.EXTERNAL
        if key == "kind":
            now_kind = value.value
        else:
            now_channel = value.value
            if now_kind == RecordKind.REFERENCE_OPINION:
                answered = None  # an answer for the old channel is not one for the new
        if now_kind == RecordKind.EXTERNAL and now_channel not in ORAL_CHANNELS:
            if Step.ORIGINALS in questions:
                answered = answer
                note = "交院档案室" if answer is OriginalsDestination.ELSEWHERE else None
            elif back:
                # Given back without a question only where the judge had answered it.
                assert answered is not None, (steps, questions)
        async with db.transaction() as session:
            record = await records_repo.get(session, record_id)
            assert record is not None
            row = (record.kind, record.channel, record.originals_destination)
            assert consistent(*row), (steps, n, row)
            if record.kind == RecordKind.EXTERNAL and now_channel not in ORAL_CHANNELS:
                assert (record.originals_destination, record.originals_note) == (answered, note)
        made = (await amendments_of(db, record_id))[earlier:]
        assert {a.reason for a in made} == {reason}, made
        # Each column changed once; a destination set (not asked) is said to the judge.
        assert len({a.field for a in made}) == len(made), made
        for change in made:
            new = json.loads(change.new_value)
            if change.field == "originals_destination" and new and Step.ORIGINALS not in questions:
                line = says(
                    "amend.derived_line",
                    field=says("card.originals_destination"),
                    value=lab(OriginalsDestination(new)),
                )
                assert line in "\n".join(done), (done, new)
        amended = [e for e in await events_of(db, record_id) if e.kind == AuditKind.AMENDED]
        assert len(amended) == len(await amendments_of(db, record_id))
        if back and now_channel not in ORAL_CHANNELS:
            # The correction's copy, printed and sent, names the destination it now holds.
            [shown] = await court.chat("张伟").act(f"/record {number}")
            head = says("card.originals") + "："
            lines = [line for line in shown.text.splitlines() if line.startswith(head)]
            assert lines == [head + lab(OriginalsDestination(answered))], shown.text
    problems, _ = await verified(db, bot.evidence_dir)
    assert problems == []


async def test_a_draft_answered_back_to_an_external_inquiry_asks_where_the_originals_went(
    court: Court, db: Database
) -> None:
    """In a draft, 第五条 answered at the review card puts the originals in the main file;
    answered back to an external inquiry, the main file goes and the question comes again
    (the draft's answers are not corrections: nothing to give back), never the main file on
    the card."""
    judge = court.chat("张伟")
    script = phone_record()
    for action, _ in script[:4]:
        await judge.act(action)
    await judge.act(Press(lab(Channel.WECHAT)))
    for action, _ in script[5:-2]:
        await judge.act(action)
    await dialogue(
        judge,
        [
            (Press(NO), asks(Step.ROUTE)),
            (Press(lab(MaterialRoute.DIRECT)), asks(Step.ORIGINALS)),
            (Press(lab(OriginalsDestination.NO_ORIGINAL)), says("intake.review")),
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.kind")), asks(Step.SOURCE)),
            (Press(REFERENCE), originals_line(OriginalsDestination.MAIN_FILE)),
        ],
    )
    assert (await record_row(db, 1))["originals_destination"] == OriginalsDestination.MAIN_FILE
    await dialogue(
        judge,
        [
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.kind")), asks(Step.SOURCE)),
            (Press(EXTERNAL), Exactly(asks(Step.ORIGINALS))),
        ],
    )
    row = await record_row(db, 1)
    assert (row["kind"], row["originals_destination"]) == (RecordKind.EXTERNAL, None)
    await dialogue(
        judge,
        [
            (
                Press(lab(OriginalsDestination.SUB_FILE)),
                (says("intake.review"), originals_line(OriginalsDestination.SUB_FILE)),
            )
        ],
    )


def originals_line(destination: OriginalsDestination) -> str:
    """The card's line of where the originals went."""
    return "\n" + says("card.originals") + "：" + lab(destination) + "\n"
