"""The case's name and number as typed (trial finding 11), and the line under a re-asked
question: each refusal says the real reason, and nothing invites what is then refused.

- A serial past ``MAX_SERIAL`` is refused as too long (naming the limit), one that starts
  with 0 as such; any length, any serial.
- A case number of another court (any code of the SPC table but the court's own) is refused:
  Art. 2 records the cases this court's judges handle; the message names both courts and
  gives an example in the court's own code. A court without a configured code accepts any.
- A second-instance (appeal) type code at a basic-level court (``豫0825民终``) is asked
  about, not refused: one press keeps it (trial 9, F13); a year written with 年
  (``2026年豫0825民初1234号``) is the bracketed year.
- A name, unit, position, intermediary, case name or summary of digits and signs alone is
  refused with an example, never stored.
- Re-asked, a question answered only by its buttons says "press a button", not "reply with
  a new value".
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dialogue import (
    Court,
    DialogueBot,
    Press,
    asks,
    lab,
    local,
    open_court,
    proposing_bot,
    record_row,
    says,
    settings_for,
    zh,
)
from hypothesis import given
from hypothesis import strategies as st
from test_misplaced_names import NoOtherStaff

from handlers.fields import BY_STEP, FIELDS, Input, Step
from handlers.intake.ask import PRESSED_ONLY, current_key
from reminders.clock import FakeClock
from storage import casenumber
from storage.casenumber import (
    CaseNumber,
    CaseNumberError,
    CaseNumberProblem,
    appeal_at_basic_court,
    parse_case_number,
)
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Channel

OWN = "豫0825"
OK = says("intake.proposed.ok")


@given(st.integers(casenumber.MAX_SERIAL + 1, 10**15))
def test_a_serial_past_the_limit_is_refused_as_too_long(serial: int) -> None:
    with pytest.raises(CaseNumberError) as caught:
        parse_case_number(f"(2026)豫0825民初{serial}号", year_now=2026)
    assert (caught.value.reason, caught.value.part) == (CaseNumberProblem.SERIAL_LONG, str(serial))


@given(st.integers(0, 10**9), st.integers(1, 4))
def test_a_serial_starting_with_zero_is_refused_as_such(serial: int, zeros: int) -> None:
    typed = "0" * zeros + (str(serial) if serial else "")
    with pytest.raises(CaseNumberError) as caught:
        parse_case_number(f"(2026)豫0825民初{typed}号", year_now=2026)
    assert caught.value.reason is CaseNumberProblem.SERIAL


def test_the_messages_say_the_real_limit() -> None:
    message = says(
        "intake.error.case_serial_long",
        part="99999999",
        digits=len(str(casenumber.MAX_SERIAL)),
        max=casenumber.MAX_SERIAL,
        example=casenumber.EXAMPLE,
    )
    assert "6 位" in message and "999999" in message
    assert "0 开头" not in message


class FakeContext(SimpleNamespace):
    """What a text question's parser uses of a ``Context``: the catalog, and the time and
    zone the intake reads a misplaced time with."""

    now = datetime(2026, 11, 30, 2, tzinfo=UTC)
    services = SimpleNamespace(tz=ZoneInfo("Asia/Shanghai"), court_name="")
    session = NoOtherStaff()  # a person's name is looked up among the court's staff

    def t(self, key: str, **values: object) -> str:
        return says(key, **values)


WORDED = (
    Step.INQUIRER_NAME,
    Step.INQUIRER_UNIT,
    Step.INQUIRER_POSITION,
    Step.INTERMEDIARY_NAME,
    Step.CASE_NAME,
    Step.SUMMARY,
)


@given(
    step=st.sampled_from(WORDED),
    typed=st.text(alphabet="0123456789０１２３４５６７８９.,，。、-—/#()（）+ ", min_size=1),
)
async def test_digits_and_signs_alone_are_no_name(step: Step, typed: str) -> None:
    field = BY_STEP[step.value]
    record = Record(fields={})
    ctx: Any = FakeContext()
    if not typed.strip():
        return
    with pytest.raises(Exception) as caught:
        await field.parse(ctx, record, typed)
    # Refused either way: as having no words, or, for a person's name, unit or position, as
    # reading as something else the intake knows (a time such as 2026-11-30 1:15, a command).
    refusals = {"intake.error.no_words", "intake.error.not_a_name"}
    assert getattr(caught.value, "key", "") in refusals, caught.value
    worded = "某" + typed.strip() + "案"  # words first: never a command
    assert await field.parse(ctx, record, worded) == {field.columns[0]: worded}


def test_a_re_asked_button_question_never_invites_typing() -> None:
    for field in FIELDS:
        key = current_key(field)
        if field.input in PRESSED_ONLY:
            assert key == "intake.current_choice", field.step
            assert "直接回复" not in says(key, value="x")
        else:
            assert key == "intake.current", field.step
    assert {f.input for f in FIELDS} >= {Input.CHOICE, Input.YES_NO, Input.MULTI, Input.TEXT}


# -- another court's case number, in the chat ---------------------------------------------

FOREIGN = ("京0105", "豫08", "豫", "豫0821", "最高法", "浙0302")


bot = proposing_bot(local("2026-11-30 10:00"), code=OWN)


async def to_the_case_name(court: Court) -> Any:
    """张伟's phone record of 王建国 opened with /new, at the case name's question."""
    judge = court.chat("张伟")
    await judge.say("/new")
    await judge.act(Press(OK))
    await judge.act(Press(lab(Channel.PHONE)))
    for answer in ("王建国", "温县住建局", "局长"):
        await judge.say(answer)
    await judge.act(Press(OK))
    return judge


async def to_the_case_number(court: Court) -> Any:
    """``to_the_case_name``, the case name given: at the case number's question."""
    judge = await to_the_case_name(court)
    assert (await judge.say("张某诉李某民间借贷纠纷案"))[-1].startswith(asks(Step.CASE_NUMBER))
    return judge


