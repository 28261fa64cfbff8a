"""What the judge types instead of tapping, and what the intake never proposes.

A typed reply that names one button (its label, the label without its mark, its leading word
at a choice, or its number) is the press; a word two buttons begin with is asked again with
the buttons (a property over labels, then scripted dialogues). Art. 9's items and seriousness
are never proposed, whatever opened the draft; they are one question whose one tap says
"neither". ``/mine`` and the draft's card name a proposed, unconfirmed answer the same way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dialogue import (
    ART9_DONE,
    ART9_DONE_CLEAR,
    ART9_NONE,
    BACK,
    EDIT,
    Again,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Offers,
    Press,
    Tap,
    art9,
    asks,
    current_choice,
    dialogue,
    events_of,
    lab,
    local,
    open_court,
    phone_record,
    png_bytes,
    record_row,
    says,
    settings_for,
    until,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from handlers.fields import BY_STEP, Opener, Step, as_proposed, proposal
from handlers.i18n import t
from handlers.intake.typed import AmbiguousPress, core, leading_word, pressed
from handlers.ports import AttachmentKind, Capabilities
from reminders.clock import FakeClock
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Channel, Language, RecordKind, Role

CLEAR = "均不涉及，情节不严重"
OK = says("intake.proposed.ok")


def art9_keyboard(*chosen: int) -> Buttons:
    """The Art. 9 question's buttons with items ``chosen`` ticked: every button keeps its
    number whatever is ticked."""
    ticked = (art9(n, chosen=n in chosen) for n in range(1, 15))
    return Buttons(*ticked, CLEAR, ART9_NONE, ART9_DONE, ART9_DONE_CLEAR, BACK)


# -- the reading, over any labels ---------------------------------------------------------

WORD = st.text(alphabet="当面电话微信短信其他执行局组一二三ABCabc", min_size=1, max_size=6)
MARK = st.sampled_from(["", "✔ ", "↩ ", "✎ "])
TAIL = st.one_of(
    st.just(""),
    WORD.map(lambda w: f"（{w}）"),
    WORD.map(lambda w: f"({w})"),
    WORD.map(lambda w: f"，{w}"),
)
LABEL = st.builds(lambda mark, word, tail: mark + word + tail, MARK, WORD, TAIL)
LABELS = st.lists(LABEL, min_size=1, max_size=8, unique_by=lambda s: core(s).casefold())


@given(LABELS, st.data())
def test_a_label_or_its_core_typed_is_that_button(labels: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(labels) - 1))
    typed = data.draw(st.sampled_from([labels[index], core(labels[index])]))
    spaced = data.draw(st.sampled_from(["", " ", "\u3000"]))
    assert pressed(spaced + typed.upper() + spaced, labels, numbered=False) == index


@given(LABELS, st.data())
def test_a_number_is_the_button_of_that_place_where_buttons_are_counted(
    labels: list[str], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(labels) - 1))
    number = str(index + 1)
    wide = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    typed = data.draw(st.sampled_from([number, wide]))
    assert pressed(typed, labels, numbered=True) == index
    assert pressed(typed, labels, numbered=False) is None


@given(LABELS, st.data())
def test_a_leading_word_is_its_button_when_only_one_begins_so(
    labels: list[str], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(labels) - 1))
    word = leading_word(labels[index])
    assume(word)
    exact = [i for i, label in enumerate(labels) if word.casefold() == core(label).casefold()]
    sharing = [
        i for i, label in enumerate(labels) if leading_word(label).casefold() == word.casefold()
    ]
    if exact:  # a whole label always wins over a leading word
        assert pressed(word, labels, numbered=False) == exact[0]
    elif len(sharing) == 1:
        assert pressed(word, labels, numbered=False) == index
        assert pressed(word, labels, numbered=False, words=False) is None
    else:
        with pytest.raises(AmbiguousPress) as raised:
            pressed(word, labels, numbered=False)
        assert raised.value.indexes == tuple(sharing)


@given(LABELS, WORD)
def test_a_word_no_button_has_is_no_press(labels: list[str], word: str) -> None:
    names = {core(label).casefold() for label in labels} | {
        leading_word(label).casefold() for label in labels
    }
    assume(word.casefold() not in names and word.strip())
    assert pressed(word, labels, numbered=False) is None


# -- Art. 9 and seriousness are never proposed --------------------------------------------


@pytest.mark.parametrize("opener", list(Opener))
@pytest.mark.parametrize("channel", [None, *Channel])
@pytest.mark.parametrize("kind", [None, *RecordKind])
def test_art9_and_seriousness_are_never_proposed(
    opener: Opener, channel: Channel | None, kind: RecordKind | None
) -> None:
    record = Record(
        kind=kind.value if kind else None,
        channel=channel.value if channel else None,
        fields={"opened_by": opener.value},
    )
    for step in (Step.ART9, Step.SERIOUS):
        assert proposal(record, BY_STEP[step.value]) is None
        assert proposal(as_proposed(record), BY_STEP[step.value]) is None


# -- dialogues ----------------------------------------------------------------------------


async def test_the_leading_word_of_a_longer_label_typed_where_it_says_reply_directly(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            *phone_record()[:-1],
            (Press(EDIT), says("intake.edit_which")),
            (
                Press(says("card.channel")),
                Exactly(asks(Step.CHANNEL) + "\n" + current_choice("电话")),
            ),
            # The button says 当面（口头）: its leading word is the press. An in-person
            # inquiry asks for the place next.
            ("当面", Exactly(asks(Step.PLACE))),
        ],
    )
    assert (await record_row(db, 1))["channel"] == Channel.IN_PERSON


async def test_a_word_two_buttons_begin_with_is_asked_again_with_the_buttons(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    async with db.transaction() as session:
        for number, name in enumerate(("执行局（一组）", "执行局（二组）")):
            await staff_repo.department(session, name, at=bot.clock.now())
            # A department where a handler works: only such a one handles a case.
            await staff_repo.add_staff(
                session,
                name=f"执行员{number}",
                department_name=name,
                roles=[Role.HANDLER],
                at=bot.clock.now(),
                actor="test",
            )
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            *phone_record()[:-1],
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.department")), asks(Step.DEPARTMENT)),
            (
                "执行局",
                (
                    Again(
                        "“执行局”可以指以下几项：执行局（一组）、执行局（二组）。请点选其中之一。",
                        asks(Step.DEPARTMENT),
                    ),
                    Offers("执行局（一组）", "执行局（二组）"),
                ),
            ),
            ("执行局（二组）", says("intake.review")),
        ],
    )
    async with db.transaction() as session:
        chosen = await staff_repo.find_department(session, "执行局（二组）")
    assert chosen is not None
    assert (await record_row(db, 1))["department_id"] == chosen.id


async def test_art9_is_one_question_with_a_tap_for_neither_and_items_typed_or_ticked(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    at_art9 = until(phone_record(), Step.ART9)
    await dialogue(
        judge,
        [
            *at_art9[:-1],
            (
                at_art9[-1][0],
                (
                    asks(Step.ART9),
                    art9_keyboard(),
                ),
            ),
            # Ticked, every button keeps its number: the one tap for "neither" stays where it
            # was, and pressed now it is refused.
            (
                Press(art9(4)),
                art9_keyboard(4),
            ),
            (
                Tap("in:art9:clear"),
                Again(
                    "已勾选了第九条的事项，不能同时选“均不涉及”。请取消勾选，或点“选好了”。",
                    asks(Step.ART9),
                ),
            ),
            # A typed "no" with an item ticked drops nothing: it asks which is meant.
            (
                "否",
                Again(
                    "已勾选第九条的事项：(4)。回复“否”是指都不涉及吗？都不涉及的，请取消勾选后点"
                    "“均不涉及”；所勾选的事项都涉及的，请点“选好了”。",
                    asks(Step.ART9),
                ),
            ),
            # Typed, a list and a single number behave alike: each ticks (or unticks) its
            # items, as pressing them would.
            (
                "1、6",
                art9_keyboard(1, 4, 6),
            ),
            (
                "4",
                art9_keyboard(1, 6),
            ),
            (Press(ART9_DONE), Exactly(asks(Step.SERIOUS))),
            (Press(BACK), asks(Step.ART9)),
            # With nothing ticked, a typed "no" is "none of the items"; seriousness follows.
            ("否", Exactly(asks(Step.SERIOUS))),
            (Press(BACK), asks(Step.ART9)),
            # The label typed is the press: both answers at once.
            (CLEAR, (says("intake.review"), "特别报告事项：无", "情节严重：否")),
        ],
    )
    row = await record_row(db, 1)
    assert (row["art9_items"], row["serious"]) == ([], False)


ITEMS = st.integers(1, 14)
TICKS = st.lists(
    st.one_of(
        st.tuples(st.just("press"), st.lists(ITEMS, min_size=1, max_size=1)),
        st.tuples(st.just("type"), st.lists(ITEMS, min_size=1, max_size=1)),
        st.tuples(
            st.sampled_from([",", "、", "，", " "]),
            st.lists(ITEMS, min_size=2, max_size=4, unique=True),
        ),
    ),
    max_size=6,
)
_AT_ART9: set[int] = set()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ticks=TICKS)
async def test_art9_items_pressed_or_typed_one_or_many_are_exactly_those_chosen(
    court: Court, db: Database, ticks: list[tuple[str, list[int]]]
) -> None:
    """Whatever mix of presses, typed numbers and typed lists: each toggles its items, the
    buttons keep their numbers, and what is stored is the set the judge left ticked."""
    judge = court.chat("张伟")
    if id(court) not in _AT_ART9:
        _AT_ART9.add(id(court))
        await dialogue(judge, until(phone_record(), Step.ART9))
    chosen: set[int] = set()
    for how, items in ticks:
        action: Tap | str = Tap(f"in:art9:t:{items[0]}")
        if how != "press":
            action = str(items[0]) if how == "type" else how.join(map(str, items))
        chosen ^= set(items)
        await dialogue(judge, [(action, art9_keyboard(*chosen))])
    await dialogue(
        judge,
        [
            # Item (14) asks what the other behaviour was before seriousness.
            (
                Press(ART9_DONE if chosen else ART9_NONE),
                asks(Step.ART9_OTHER if 14 in chosen else Step.SERIOUS),
            ),
            (Press(BACK), asks(Step.ART9)),
        ],
    )
    assert (await record_row(db, 1))["art9_items"] == sorted(chosen)


async def test_on_a_numbered_list_art9_numbers_items_and_then_its_other_buttons(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    bot.transport._capabilities = Capabilities(max_buttons=3)
    judge = court.chat("张伟")
    for action, _ in until(phone_record(), Step.ART9):
        await judge.act(action.label if isinstance(action, Press) else action)
    listed = judge.last[0].text
    assert "\n1. (1) 为案件当事人请托说情\n" in listed
    assert "\n15. 均不涉及，情节不严重\n16. 均不涉及\n" in listed
    await dialogue(judge, [("15", says("intake.review"))])
    row = await record_row(db, 1)
    assert (row["art9_items"], row["serious"]) == ([], False)


@pytest.mark.parametrize("done_clear", ["18", "选好了，情节不严重", "✔ 选好了，情节不严重"])
async def test_art9_done_not_serious_keeps_its_number_and_takes_both_answers(
    bot: DialogueBot, court: Court, db: Database, done_clear: str
) -> None:
    """ "选好了，情节不严重" is numbered 18 before and after ticking; pressed with nothing
    ticked it is refused and the question asked again; with items ticked, one press stores
    them and 情节严重=否, each audited as its own answer."""
    bot.transport._capabilities = Capabilities(max_buttons=3)
    judge = court.chat("张伟")
    for action, _ in until(phone_record(), Step.ART9):
        await judge.act(action.label if isinstance(action, Press) else action)
    assert "\n17. ✔ 选好了\n18. ✔ 选好了，情节不严重\n" in judge.last[0].text
    await dialogue(
        judge,
        [
            (done_clear, (says("intake.error.art9_empty"), asks(Step.ART9))),
            ("2,5", asks(Step.ART9)),
        ],
    )
    assert "\n17. ✔ 选好了\n18. ✔ 选好了，情节不严重\n" in judge.last[0].text
    await dialogue(judge, [(done_clear, (says("intake.review"), "情节严重：否"))])
    row = await record_row(db, 1)
    assert (row["art9_items"], row["serious"]) == ([2, 5], False)
    audited = [
        json.loads(e.payload) for e in await events_of(db, 1) if e.kind == AuditKind.FIELD_SET
    ]
    assert {"field": "art9_items", "value": [2, 5]} in audited
    assert {"field": "serious", "value": False} in audited


async def test_art9_done_not_serious_is_a_button_beside_done(court: Court, db: Database) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            *until(phone_record(), Step.ART9),
            (Press(ART9_DONE_CLEAR), Again(says("intake.error.art9_empty"), asks(Step.ART9))),
            ("3", asks(Step.ART9)),
            (Press(ART9_DONE_CLEAR), says("intake.review")),
        ],
    )
    row = await record_row(db, 1)
    assert (row["art9_items"], row["serious"]) == ([3], False)


async def test_typed_words_at_the_proposals_and_the_review_are_their_buttons(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = DialogueBot(db, clock, settings_for(tmp_path, propose=True))
    judge = (await open_court(bot)).chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", "以下内容按您发送 /new 的时间和通常情况推定，待您确认："),
            ("有变化", Exactly(says("intake.ask.received_at", time="2026-03-06 10:00"))),
        ],
    )
    await dialogue(judge, [("时间正确", asks(Step.SOURCE))])
    row = await record_row(db, 1)
    assert row["received_confirmed"] is True


async def test_review_typed_submit_submits(court: Court, db: Database) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [*phone_record()[:-1], ("提交", says("intake.submitted", number="温法过问〔2026〕1号"))],
    )
    assert (await record_row(db, 1))["number"] == "温法过问〔2026〕1号"


# -- /mine and the card -------------------------------------------------------------------


def _row_parts(mine: str) -> dict[str, list[str]]:
    """The draft row's "还缺：…" and "推定，待确认：…" lists, by their heads."""
    todo = mine.split("\n")[2].strip()
    parts: dict[str, list[str]] = {}
    for part in todo.split("；"):
        head, _, names = part.partition("：")
        parts[head] = names.split("、")
    return parts


