"""An official title alone (局长, 书记, 副市长) is no person's name: typed where the inquirer's
or the intermediary's name is asked it is refused, saying a name is needed, and where the
inquirer's position is still empty one button keeps the title there, the name asked again.
A surname with the title (王局长) names a person, as a judge may know one, and is taken; a
title is a good answer to the position question.

Over every title of ``handlers/data/official-titles.txt`` (and its 副 form) × with or without
a surname × each naming question.
"""

from __future__ import annotations

import pytest
from dialogue import Court, Press, asks, dialogue, phone_record, record_row, says
from hypothesis import given, settings
from hypothesis import strategies as st
from test_misplaced_names import context

from handlers.fields import BY_STEP, TITLE_AS_POSITION, Step, TitleNotName, misplaced
from handlers.words import official_titles
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Language

TITLES = st.sampled_from(sorted(official_titles()))
SURNAMES = st.sampled_from(["王", "李", "张", "刘", "陈", "欧阳", "司马"])
PERSONS = (Step.INQUIRER_NAME, Step.INTERMEDIARY_NAME)


def test_the_list_is_data_with_the_trial_titles() -> None:
    assert {"局长", "书记", "主任", "院长", "副市长", "副局长"} <= official_titles()


@settings(max_examples=200, deadline=None)
@given(
    title=TITLES,
    step=st.sampled_from(PERSONS),
    language=st.sampled_from(Language),
    position=st.sampled_from([None, "局长"]),
    space=st.sampled_from(["", " ", "　"]),
)
async def test_a_title_alone_is_refused_as_a_name(
    title: str, step: Step, language: Language, position: str | None, space: str
) -> None:
    ctx = context(language)
    typed = space + title + space
    assert misplaced(ctx, typed, person=True) == "title"
    with pytest.raises(TitleNotName) as refused:
        await BY_STEP[step.value].parse(ctx, Record(inquirer_position=position), typed)
    offered = step is Step.INQUIRER_NAME and position is None
    assert refused.value.key == "intake.error.title_not_name" + ("_offer" if offered else "")
    assert refused.value.values["typed"] == title
    assert [answer for _, answer in refused.value.choices] == (
        [TITLE_AS_POSITION + typed.strip()] if offered else []
    )


@settings(max_examples=200, deadline=None)
@given(title=TITLES, surname=SURNAMES, step=st.sampled_from(PERSONS))
async def test_a_surname_with_a_title_is_a_name(title: str, surname: str, step: Step) -> None:
    named = surname + title
    assert await BY_STEP[step.value].parse(context(), Record(), named) == {step.value: named}


@settings(max_examples=100, deadline=None)
@given(title=TITLES)
async def test_a_title_is_a_position(title: str) -> None:
    field = BY_STEP[Step.INQUIRER_POSITION.value]
    assert await field.parse(context(), Record(), title) == {"inquirer_position": title}


async def test_the_trial_title_at_the_name_question_is_kept_as_the_position(
    court: Court, db: Database
) -> None:
    """The trial: 局长 at the name question is refused with the offer; pressed, 局长 is the
    position and the name is asked again; 王局长 is taken, and the position is not asked."""
    judge = court.chat("张伟")
    script = list(phone_record())
    at = next(i for i, (_, expect) in enumerate(script) if asks(Step.INQUIRER_NAME) in str(expect))
    await dialogue(judge, script[: at + 1])
    refused = says("intake.error.title_not_name_offer", typed="局长", field="过问人")
    replies = await judge.act("局长")
    assert replies[-1].text.startswith(refused), replies[-1].text
    button = says("intake.title_as_position", title="局长")
    assert button in [b.label for row in replies[-1].buttons for b in row]
    replies = await judge.act(Press(button))
    assert replies[-1].text.startswith(asks(Step.INQUIRER_NAME)), replies[-1].text
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_position"]) == (None, "局长")
    replies = await judge.act("院长")  # the position is kept now: no offer
    assert replies[-1].text.startswith(
        says("intake.error.title_not_name", typed="院长", field="过问人")
    ), replies[-1].text
    replies = await judge.act("王局长")
    assert replies[-1].text.startswith(asks(Step.INQUIRER_UNIT)), replies[-1].text
    replies = await judge.act("温县某局")
    assert not replies[-1].text.startswith(asks(Step.INQUIRER_POSITION)), replies[-1].text
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_position"]) == ("王局长", "局长")