@pytest.mark.parametrize("code", FOREIGN)
async def test_another_courts_case_number_is_refused_naming_both_courts(
    court: Court, db: Database, code: str
) -> None:
    judge = await to_the_case_number(court)
    type_code = "民终" if code in ("豫08", "豫") else "民初"
    [refusal] = await judge.say(f"（2026）{code}{type_code}5号")
    name = casenumber.court_name(code)
    assert name is not None
    assert refusal.startswith(
        says(
            "intake.error.case_other_court",
            part=code,
            court=name,
            own=OWN,
            own_court="温县人民法院",
            example="（2026）豫0825民初123号",
            not_filed=zh("intake.error.not_filed_press"),
        )
    )
    assert refusal.endswith(asks(Step.CASE_NUMBER))
    assert (await record_row(db, 1))["case_number"] is None
    [summary] = await judge.say("（2026）豫0825民初5号")
    assert summary.startswith(asks(Step.SUMMARY))
    assert (await record_row(db, 1))["case_number"] == "（2026）豫0825民初5号"


async def test_another_courts_number_typed_as_the_case_name_is_refused_too(
    court: Court, db: Database
) -> None:
    judge = await to_the_case_number(court)
    await judge.act(Press(says("intake.back")))
    [refusal] = await judge.say("（2026）京0105民初1号")
    assert refusal.startswith(
        says(
            "intake.error.case_other_court",
            part="京0105",
            court=casenumber.court_name("京0105"),
            own=OWN,
            own_court="温县人民法院",
            example="（2026）豫0825民初123号",
            not_filed=zh("intake.error.not_filed_at_name"),
        )
    )
    row = await record_row(db, 1)
    assert row["case_number"] is None and row["case_name"] == "张某诉李某民间借贷纠纷案"


APPEAL_CODES = frozenset(
    {"民终", "刑终", "行终", "行赔终", "民辖终", "行辖终", "赔辖终", "清终", "破终"}
    | {"知民终", "知民辖终", "知行终", "知行辖终", "知刑终"}
)
"""The SPC table's second-instance (appeal) type codes, listed by hand from
``case-type-codes.tsv`` (二审, 上诉)."""


@given(
    court=st.sampled_from(sorted(casenumber._courts())),
    kind=st.sampled_from(sorted(casenumber._types())),
)
def test_an_appeal_type_is_questioned_at_a_basic_court_only(court: str, kind: str) -> None:
    """Over every court × every type code: questioned exactly when the type is an appeal's
    and the court a basic-level one (four digits after the province: 豫0825, not 豫08 or
    豫)."""
    basic = sum(ch.isdigit() for ch in court) == 4
    expected = basic and kind in APPEAL_CODES
    assert appeal_at_basic_court(CaseNumber(2026, court, kind, 5)) is expected