async def test_mine_and_the_card_describe_a_proposed_answer_alike(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = DialogueBot(db, clock, settings_for(tmp_path, propose=True))
    judge = (await open_court(bot)).chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(judge, [(Forward(photo, at=local("2026-03-06 09:00")), "按收到的材料推定")])

    async def agree() -> str:
        [mine] = await judge.say("/mine")
        [card] = await judge.say("/record 草稿 #1")
        parts = _row_parts(mine)
        for name in parts.get("推定，待确认", []):
            assert re.search(rf"^{name}：.+（推定，待确认）$", card, re.M), name
        for name in parts["还缺"]:
            assert f"\n{name}：（未填）" in card, name
        marked = re.findall(r"^(.+?)：.*（推定，待确认）$", card, re.M)
        assert sorted(marked) == sorted(parts.get("推定，待确认", []))
        return mine.split("\n")[2] + "\n" + card

    before = await agree()
    # Nothing in the picture says how it came: the channel is missing, not presumed.
    assert "　还缺：过问方式、过问人、" in before
    # Art. 7's same-level main leader is missing until the unit and position say something:
    # never presumed "no" by default.
    assert "推定，待确认：收到时间、来源、过问时间、经由" in before
    assert "离退休、同级党委/政法委主要领导、案件名称" in before
    assert "收到时间：2026-03-06 09:00（推定，待确认）\n" in before
    await dialogue(
        judge,
        [
            ("/resume", says("intake.proposed.intro")),
            (Press(OK), asks(Step.CHANNEL)),
            (Press(lab(Channel.WECHAT)), asks(Step.INQUIRER_NAME)),
        ],
    )
    after = await agree()
    assert after.split("\n")[0] == (
        "　还缺：过问人、所在单位、职务、单位类别、离退休、同级党委/政法委主要领导、案件名称、"
        "案号、过问内容、特别报告事项、情节严重；推定，待确认：经由、材料到达方式、原件去向"
    )
    assert "收到时间：2026-03-06 09:00\n" in after


@pytest.mark.parametrize("language", list(Language))
def test_new_s_card_says_nothing_was_received(language: Language) -> None:
    materials = t(language, "intake.proposed.intro")
    new = t(language, "intake.proposed.intro_new")
    assert new != materials and "/new" in new
    assert "收到的材料" not in new and "received" not in new.lower()
