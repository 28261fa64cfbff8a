"""Every field the form prints is on /record and can be corrected after submission.

The form (``reports.form.PRINTED``) is the list: a field it prints that a judge gave is in
the correction's list, with its reason, the co-signers asked again; a field guowen gave
itself (``handlers.amend.STAMPED``: number, status, handler, Art. 7 alert times) is shown on
/record. Records are drawn from the whole space of kinds, channels, intermediaries,
materials, co-signers and platform entry, so a field the form prints on some record only is
found too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dialogue import (
    AMEND,
    NOT_FILED,
    YES,
    Court,
    DialogueBot,
    Press,
    Tap,
    amendments_of,
    lab,
    says,
    verified,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reminder_kit import BEIJING, NUMBER_FORMAT, rules

from handlers.amend import CORRECTABLE, STAMPED, form_key
from handlers.fields import EVERY, Field, Step
from handlers.ports import OutgoingMessage
from reminders.clock import FakeClock
from reports.amendment import ENUMS, value_words
from reports.document import Pairs, texts
from reports.facts import RecordFacts, facts_for, load_names
from reports.form import BY_KEY, PRINTED, form_document
from reports.text import tr
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import (
    Channel,
    Intermediary,
    Language,
    MaterialRoute,
    Milestone,
    OriginalsDestination,
    RecordKind,
    UnitCategory,
)

BY_FORM_KEY: dict[str, Field] = {form_key(field): field for field in EVERY}
TITLES = {BY_KEY[key].title(Language.ZH): key for key in PRINTED}


def label(key: str) -> str:
    """The card's label of the field the form prints as column ``key``."""
    return says(f"card.{BY_FORM_KEY[key].step.value}")


def test_every_field_the_form_prints_is_a_field_of_the_card_or_given_by_guowen() -> None:
    assert set(PRINTED) >= STAMPED
    assert set(PRINTED) - STAMPED == CORRECTABLE
    for key in CORRECTABLE:
        assert key in BY_FORM_KEY, f"the form prints {key!r}, which no correction changes"


