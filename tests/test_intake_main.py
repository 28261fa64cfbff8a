"""The main intake dialogues on every transport, as the judge reads them.

Each runs on ``testbot`` once per transport (the console-like fake, Telegram through the fake
Bot API, WeCom through the fake WeCom server) and checks the literal Chinese the judge sees:
the text of every question, the buttons pressed by their labels, and the record stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from dialogue import Lacks, Press, record_row
from harness import Harness

from handlers.fields import Step
from storage.vocabulary import Channel, Intermediary, UnitCategory

RECEIVED = (
    "您是什么时候收到这次过问的？记为：2026-03-06 10:00。正确请点确认，不对请直接回复正确"
    "时间，例如“2026-03-06 14:30”或“昨天 15:00”。"
)
SOURCE = "这次过问来自："
INQUIRY_AT = "过问是什么时候发生的？例如“2026-03-06 14:30”或“今天 9:30”。"
CHANNEL = "通过什么方式过问的？"
INQUIRER_NAME = "过问人的姓名？"
INQUIRER_UNIT = "过问人所在单位？"
INQUIRER_POSITION = "过问人的职务？（离退休的，请写原职务）"
UNIT_CATEGORY = "所在单位属于哪一类？（细则第十三条）"
RETIRED = "过问人是否为离退休领导干部？"
MAIN_LEADER = "过问人是否为同级党委或政法委的主要领导干部？（是则须报上级党委、政法委和上级法院）"
INTERMEDIARY = "是领导干部本人过问，还是通过其身边工作人员或亲属？"
INTERMEDIARY_NAME = "转达者的姓名？"
INTERMEDIARY_RELATION = "转达者与该领导干部是什么关系？（如：秘书、配偶）"
CASE_NAME = "被过问案件的名称？例如“张某诉李某民间借贷纠纷案”。"
CASE_NUMBER = "案号？例如（2026）豫0825民初123号。尚未立案请点下面的按钮。"
SUMMARY = "过问的具体内容（提出了什么要求或意见）？"
ART9 = "是否涉及第九条所列特别报告事项？是否情节严重？"
SERIOUS = "是否情节严重，可能造成冤假错案或者其他严重后果？（是则立即报告）"
REVIEW = "请核对以下内容。确认无误请点“提交”，提交后不可更改，只能更正并留痕。"
STARTED = "已新建过问记录（草稿 #1）。期限从收到时间起算。下面逐项询问，随时可发送 /cancel 撤回。"
SUBMITTED = "已提交，记录编号：温法过问〔2026〕1号。"
NOT_BOUND = (
    "您好！本机器人仅供本院登记在册的工作人员使用，您的账号尚未绑定。如您是本院工作人员，"
    "请向信息技术部门索取邀请码，然后发送：/start 邀请码"
)


Expect = str | Lacks
Move = tuple[str | Press, Expect | tuple[Expect, ...]]


async def play(bot: Harness, person: str, script: Sequence[Move]) -> None:
    """Play ``script`` as ``person``: each step's replies must say every expected text (on
    WeCom a question with buttons may come as a card, so a text is looked for in all the
    step's replies together) and none of those it ``Lacks``."""
    for number, (action, expected) in enumerate(script, 1):
        if isinstance(action, Press):
            replies = await bot.press(person, action.label)
        else:
            replies = await bot.say(person, action)
        said = "\n\n".join(replies)
        for part in expected if isinstance(expected, tuple) else (expected,):
            if isinstance(part, Lacks):
                present = [text for text in part.texts if text in said]
                assert not present, f"step {number} ({action!r}) said {present!r}:\n{said}"
            else:
                assert part in said, f"step {number} ({action!r}) lacks {part!r}:\n{said}"


