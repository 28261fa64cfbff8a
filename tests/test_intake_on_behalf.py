"""An inquiry through a cadre's aide (trial 9 finding 18): the judge phoned by the county
head's secretary naturally answers the inquirer's questions with the secretary. Art. 2 records
the intermediary *and* the leading cadre on whose behalf, so:

- a position that reads as an aide (秘书, 司机, 助理…) presumes no "本人直接": how it came is
  asked;
- once the inquiry came through an aide or a relative, the intermediary's question says the
  inquirer is the cadre and offers to move the person written there to the intermediary (the
  inquirer's answers cleared, asked again for the cadre);
- an intermediary typed the same as the inquirer (spaces aside) is refused, never stored.
"""

from __future__ import annotations

from typing import Any

import pytest
from dialogue import (
    Court,
    Press,
    asks,
    lab,
    local,
    proposing_bot,
    record_row,
    says,
)
from hypothesis import given
from hypothesis import strategies as st

from handlers.fields import Step
from handlers.units import AIDE_WORDS, aide_phrase
from handlers.words import official_titles
from storage.db import Database
from storage.vocabulary import Channel, Intermediary

OK = says("intake.proposed.ok")


bot = proposing_bot(local("2026-11-30 10:00"))


async def to_the_intermediary(court: Court, position: str, via: Intermediary) -> Any:
    judge = court.chat("张伟")
    await judge.say("/new")
    await judge.act(Press(OK))
    await judge.act(Press(lab(Channel.PHONE)))
    for answer in ("王秘书", "县人民政府办公室"):
        await judge.say(answer)
    [*_, card] = await judge.act(position)
    assert "经由：" not in card.text  # an aide written as the inquirer: nothing presumed
    [*_, how] = await judge.act(Press(OK))
    assert how.text.startswith(asks(Step.INTERMEDIARY))
    [*_, question] = await judge.act(Press(lab(via)))
    assert question.text.startswith(asks(Step.INTERMEDIARY_NAME))
    assert says("intake.inquirer_is_the_cadre", name="王秘书") in question.text
    return judge


AIDES = ("县长秘书", "秘书", "县长的司机", "办公室助理")


@pytest.mark.parametrize("via", [Intermediary.STAFF, Intermediary.RELATIVE])
@pytest.mark.parametrize("typed", ["王秘书", "王 秘书", "王　秘书"])
async def test_the_inquirer_typed_as_the_intermediary_is_refused(
    court: Court, db: Database, via: Intermediary, typed: str
) -> None:
    judge = await to_the_intermediary(court, "县长秘书", via)
    [refusal] = await judge.act(typed)
    label = says("intake.move_inquirer", name="王秘书")
    assert refusal.text.startswith(
        says("intake.error.intermediary_is_inquirer_move", name="王秘书", label=label)
    )
    assert (await record_row(db, 1))["intermediary_name"] is None


@pytest.mark.parametrize("position", AIDES)
async def test_the_aide_moves_to_the_intermediary_and_the_cadre_is_asked(
    court: Court, db: Database, position: str
) -> None:
    judge = await to_the_intermediary(court, position, Intermediary.STAFF)
    replies = await judge.act(Press(says("intake.move_inquirer", name="王秘书")))
    assert says("intake.inquirer_moved", name="王秘书") in [m.text for m in replies]
    assert replies[-1].text.startswith(asks(Step.INQUIRER_NAME))
    row = await record_row(db, 1)
    assert (row["intermediary_name"], row["inquirer_name"]) == ("王秘书", None)
    assert row["inquirer_position"] is None and row["main_leader"] is None
    assert row["intermediary_relation"] == position
    # The cadre's answers are asked again, then the record goes on.
    await judge.say("李县长")
    await judge.say("县人民政府")
    [*_, card] = await judge.act("县长")
    assert "经由：" not in card.text or lab(Intermediary.NONE) not in card.text
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["intermediary_name"]) == ("李县长", "王秘书")


