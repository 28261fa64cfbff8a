"""The chat's words, each fault fixed by its kind.

One channel order on every path into the question; a prompt that speaks of buttons has
them, and a time refusal speaks of none (its parser serves prompts without buttons too); a
number alone is said to be no time; the proposals card's hint speaks only of that card's
fields; no code name (``other``, ``text``) reaches a judge, a file of text is counted as a
file; two case numbers in one answer are told apart from a wrong one; English choice buttons
begin alike; a correction's closed question gets its buttons, and a refusal re-shows the
prompt.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from dialogue import (
    AMEND,
    BACK,
    CHANNELS,
    CONFIRM_TIME,
    EXTERNAL,
    SAME_TIME,
    USE_CAPTION,
    Again,
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Lacks,
    Press,
    amr_bytes,
    asks,
    asks_summary,
    dialogue,
    lab,
    local,
    phone_record,
    png_bytes,
    record_row,
    says,
    settings_for,
    until,
    wav_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.fields import FIELDS, Input, Step, choice_label
from handlers.i18n import catalogs, t
from handlers.intake.typed import core
from handlers.ports import AttachmentKind, OutgoingMessage
from reminders.clock import FakeClock
from storage import casenumber
from storage.casenumber import (
    CaseNumber,
    CaseNumberError,
    parse_case_number,
    several_case_numbers,
)
from storage.db import Database
from storage.media import EvidenceKind
from storage.vocabulary import Channel, Language

EXAMPLE = casenumber.EXAMPLE
CHANGED = says("intake.proposed.change")


@pytest.fixture
def bot(
    db: Database, clock: FakeClock, tmp_path: Path, request: pytest.FixtureRequest
) -> DialogueBot:
    """The court's bot; with a test's ``propose`` parameter true, ``[intake] propose`` on
    (as guowen runs by default) on Sunday 2026-11-29 10:00 in Beijing."""
    callspec = getattr(request.node, "callspec", None)
    propose = bool(callspec.params.get("propose", False)) if callspec else False
    if propose:
        clock.set(local("2026-11-29 10:00"))
    return DialogueBot(db, clock, settings_for(tmp_path, propose=propose))


OK = says("intake.proposed.ok")
CASE_NUMBER = "（2026）豫0825民初123号"

# -- buttons promised, buttons given ----------------------------------------------------

_PROMISES = re.compile(
    r"下面的按钮|按钮的编号|点选下面|press a button|press one of the buttons", re.I
)
"""Words that send the judge to buttons under the message."""


def promises_unkept(messages: Sequence[OutgoingMessage]) -> list[str]:
    """The messages that send the judge to buttons and carry none."""
    return [m.text for m in messages if _PROMISES.search(m.text) and not m.buttons]


def test_no_time_refusal_speaks_of_buttons() -> None:
    """The time parser's refusals head prompts with buttons (the receipt question) and
    without (a correction's new value): none of them may send the judge to buttons."""
    time_keys = [k for k in catalogs()[Language.ZH] if k.startswith("intake.error.time_")]
    assert len(time_keys) >= 4
    for language in Language:
        for key in time_keys:
            text = catalogs()[language][key]
            assert not re.search(r"按钮|button", text, re.I), (language, key, text)


# -- one channel order --------------------------------------------------------------------


def _starts(bot: DialogueBot) -> dict[str, str | Forward]:
    at = local("2026-11-28 20:00")
    return {
        "new": "/new",
        "picture": Forward(bot.file(AttachmentKind.PHOTO, png_bytes()), at=at),
        "voice": Forward(bot.file(AttachmentKind.VOICE, amr_bytes(50), mime="audio/amr"), at=at),
        "audio": Forward(bot.file(AttachmentKind.AUDIO, wav_bytes(1.0), mime="audio/wav"), at=at),
        "pdf": Forward(
            bot.file(AttachmentKind.DOCUMENT, b"%PDF-1.4\n%%EOF\n", name="函.pdf"), at=at
        ),
        "unknown file": Forward(
            bot.file(AttachmentKind.DOCUMENT, os.urandom(4096), name="x.bin"), at=at
        ),
        "text file": Forward(
            bot.file(AttachmentKind.DOCUMENT, "王局长：关照一下".encode(), name="a.png"), at=at
        ),
    }


def _labels(message: OutgoingMessage) -> list[str]:
    return [button.label for row in message.buttons for button in row]


async def _to_channel(judge: Any, start: str | Forward) -> OutgoingMessage:
    """Start a draft as ``start`` does and answer, by the buttons the judge is shown, until
    the channel question; that question's message."""
    replies = await judge.act(start)
    for _ in range(12):
        question = next((m for m in reversed(replies) if m.buttons), replies[-1])
        if question.text.startswith(asks(Step.CHANNEL)):
            return question
        labels = _labels(question)
        wanted = next(
            (w for w in (CHANGED, CONFIRM_TIME, EXTERNAL, SAME_TIME) if w in labels), None
        )
        assert wanted is not None, f"stuck at {question.text!r} {labels}"
        replies = await judge.act(Press(wanted))
    raise AssertionError("the channel question never came")


@pytest.mark.parametrize("propose", [True, False], ids=["proposing", "asking"])
@pytest.mark.parametrize(
    "start", ["new", "picture", "voice", "audio", "pdf", "unknown file", "text file"]
)
async def test_the_channel_buttons_keep_one_order_on_every_path(
    bot: DialogueBot, court: Court, start: str, propose: bool
) -> None:
    """Whatever opened the draft, and when the question comes again by "back": the same
    channels in the same order (a judge types their numbers from memory); a channel the
    material suggests is named in the question, its button never moved."""
    judge = court.chat("张伟")
    question = await _to_channel(judge, _starts(bot)[start])
    assert _labels(question) == [*CHANNELS, BACK]
    replies = await judge.act(Press(lab(Channel.IN_PERSON)))
    assert replies[-1].text.startswith(asks(Step.INQUIRER_NAME))
    again = (await judge.act(Press(BACK)))[-1]
    assert again.text.startswith(asks(Step.CHANNEL))
    assert _labels(again) == [*CHANNELS, BACK]
    assert promises_unkept(judge.inbox()) == []


# -- the proposals card's hint -----------------------------------------------------------


@pytest.mark.parametrize("propose", [True])
async def test_a_card_without_a_time_never_hints_at_one(
    bot: DialogueBot, court: Court, propose: bool
) -> None:
    """The card of a first-time cadre's details (category, retired, …) proposes no time:
    an unrelated reply, or a number, gets the hint about its own buttons only."""
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(
        judge,
        [
            (Forward(photo, at=local("2026-11-28 20:00")), says("intake.proposed.intro")),
            (Press(OK), asks(Step.CHANNEL)),  # nothing in the picture says how it came
            (Press(lab(Channel.WECHAT)), asks(Step.INQUIRER_NAME)),
            ("王建国", asks(Step.INQUIRER_UNIT)),
            ("温县住房和城乡建设局", asks(Step.INQUIRER_POSITION)),
            ("局长", says("intake.proposed.intro_plain")),
            *(
                (
                    typed,
                    (
                        says("intake.error.proposed") + "\n",
                        Lacks(
                            says("intake.error.proposed_time"), says("intake.proposed.other_time")
                        ),
                    ),
                )
                for typed in ("县里的", "3")
            ),
        ],
    )


# -- a correction's prompt ----------------------------------------------------------------


async def _amend(judge: Any, field: str) -> None:
    number = "温法过问〔2026〕1号"
    await dialogue(
        judge,
        [
            (f"/record {number}", number),
            (Press(AMEND), says("amend.which", title=number)),
            (Press(says(f"card.{field}")), says(f"card.{field}")),
        ],
    )


async def test_a_corrected_choice_has_its_buttons_in_the_one_order_and_takes_a_number(
    bot: DialogueBot, court: Court, db: Any
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    await _amend(judge, "channel")
    assert judge.offered() == list(CHANNELS)
    prompt = says("amend.ask_value", field="过问方式", value=lab(Channel.PHONE))
    await dialogue(
        judge,
        [
            ("传真", Exactly(says("intake.error.choose") + "\n\n" + prompt)),
            # In person needs its place, persons present and court staff present (Art. 3):
            # asked before the correction is kept, as the intake asks them.
            ("1", says("intake.ask.place")),
            ("本院接待室", says("intake.ask.persons_present")),
            (Press(says("common.none")), says("intake.ask.staff_present")),
            (Press(says("common.none")), Exactly(says("amend.ask_reason"))),
            ("记错了，是当面", says("amend.done", title="温法过问〔2026〕1号")),
        ],
    )
    assert (await record_row(db, 1))["channel"] == Channel.IN_PERSON
    assert promises_unkept(judge.inbox()) == []


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
NUMBERS_ALONE = st.one_of(
    st.integers(0, 99).map(str),
    st.integers(0, 99).map(
        lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    ),
    st.sampled_from(["三", "十", "十五", "二十三", "两"]),
)
_AMENDING: set[int] = set()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=NUMBERS_ALONE)
async def test_a_number_alone_at_a_time_correction_is_said_to_be_no_time(
    court: Court, typed: str
) -> None:
    """At a prompt without buttons: the refusal says the number is no time, with an example,
    never a word of buttons, and the prompt comes again under it."""
    judge = court.chat("张伟")
    if id(court) not in _AMENDING:
        _AMENDING.add(id(court))
        await dialogue(judge, phone_record())
        await _amend(judge, "inquiry_at")
    prompt = says("amend.ask_value", field="过问时间", value="2026-03-06 10:00")
    replies = await judge.act(typed)
    assert [r.text for r in replies] == [
        says("intake.error.time_bare", typed=typed) + "\n\n" + prompt
    ]
    assert promises_unkept(replies) == []


# -- code names and kinds of files --------------------------------------------------------

_CODES = {kind.value for kind in EvidenceKind}
_ASCII_WORD = re.compile(r"[A-Za-z_]+")


@pytest.mark.parametrize(
    ("name", "data", "counted"),
    [
        pytest.param("corrupt.png", os.urandom(8192), "其他文件 1", id="random bytes as png"),
        pytest.param("tiny.png", b"abc def", "文本文件 1", id="text as png"),
        pytest.param("huge.mp4", os.urandom(8192), "其他文件 1", id="random bytes as mp4"),
        pytest.param("note.txt", "王局长的话".encode(), "文本文件 1", id="text file"),
    ],
)
async def test_no_code_name_reaches_the_judge_and_a_text_file_is_a_file(
    bot: DialogueBot, court: Court, name: str, data: bytes, counted: str
) -> None:
    judge = court.chat("张伟")
    file = bot.file(AttachmentKind.DOCUMENT, data, name=name)
    await judge.act(Forward(file, at=local("2026-11-28 20:00")))
    await judge.act("/resume")
    card = (await judge.act("/record 草稿 #1"))[-1].text
    assert counted in card
    for message in judge.inbox():
        words = set(_ASCII_WORD.findall(message.text.replace(name, "")))
        assert not words & _CODES, message.text
        assert "文字 1" not in message.text


def test_every_kind_of_file_has_words_in_both_languages() -> None:
    for language in Language:
        for kind in (*EvidenceKind, "message"):
            words = t(language, f"evidence.kind.{kind}")
            assert words not in ("", "text", "other", "message"), (language, kind, words)
            if language is Language.ZH:
                assert words == "PDF" or not re.search(r"[A-Za-z]", words), (kind, words)


# -- the caption ----------------------------------------------------------------------------


async def test_a_caption_is_offered_for_the_summary_and_a_typed_summary_wins(
    bot: DialogueBot, court: Court, db: Any
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    caption = "王局长发来的微信"
    script = until(phone_record(start=Forward(photo, caption=caption)), Step.SUMMARY)
    for action, _ in script:
        await judge.act(action)
    assert (await record_row(db, 1))["summary"] is None
    question = next(m for m in reversed(judge.inbox()) if m.buttons)
    assert question.text == asks_summary(caption)
    assert _labels(question)[0] == USE_CAPTION
    await judge.act("要求尽快判决")
    row = await record_row(db, 1)
    assert row["summary"] == "要求尽快判决"


# -- several case numbers ----------------------------------------------------------------

NUMBERS = st.builds(
    CaseNumber,
    year=st.integers(1949, 2026),
    court_code=st.sampled_from(sorted(casenumber._courts())),
    type_code=st.sampled_from(sorted(casenumber._types())),
    serial=st.integers(1, casenumber.MAX_SERIAL),
)
SEPARATORS = st.sampled_from(["、", "，", ",", "；", " ", "和", "及", "/", "\n"])


@given(first=NUMBERS, second=NUMBERS, between=SEPARATORS)
def test_two_case_numbers_in_one_answer_are_seen_as_two(
    first: CaseNumber, second: CaseNumber, between: str
) -> None:
    text = f"{first.text}{between}{second.text}"
    with pytest.raises(CaseNumberError):
        parse_case_number(text, year_now=2026)
    assert several_case_numbers(text)
    shorthand = f"{first.text}{between}{second.serial}号"
    assert several_case_numbers(shorthand)


@given(number=NUMBERS)
def test_one_case_number_is_never_seen_as_two(number: CaseNumber) -> None:
    assert not several_case_numbers(number.text)
    assert not several_case_numbers(number.text + "之一")


async def test_two_case_numbers_get_their_own_message(court: Court) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, until(phone_record(), Step.CASE_NUMBER))
    typed = "（2026）豫0825民初12号、（2026）豫0825民初13号"
    await dialogue(
        judge,
        [
            (
                typed,
                Again(
                    says("intake.error.case_several", example=casenumber.EXAMPLE),
                    asks(Step.CASE_NUMBER),
                ),
            ),
            (
                "（2026）豫0825民初12号、13号",
                says("intake.error.case_several", example=casenumber.EXAMPLE),
            ),
            (CASE_NUMBER, Lacks(says("intake.error.case_several", example=casenumber.EXAMPLE))),
        ],
    )


# -- English buttons ------------------------------------------------------------------------


def test_every_english_choice_button_begins_with_a_capital() -> None:
    ctx = SimpleNamespace(language=Language.EN, t=lambda key, **v: t(Language.EN, key, **v))
    for field in FIELDS:
        if field.input is not Input.CHOICE:
            continue
        for value in field.choices:
            shown = core(choice_label(ctx, field, value))  # type: ignore[arg-type]
            first = shown[:1]
            assert not first.isalpha() or first.isupper(), (field.step, value, shown)


def test_the_english_case_name_example_is_english() -> None:
    assert not re.search(r"[\u4e00-\u9fff]", t(Language.EN, "intake.ask.case_name"))


@pytest.mark.parametrize("step", [s for s in Step if s not in (Step.SOURCE, Step.STAFF_PRESENT)])
@pytest.mark.parametrize("typed", ["？？", "3"])
async def test_a_refused_correction_never_sends_the_judge_to_a_missing_button(
    court: Court, step: Step, typed: str
) -> None:
    """Whatever field is corrected and whatever wrong value typed: a refusal comes with the
    prompt again, and a message that speaks of buttons carries them."""
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    number = "温法过问〔2026〕1号"
    await judge.act(f"/record {number}")
    which = await judge.act(Press(AMEND))
    if says(f"card.{step.value}") not in _labels(which[-1]):
        pytest.skip(f"{step.value} does not apply to a phone record")
    pressed = await judge.act(Press(says(f"card.{step.value}")))
    if step is Step.RECEIVED_AT:  # a call's receipt is its time: refused alone, the list again
        assert pressed[0].text == says("amend.receipt_follows", channel="电话")
        assert promises_unkept(judge.inbox()) == [], step
        return
    replies = await judge.act(typed)
    assert promises_unkept(judge.inbox()) == [], step
    field = says(f"card.{step.value}")
    needs = says("amend.also", field=field, value="", question="").split("“")[0]
    taken = replies[-1].text == says("amend.ask_reason") or replies[-1].text.startswith(needs)
    if not taken:  # refused: the prompt comes again (taken: the reason, or what it needs)
        head, _, prompt = replies[-1].text.partition("\n\n")
        assert head and prompt.startswith(f"{says(f'card.{step.value}')} 当前为："), prompt
