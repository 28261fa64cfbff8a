"""离退休 presumed from the position the judge typed (trial 9, F7).

The position question asks a retired cadre for the former post ("离退休的，请写原职务"), so a
position that says 已退休, 离休 or begins a former post with 原 presumes 离退休：是 on the
confirm card, beside the category the unit suggests; a negated one (未退休) or a 原 inside a
word (太原市) leaves the question asked; any other position presumes 否.
"""

from __future__ import annotations

from dialogue import YES, Court, DialogueBot, Exactly, Press, asks, dialogue, lab
from hypothesis import given
from hypothesis import strategies as st
from test_intake_ask_less import OK, USUAL_PERSON, bot, opened_by_new, proposed

from handlers.fields import Step
from handlers.words import retired_position
from storage.vocabulary import Channel, UnitCategory

__all__ = ["bot"]

POSTS = st.sampled_from(("副主席", "主任", "局长", "副县长", "书记", "常委", "处长"))
SEPARATORS = st.sampled_from(("，", ",", "、", " ", "；", "（"))
SAID_RETIRED = st.sampled_from(("已退休", "退休", "已离休", "离休", "离退休", "退休干部"))
NEGATED = st.sampled_from(("未退休", "尚未退休", "没有退休", "未离休"))


@given(post=POSTS, separator=SEPARATORS, said=SAID_RETIRED, former=st.booleans())
def test_a_position_that_says_retired_presumes_retired(
    post: str, separator: str, said: str, former: bool
) -> None:
    """原副主席，已退休 / 副主席（已退休） / 退休 … : yes, however the parts are joined."""
    position = ("原" if former else "") + post + separator + said
    assert retired_position(position) is True
    assert retired_position(said + separator + post) is True


@given(post=POSTS, separator=SEPARATORS, place=st.sampled_from(("", "县政协", "市人大")))
def test_a_former_post_presumes_retired(post: str, separator: str, place: str) -> None:
    """A former post written as the question asks: 原 at the start of the position or of one
    of its parts."""
    assert retired_position("原" + post) is True
    assert retired_position(place + separator + "原" + post) is True


@given(post=POSTS, separator=SEPARATORS, negated=NEGATED)
def test_a_negated_or_unsure_position_leaves_retired_asked(
    post: str, separator: str, negated: str
) -> None:
    """未退休: asked, never presumed either way; 前局长 or a 原 mid-position: asked too."""
    assert retired_position(post + separator + negated) is None
    assert retired_position("前" + post) is None
    assert retired_position("县政协原" + post) is None
    assert retired_position("太原市" + post) is None


@given(post=POSTS, place=st.sampled_from(("", "县政协", "市人大")))
def test_a_plain_position_presumes_not_retired(post: str, place: str) -> None:
    """Nothing of retirement in it: 否, as before."""
    assert retired_position(place + post) is False


async def test_the_trial_position_presumes_retired_on_the_card(
    bot: DialogueBot, court: Court
) -> None:
    """Trial 9's steps: 县政协, then "原副主席，已退休": the card proposes 政协机关 and
    离退休：是 together; one press confirms both, and no 离退休 question follows."""
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            opened_by_new(),
            (Press(OK), asks(Step.CHANNEL)),
            (Press(lab(Channel.PHONE)), asks(Step.INQUIRER_NAME)),
            ("王建国", asks(Step.INQUIRER_UNIT)),
            ("县政协", asks(Step.INQUIRER_POSITION)),
            (
                "原副主席，已退休",
                Exactly(
                    proposed(
                        ("unit_category", lab(UnitCategory.CPPCC)),
                        ("retired", YES),
                        *USUAL_PERSON,
                        intro="intake.proposed.intro_plain",
                    )
                ),
            ),
            (Press(OK), asks(Step.CASE_NAME)),
        ],
    )