@pytest.mark.parametrize(
    ("typed", "staff"), [("孙丽", "孙丽"), ("民一庭孙丽", "孙丽"), ("张伟同志", "张伟")]
)
@pytest.mark.parametrize("pressed", ["relays", "namesake"])
async def test_a_court_staff_member_as_the_intermediary_is_asked_about(
    court: Court, db: Database, typed: str, staff: str, pressed: str
) -> None:
    """A court staff member's name (with words around it or not, the judge's own among them)
    typed as the intermediary is asked about under Art. 14: it was that member (the name kept,
    Art. 14 recalled) or someone outside of the same name (the name kept)."""
    judge = await to_the_intermediary(court, "县长秘书", Intermediary.STAFF)
    relays = says("intake.staff_relays", name=staff)
    namesake = says("intake.staff_namesake", name=typed)
    who = says("intake.staff_who." + ("self" if staff == "张伟" else "staff"))
    [refusal] = await judge.act(typed)
    assert refusal.text.startswith(
        says("intake.error.staff_intermediary", typed=typed, who=who, label=relays)
    ), refusal.text
    assert [b.label for b in refusal.buttons[0]] == [relays, namesake]
    assert (await record_row(db, 1))["intermediary_name"] is None
    replies = await judge.act(Press(relays if pressed == "relays" else namesake))
    noted = says("intake.staff_relays_noted", name=typed)
    assert (noted in [m.text for m in replies]) == (pressed == "relays")
    assert replies[-1].text.startswith(asks(Step.INTERMEDIARY_RELATION)), replies[-1].text
    assert (await record_row(db, 1))["intermediary_name"] == typed


@pytest.mark.parametrize(
    ("typed", "cadre", "title", "relation", "aide"),
    [
        ("王书记的秘书小李", "王书记", "书记", "秘书", "小李"),
        ("刘县长的 司机 张强", "刘县长", "县长", "司机", "张强"),
        ("李建国的助理小王", "李建国", None, "助理", "小王"),
    ],
)
async def test_an_aide_named_with_the_cadre_is_taken_apart_by_one_press(
    court: Court,
    db: Database,
    typed: str,
    cadre: str,
    title: str | None,
    relation: str,
    aide: str,
) -> None:
    """``X的秘书Y`` typed as the inquirer's name (trial 10 finding 11) is not stored as the
    cadre's name: one press records inquirer X (a title ending X as the position), 经由 身边
    工作人员 and intermediary Y with relation 秘书 (Art. 2)."""
    judge = court.chat("张伟")
    await judge.say("/new")
    await judge.act(Press(OK))
    await judge.act(Press(lab(Channel.PHONE)))
    [refusal] = await judge.act(typed)
    label = says("intake.aide_apart", cadre=cadre, aide=aide, relation=relation)
    assert refusal.text.startswith(
        says(
            "intake.error.aide_in_name",
            typed=typed,
            cadre=cadre,
            aide=aide,
            relation=relation,
            label=label,
        )
    ), refusal.text
    assert (await record_row(db, 1))["inquirer_name"] is None
    replies = await judge.act(Press(label))
    assert replies[-1].text.startswith(asks(Step.INQUIRER_UNIT)), replies[-1].text
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_position"]) == (cadre, title)
    assert (row["intermediary"], row["intermediary_name"], row["intermediary_relation"]) == (
        Intermediary.STAFF,
        aide,
        relation,
    )


GIVEN = "伟芳敏静丽强磊军洋勇杰明超平刚"


@given(
    surname=st.sampled_from(["王", "刘", "欧阳", "小"]),
    rest=st.one_of(
        st.sampled_from(sorted(official_titles())), st.text(GIVEN, min_size=1, max_size=2)
    ),
    relation=st.sampled_from([word for word in AIDE_WORDS if not word.isascii()]),
    aide=st.text(GIVEN + "小老", min_size=1, max_size=3),
    gap=st.sampled_from(["", " ", "\u3000"]),
)
def test_an_aide_phrase_reads_as_cadre_relation_and_aide(
    surname: str, rest: str, relation: str, aide: str, gap: str
) -> None:
    cadre = surname + rest
    typed = cadre + gap + "的" + relation + gap + aide
    assert aide_phrase(typed) == (cadre, relation, aide)
    assert aide_phrase(cadre) is None and aide_phrase(aide) is None