PHONE_CALL: tuple[Move, ...] = (
    ("/new", (STARTED, RECEIVED)),
    (Press("✔ 时间正确"), SOURCE),
    (Press("外部领导干部（含其身边工作人员、亲属）"), INQUIRY_AT),
    (Press("与收到时间相同"), CHANNEL),
    (Press("电话"), INQUIRER_NAME),
    ("王某", INQUIRER_UNIT),
    ("温县某局", INQUIRER_POSITION),
    ("局长", UNIT_CATEGORY),
    (Press("行政机关"), RETIRED),
    (Press("否"), MAIN_LEADER),
    (Press("否"), INTERMEDIARY),
    (Press("本人直接"), CASE_NAME),
    ("张某诉李某民间借贷纠纷案", CASE_NUMBER),
    ("（2026）豫0825民初123号", SUMMARY),
    ("要求对原告从轻处理", ART9),
    (
        Press("均不涉及，情节不严重"),
        (
            REVIEW,
            "【过问记录】草稿 #1（草稿）",
            "过问方式：电话",
            "过问人：王某",
            "单位类别：行政机关",
            "经由：本人直接",
            "案号：（2026）豫0825民初123号",
            "特别报告事项：无",
            "情节严重：否",
            "期限 · 填表登记：2026-03-09 24:00 前",
            # A phone call brings no materials: neither their route (Art. 6) nor where the
            # originals went (Art. 4) is asked.
            Lacks("材料到达方式", "原件去向"),
        ),
    ),
    (
        Press("✔ 提交"),
        (SUBMITTED, "期限 · 录入平台：2026-03-09 24:00 前", Lacks("期限 · 填表登记")),
    ),
)


async def test_a_phone_inquiry_from_new_to_submitted(testbot: Harness) -> None:
    await testbot.seed()
    await play(testbot, "张伟", PHONE_CALL)
    assert SUBMITTED in testbot.replies("张伟")[-1]
    row = await record_row(testbot.db, 1)
    assert (row["number"], row["channel"], row["unit_category"]) == (
        "温法过问〔2026〕1号",
        Channel.PHONE,
        UnitCategory.GOVERNMENT,
    )
    assert (row["inquirer_name"], row["case_number"], row["art9_items"]) == (
        "王某",
        "（2026）豫0825民初123号",
        [],
    )


# On WeCom, Art. 9 is a vote card ticked and submitted at once (tests/test_wecom_flow.py).
@pytest.mark.parametrize("testbot", ["console", "telegram"], indirect=True)
async def test_a_phone_call_through_a_relative(testbot: Harness) -> None:
    await testbot.seed()
    await play(
        testbot,
        "张伟",
        [
            ("/new", RECEIVED),
            (Press("✔ 时间正确"), SOURCE),
            (Press("外部领导干部（含其身边工作人员、亲属）"), INQUIRY_AT),
            (Press("跳过"), CHANNEL),
            (Press("电话"), INQUIRER_NAME),
            ("赵德明", INQUIRER_UNIT),
            ("焦作市某区政府", INQUIRER_POSITION),
            ("原区长", UNIT_CATEGORY),
            (Press("行政机关"), RETIRED),
            (Press("是"), MAIN_LEADER),
            (Press("否"), INTERMEDIARY),
            (Press("亲属"), INTERMEDIARY_NAME),
            ("赵小红", INTERMEDIARY_RELATION),
            ("女儿", CASE_NAME),
            ("张某诉李某民间借贷纠纷案", CASE_NUMBER),
            ("尚未立案", SUMMARY),
            ("打电话说其父亲让关照被告", ART9),
            ("3", ART9),
            (Press("✔ 选好了"), SERIOUS),
            (
                Press("否"),
                (
                    "经由：亲属",
                    "转达者：赵小红",
                    "与领导干部的关系：女儿",
                    "过问时间：（已跳过）",
                    Lacks("材料到达方式", "原件去向"),
                ),
            ),
            (Press("✔ 提交"), SUBMITTED),
        ],
    )
    row = await record_row(testbot.db, 1)
    assert (row["channel"], row["intermediary"]) == (Channel.PHONE, Intermediary.RELATIVE)
    assert (row["intermediary_name"], row["intermediary_relation"]) == ("赵小红", "女儿")
    assert (row["retired"], row["inquiry_at"], row["art9_items"]) == (True, None, [3])
    assert (row["case_not_filed"], row["case_number"]) == (True, None)
    assert row["fields"]["skipped"] == [Step.INQUIRY_AT.value]


async def test_back_asks_the_previous_question_again(testbot: Harness) -> None:
    await testbot.seed()
    await play(
        testbot,
        "张伟",
        [
            ("/new", RECEIVED),
            (Press("✔ 时间正确"), SOURCE),
            (Press("外部领导干部（含其身边工作人员、亲属）"), INQUIRY_AT),
            (Press("↩ 返回上一步"), SOURCE),
        ],
    )


async def test_someone_not_registered_is_told_how_to_join(testbot: Harness) -> None:
    await testbot.seed()
    testbot.visitor("路人", "passerby")
    await play(testbot, "路人", [("/new", NOT_BOUND)])