async def test_an_appeal_number_at_the_basic_court_is_asked_then_kept_by_one_press(
    court: Court, db: Database
) -> None:
    """Trial 9: （2026）豫0825民终1234号 at 温县's case-number question is questioned (a
    county court hears no appeals), the question asked again; the button keeps it."""
    judge = await to_the_case_number(court)
    number = "（2026）豫0825民终1234号"
    [refusal] = await judge.say(number)
    assert refusal.startswith(
        says(
            "intake.error.case_appeal_at_basic",
            number=number,
            type="民终",
            type_name="民事二审案件",
            court="温县人民法院",
            example="（2026）豫0825民初123号",
        )
    )
    assert refusal.endswith(asks(Step.CASE_NUMBER))
    assert (await record_row(db, 1))["case_number"] is None
    replies = await judge.act(Press(says("intake.case_appeal_keep", number=number)))
    assert replies[-1].text.startswith(asks(Step.SUMMARY))
    assert (await record_row(db, 1))["case_number"] == number


async def test_a_year_written_with_nian_is_the_bracketed_year(court: Court, db: Database) -> None:
    """Trial 9: 2026年豫0825民初1234号 is （2026）豫0825民初1234号, never court code 年豫0825."""
    judge = await to_the_case_number(court)
    [summary] = await judge.say("2026年豫0825民初1234号")
    assert summary.startswith(asks(Step.SUMMARY))
    assert (await record_row(db, 1))["case_number"] == "（2026）豫0825民初1234号"


async def test_a_court_without_a_code_accepts_any_courts_number(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(local("2026-11-30 10:00"))
    court = await open_court(DialogueBot(db, clock, settings_for(tmp_path, propose=True)))
    judge = await to_the_case_number(court)
    [summary] = await judge.say("（2026）京0105民初1号")
    assert summary.startswith(asks(Step.SUMMARY))


# -- the question's example is the court's own -------------------------------------------


@given(code=st.sampled_from(sorted(casenumber._courts())), year=st.integers(2021, 2100))
def test_the_example_is_a_case_number_of_the_court_and_the_year(code: str, year: int) -> None:
    parsed = parse_case_number(casenumber.example(code, year), year_now=year)
    assert (parsed.court_code, parsed.year) == (code, year)


@pytest.mark.parametrize("code", ["京0105", "浙0302", OWN])
async def test_the_case_number_question_shows_the_courts_own_code_and_year(
    db: Database, clock: FakeClock, tmp_path: Path, code: str
) -> None:
    clock.set(local("2027-03-01 10:00"))
    settings = settings_for(tmp_path, propose=True)
    settings.court.code = code
    judge = await to_the_case_name(await open_court(DialogueBot(db, clock, settings)))
    [question] = await judge.say("张某诉李某民间借贷纠纷案")
    shown = f"（2027）{code}民初123号"
    assert question == says("intake.ask.case_number", example=shown)
    [summary] = await judge.say(shown)
    assert summary.startswith(asks(Step.SUMMARY))


# -- a case number typed at the case-name question (trial 9 finding 2) --------------------


AT_NAME = (
    "（2026）浙0302民初1234号",  # another court's
    "（2026）京0105民初1号",
    "（2031）豫0825民初1号",  # a future year
    "（2026）豫0825民初05号",  # a serial starting with 0
    "（2026）豫0825民初1234567号",  # a serial too long
    "（2026）豫0825民初5号",  # good: kept as the case number
)


@pytest.mark.parametrize("typed", AT_NAME)
async def test_a_case_number_at_the_name_question_names_no_button_the_card_lacks(
    court: Court, db: Database, typed: str
) -> None:
    """Any case-number-shaped text at the name question: every reply names only its own
    buttons (``fakes.Chat.send`` checks each reply of every test), the name is asked again
    with its one button, and a good number is kept as the case number."""
    judge = await to_the_case_number(court)
    await judge.act(Press(says("intake.back")))
    [*_, last] = await judge.act(typed)
    assert asks(Step.CASE_NAME) in last.text
    assert [b.label for row in last.buttons for b in row] == [says("intake.back")]
    row = await record_row(db, 1)
    assert row["case_number"] == (typed if typed == AT_NAME[-1] else None)