# -- a record anywhere in the space -------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One submitted record: its kind and channel, whom it came through, its materials,
    its co-signers and whether it is entered in the platform (with a reference or not)."""

    kind: RecordKind = RecordKind.EXTERNAL
    channel: Channel = Channel.OTHER
    intermediary: Intermediary | None = Intermediary.STAFF
    route: MaterialRoute | None = MaterialRoute.DIRECT
    originals: OriginalsDestination | None = OriginalsDestination.ELSEWHERE
    texts: bool = True
    cosigner: bool = True
    platform: str | None = "PT-2026-001"
    entered: bool = True
    serious: bool = False
    main_leader: bool = False


SPECS = st.builds(
    Spec,
    kind=st.sampled_from([RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION]),
    channel=st.sampled_from(list(Channel)),
    intermediary=st.none() | st.sampled_from(list(Intermediary)),
    route=st.none() | st.sampled_from(list(MaterialRoute)),
    originals=st.none() | st.sampled_from(list(OriginalsDestination)),
    texts=st.booleans(),
    cosigner=st.booleans(),
    platform=st.none() | st.just("PT-2026-001"),
    entered=st.booleans(),
    serious=st.booleans(),
    main_leader=st.booleans(),
)


def values_of(spec: Spec, handler: Staff, now: datetime) -> dict[str, Any]:
    """Every column of the intake for ``spec``, as a judge would have answered."""
    text = spec.texts or None
    return {
        "received_confirmed": True,
        "kind": spec.kind.value,
        "inquiry_at": now - timedelta(hours=2),
        "channel": spec.channel.value,
        "channel_other": "传真" if text else None,
        "inquirer_name": "王某",
        "inquirer_unit": "温县某局",
        "inquirer_position": "局长",
        "unit_category": UnitCategory.GOVERNMENT.value,
        "retired": False,
        "main_leader": spec.main_leader,
        "intermediary": spec.intermediary.value if spec.intermediary else None,
        "intermediary_name": "赵某" if text else None,
        "intermediary_relation": "秘书" if text else None,
        "case_name": "张某诉李某民间借贷纠纷案",
        "case_number": "（2026）豫0825民初123号",
        "case_not_filed": False,
        "department_id": handler.department_id,
        "summary": "要求从轻处理",
        "art9_items": [1, 14],
        "art9_other": "要求通报合议庭意见" if text else None,
        "serious": spec.serious,
        "place": "本院接待室" if text else None,
        "persons_present": "王某的秘书" if text else None,
        "material_route": spec.route.value if spec.route else None,
        "originals_destination": spec.originals.value if spec.originals else None,
        "originals_note": "交档案室" if text else None,
    }


async def drafted(
    db: Database,
    clock: FakeClock,
    court: Court,
    spec: Spec,
    *,
    submit: bool = True,
    unanswered: Sequence[Field] = (),
) -> Record:
    """``spec`` as a record of 张伟 (孙丽 present if ``spec.cosigner``), submitted unless
    told, or a draft where only the questions ``unanswered`` are left."""
    now = clock.now()
    async with db.transaction() as session:
        handler = await session.get(Staff, court.id("张伟"))
        assert handler is not None
        record = await records_repo.create_draft(
            session, handler=handler, received_at=now - timedelta(hours=1), at=now
        )
        values = values_of(spec, handler, now)
        steps = {field.step for field in unanswered}
        for field in unanswered:
            values.update(dict.fromkeys(field.columns))
        if Step.RECEIVED_AT in steps:
            values.update(received_at=record.received_at, received_confirmed=False)
        await records_repo.set_fields(session, record, values, actor=handler, at=now)
        if spec.cosigner:
            sun = await session.get(Staff, court.id("孙丽"))
            assert sun is not None
            await records_repo.set_cosigners(session, record, [sun], actor=handler, at=now)
        if Step.STAFF_PRESENT not in steps:
            record.fields = {**record.fields, "staff_present_answered": True}
        if not submit:
            return record
        await records_repo.submit(
            session, record, actor=handler, at=now, number_format=NUMBER_FORMAT, tz=BEIJING
        )
        if spec.entered:
            await records_repo.mark_milestone(
                session,
                record,
                Milestone.PLATFORM_ENTERED,
                actor=handler,
                at=now,
                reference=spec.platform,
            )
        record.serious_alerted_at = now if spec.serious else None
        record.upward_listed_at = now if spec.main_leader else None
        return record


async def stored(db: Database, clock: FakeClock, court: Court, spec: Spec) -> tuple[int, str]:
    """``spec`` as a submitted record of 张伟; its id and number."""
    record = await drafted(db, clock, court, spec)
    assert record.number is not None
    return record.id, record.number


async def printed(db: Database, clock: FakeClock, record_id: int) -> set[str]:
    """The columns the record's form prints (``reports.form.PRINTED`` keys)."""
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        names = await load_names(session)
        facts: RecordFacts
        (facts,) = await facts_for(session, [record], names, rules(), clock.now())
        document = form_document(
            facts,
            language=Language.ZH,
            tz=BEIJING,
            court_name="温县人民法院",
            printed_at=clock.now(),
            head_seq=0,
            head_hash="0" * 64,
        )
    keys = {
        TITLES[title]
        for block in document.blocks
        if isinstance(block, Pairs)
        for title, value in block.rows
        if title in TITLES and value != "" and value != tr(Language.ZH, "common.blank")
    }
    return keys | ({"cosigners"} if facts.cosigners else set())


def labels_of(message: OutgoingMessage) -> list[str]:
    return [button.label for row in message.buttons for button in row]


_SEEN: set[int] = set()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=SPECS)
async def test_every_field_the_form_prints_is_on_record_and_in_the_correction_list(
    db: Database, clock: FakeClock, court: Court, spec: Spec
) -> None:
    record_id, number = await stored(db, clock, court, spec)
    keys = await printed(db, clock, record_id)
    judge = court.chat("张伟")
    [shown] = await judge.act(f"/record {number}")
    lines = shown.text.splitlines()
    which = (await judge.act(Press(AMEND)))[-1]
    offered = labels_of(which)
    assert which.text.startswith(says("amend.which", title=number))
    for key in keys - STAMPED:
        assert any(line.startswith(label(key) + "：") for line in lines), (key, shown.text)
        assert label(key) in offered, (key, offered)
    assert lines[0].startswith(f"【过问记录】{number}（")
    assert says("views.handler", name="张伟") in lines
    alerts = {  # the upward stamp says whether the record is on the list now (test_alert_listing)
        "serious_alerted_at": ("views.serious_alerted",),
        "upward_listed_at": ("views.upward_listed", "views.upward_unlisted"),
    }
    for key, messages in alerts.items():
        heads = tuple(says(message, at="")[:12] for message in messages)
        assert (key in keys) == any(line.startswith(heads) for line in lines), (key, shown.text)
    assert "platform_ref" in keys or not spec.platform or not spec.entered


# -- each field corrected -----------------------------------------------------------------

IN_PERSON_ONLY = frozenset({"place", "persons_present", "cosigners"})
"""The fields only an in-person inquiry has; the others are tried on a record that came by
another channel, with materials (Art. 4 and 6)."""

