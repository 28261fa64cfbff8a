"""A proposals card that says a value was found in what came shows that value.

The note "（案号是从转发的消息中找到的，请核对）" (or "…from the picture") stands under a card only
when one of its lines is a value read there; the key naming where it was read is no value.
Checked over every combination of the card's questions and what was read, and in the
dialogue the court user tried: a forwarded text naming a case number, whose first card
proposes the times and the channel, not the case number.
"""

from __future__ import annotations

from dialogue import (
    Court,
    DialogueBot,
    Forward,
    Lacks,
    Press,
    dialogue,
    lab,
    local,
    proposing_bot,
    says,
)
from hypothesis import given
from hypothesis import strategies as st

from handlers.fields import FIELDS, MESSAGE, READ, READ_SOURCE, READ_STEPS, Field
from handlers.intake.proposals import found_note
from storage.models import Record
from storage.vocabulary import Channel

SUNDAY = local("2026-11-29 10:00")
NUMBER = "（2026）豫0825民初1234号"

reads = st.dictionaries(
    st.sampled_from([step.value for step in READ_STEPS]),
    st.sampled_from(["李局长", "温县财政局", NUMBER, ""]),
)
cards = st.lists(st.sampled_from(FIELDS), unique=True, max_size=8)


@given(cards=cards, read=reads, source=st.sampled_from([None, MESSAGE]))
def test_the_found_note_stands_only_beside_a_value_found(
    cards: list[Field], read: dict[str, str], source: str | None
) -> None:
    fields = {READ: {**read, **({READ_SOURCE: source} if source else {})}}
    record = Record(fields=fields)
    shown_found = [f for f in cards if f.step in READ_STEPS and read.get(f.step.value)]
    note = found_note(record, cards)
    if not shown_found:
        assert note is None
    else:
        where = "from_message" if source == MESSAGE else "from_picture"
        assert note == f"intake.proposed.{where}"


bot = proposing_bot(SUNDAY)


async def test_a_forwarded_texts_case_number_is_noted_on_the_card_that_shows_it(
    bot: DialogueBot, court: Court
) -> None:
    judge = court.chat("张伟")
    text = f"张法官你好，{NUMBER}那个案子，麻烦关照一下。——县财政局 李局长"
    await dialogue(
        judge,
        [
            (
                Forward(caption=text, at=SUNDAY),
                (
                    says("intake.message_case_number", number=NUMBER),
                    says("intake.proposed.intro"),
                    Lacks(says("intake.proposed.from_message")),
                ),
            ),
            (Press(says("intake.proposed.ok")), Lacks(says("intake.proposed.from_message"))),
            # Nothing in the text says how it came: the channel is asked.
            (Press(lab(Channel.WECHAT)), ()),
            ("李四", ()),
            ("温县财政局", ()),
            ("局长", says("intake.proposed.intro_plain")),
            (Press(says("intake.proposed.ok")), ()),
            (
                "张某诉李某案",
                (
                    says("card.line", label="案号", value=NUMBER),
                    says("intake.proposed.from_message"),
                ),
            ),
        ],
    )