NEW: dict[str, tuple[str | Press, str]] = {
    "kind": (Press(says("intake.source.reference_opinion")), "kind"),
    "received_at": ("2026-03-06 09:30", "received_at"),
    "inquiry_at": ("2026-03-06 07:00", "inquiry_at"),
    "channel": (Press(lab(Channel.LETTER)), "channel"),
    "channel_other": ("内部邮件", "channel_other"),
    "inquirer_name": ("李某", "inquirer_name"),
    "inquirer_unit": ("温县某委", "inquirer_unit"),
    "inquirer_position": ("副局长", "inquirer_position"),
    "unit_category": (Press(lab(UnitCategory.PARTY)), "unit_category"),
    "retired": (Press(YES), "retired"),
    "main_leader": (Press(YES), "main_leader"),
    "intermediary": (Press(lab(Intermediary.RELATIVE)), "intermediary"),
    "intermediary_name": ("钱某", "intermediary_name"),
    "intermediary_relation": ("司机", "intermediary_relation"),
    "case_name": ("王某诉赵某合同纠纷案", "case_name"),
    "case_number": (Press(NOT_FILED), "case_number"),
    "department": (Press("刑事审判庭"), "department_id"),
    "summary": ("要求尽快判决", "summary"),
    "art9": ("1,4", "art9_items"),
    "art9_other": ("要求更换承办法官", "art9_other"),
    "serious": (Press(YES), "serious"),
    "place": ("本院第二接待室", "place"),
    "persons_present": ("王某的司机", "persons_present"),
    "cosigners": ("王芳", "cosigners"),
    "route": (Press(lab(MaterialRoute.VIA_INTEGRITY_OFFICER)), "material_route"),
    "originals": (Press(lab(OriginalsDestination.SUB_FILE)), "originals_destination"),
    "originals_note": ("交院档案室", "originals_note"),
    "platform_ref": ("PT-2026-009", "platform_ref"),
}
"""For each field the form prints: a new value (typed, or a press on the prompt's button)
and the stored field its correction changes."""


def warned(step: Milestone, before: str, after: str) -> str:
    """The warning said before the reason when a correction changes ``step``'s verdict from
    ``before`` to ``after`` (``amend.state`` keys, ``not_owed`` for a step not owed)."""
    line = says(
        "amend.verdict_line",
        step=lab(step),
        before=says(f"amend.state.{before}"),
        after=says(f"amend.state.{after}"),
    )
    return says("amend.verdict_warning", changes=line)


ASKED_FIRST = {"kind": [warned(Milestone.PLATFORM_ENTERED, "on_time", "not_owed")]}
"""What is said before the reason besides it: an Art. 5 opinion owes no platform entry, so
the entry made on time is owed no more, a change of verdict (``handlers.verdicts``)."""


def test_every_correctable_field_has_a_new_value_here() -> None:
    assert set(NEW) == CORRECTABLE


@pytest.mark.parametrize("key", sorted(CORRECTABLE))
async def test_each_field_the_form_prints_is_corrected_with_its_reason_and_asked_again(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot, tmp_path: Path, key: str
) -> None:
    channel = Channel.IN_PERSON if key in IN_PERSON_ONLY else Channel.OTHER
    record_id, number = await stored(db, clock, court, Spec(channel=channel))
    sun = court.chat("孙丽")
    await sun.act(Tap(f"cs:{record_id}:ok"))
    clock.advance(timedelta(minutes=10))
    judge = court.chat("张伟")
    [before] = await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    [prompt] = await judge.act(Press(label(key)))
    assert prompt.text.startswith(
        says("amend.ask_value", field=label(key), value="").split("：")[0]
    )
    value, column = NEW[key]
    replies = await judge.act(value)
    expected = [*ASKED_FIRST.get(key, []), says("amend.ask_reason")]
    assert [r.text for r in replies] == expected, [r.text for r in replies]
    replies = await judge.act("记录有误")
    assert replies[0].text == says("amend.done", title=number)
    amendments = await amendments_of(db, record_id)
    assert column in [a.field for a in amendments], amendments
    assert {a.reason for a in amendments} == {"记录有误"}
    [after] = await judge.act(f"/record {number}")
    assert after.text != before.text
    assert says("card.line", label=label(key), value="") in after.text
    # /record lists the correction under the card: field, old → new, and why.
    changed = [line for line in after.text.splitlines() if line.startswith("更正（")]
    assert any(f"）{label(key)}：" in line for line in changed), changed
    # A choice is shown by its label, as the form prints it, never by its stored code.
    for amendment in amendments:
        if amendment.field in ENUMS or amendment.field == "art9_items":
            words = value_words(amendment.field, amendment.new_value, Language.ZH, BEIJING)
            assert any(line.endswith(f"→ {words}") for line in changed), (words, changed)
    if key == "cosigners":
        wang = court.chat("王芳")
        assert wang.inbox()[-1].text.startswith(says("cosign.request", handler="张伟", card=""))
        assert labels_of(wang.inbox()[-1]) == [says("cosign.confirm"), says("cosign.dispute")]
        assert "王芳（待确认）" in after.text
        # 孙丽, taken off the list, is told and stays on the card as removed, once.
        told = says("cosign.removed", handler="张伟", title=number, reason="记录有误")
        assert sun.inbox()[-1].text == told
        [present] = [x for x in after.text.splitlines() if x.startswith(label("cosigners"))]
        assert present.count("孙丽") == 1 and "更正时移出名单" in present, present
    else:
        asked = sun.inbox()[-1]
        assert asked.text.startswith(says("cosign.reconfirm", handler="张伟", card=""))
        assert labels_of(asked) == [says("cosign.confirm"), says("cosign.dispute")]
    problems, _ = await verified(db, bot.evidence_dir)
    assert problems == []


@pytest.mark.parametrize("key", sorted(CORRECTABLE))
async def test_a_correction_to_the_value_the_record_holds_is_refused_and_nothing_is_kept(
    db: Database, clock: FakeClock, court: Court, key: str
) -> None:
    """Whatever the field: the value it already holds is refused as no correction at the
    value's question (asked again), so no amendment, reason or re-confirmation follows."""
    channel = Channel.IN_PERSON if key in IN_PERSON_ONLY else Channel.OTHER
    record_id, number = await stored(db, clock, court, Spec(channel=channel))
    judge = court.chat("张伟")
    value, _ = NEW[key]
    for attempt in range(2):
        await judge.act(f"/record {number}")
        await judge.act(Press(AMEND))
        await judge.act(Press(label(key)))
        replies = await judge.act(value)
        if attempt == 0:
            expected = [*ASKED_FIRST.get(key, []), says("amend.ask_reason")]
            assert [r.text for r in replies] == expected
            await judge.act("记录有误")
            kept = [a.id for a in await amendments_of(db, record_id)]
    assert replies[0].text.startswith(says("amend.unchanged")), [r.text for r in replies]
    assert [a.id for a in await amendments_of(db, record_id)] == kept
    await judge.act("/cancel")


async def test_an_inquiry_by_the_courts_own_staff_is_no_kind_a_record_is_corrected_to(
    db: Database, clock: FakeClock, court: Court
) -> None:
    """Art. 14: the source's correction offers the two kinds recorded here; the third typed
    is refused with why, and the prompt comes again with its buttons."""
    record_id, number = await stored(db, clock, court, Spec())
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    [prompt] = await judge.act(Press(label("kind")))
    kinds = [says("intake.source.external"), says("intake.source.reference_opinion")]
    assert labels_of(prompt) == kinds
    [refused] = await judge.act(lab(RecordKind.INTERNAL))
    assert refused.text.startswith(says("amend.not_internal") + "\n\n")
    assert labels_of(refused) == kinds
    assert await amendments_of(db, record_id) == []


async def test_a_day_only_inquiry_corrected_to_a_time_prints_each_as_it_stood(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot, tmp_path: Path
) -> None:
    """The old value, known to the day only, is printed as the day and 时间不详 in the
    correction (on /record and on the form), the new one with its time; the record is no
    longer day-only."""
    record_id, number = await stored(db, clock, court, Spec(channel=Channel.OTHER))
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        day = record.inquiry_at.astimezone(BEIJING).replace(hour=0, minute=0, second=0)
        record.inquiry_at = day
        record.fields = {**record.fields, "inquiry_day_only": True}
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("inquiry_at")))
    await judge.act("2026-03-06 07:00")
    await judge.act("记录有误")
    [after] = await judge.act(f"/record {number}")
    old = day.strftime("%Y-%m-%d")
    changed = [line for line in after.text.splitlines() if line.startswith("更正（")]
    assert any(f"{old} 时间不详" in line and "2026-03-06 07:00" in line for line in changed), (
        changed
    )
    assert says("card.line", label=label("inquiry_at"), value="2026-03-06 07:00") in after.text
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        assert record.fields["inquiry_day_only"] is False
        names = await load_names(session)
        (facts,) = await facts_for(session, [record], names, rules(), clock.now())
    for language in Language:
        document = form_document(
            facts,
            language=language,
            tz=BEIJING,
            court_name="温县人民法院",
            printed_at=clock.now(),
            head_seq=0,
            head_hash="0" * 64,
        )
        printed = "\n".join(texts(document))
        assert tr(language, "form.day_only", day=old) in printed
        assert "2026-03-06 07:00" in printed
    problems, _ = await verified(db, bot.evidence_dir)
    assert problems == []
