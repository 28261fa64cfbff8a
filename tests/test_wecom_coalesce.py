"""Consecutive replies to one WeCom member go as one message where they fit; nothing is lost,
reordered, or merged across chats or into a transport that does not ask for it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import coalesced
from handlers.ports import Button, Capabilities, OutgoingMessage, Reply

LIMIT = 40
CAPS = {
    "wecom": Capabilities(edit=False, max_buttons=6, text_limit=LIMIT, coalesce=True),
    "telegram": Capabilities(),
}


def capabilities(name: str) -> Capabilities:
    return CAPS[name]


messages = st.builds(
    OutgoingMessage,
    text=st.text(alphabet="甲乙丙ab \n", max_size=25),
    buttons=st.sampled_from([(), ((Button("是", "y"),),)]),
    document=st.sampled_from([None, Path("报告.xlsx")]),
)
replies = st.lists(
    st.builds(
        Reply,
        transport=st.sampled_from(["wecom", "telegram"]),
        chat_id=st.sampled_from(["zhangwei", "sunli"]),
        message=messages,
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(replies=replies)
def test_coalescing_keeps_every_reply_in_order(replies: list[Reply]) -> None:
    out = coalesced(replies, capabilities)

    assert sum(count for _, count in out) == len(replies)
    position = 0
    for reply, count in out:
        group = replies[position : position + count]
        position += count
        last = group[-1]
        # The group is one chat's, and only a transport that asks for it is coalesced.
        assert {(r.transport, r.chat_id) for r in group} == {(reply.transport, reply.chat_id)}
        assert count == 1 or capabilities(reply.transport).coalesce
        # Only plain texts go before another; the last one's buttons and file are kept.
        assert all(not (r.message.buttons or r.message.document) for r in group[:-1])
        assert reply.message.buttons == last.message.buttons
        assert reply.message.document == last.message.document
        # Every text is there, in order; a merged one fits the limit.
        texts = [r.message.text for r in group if r.message.text]
        assert reply.message.text == ("\n\n".join(texts) if count > 1 else last.message.text)
        assert count == 1 or len(reply.message.text) <= LIMIT


def test_two_texts_then_a_question_to_one_member_become_one_message() -> None:
    first = Reply("wecom", "zhangwei", OutgoingMessage("已收到 1 个文件"))
    second = Reply("wecom", "zhangwei", OutgoingMessage("已保存为证据"))
    question = Reply("wecom", "zhangwei", OutgoingMessage("时间对吗？", ((Button("对", "y"),),)))
    other = Reply("wecom", "sunli", OutgoingMessage("孙丽你好"))

    out = coalesced([first, second, question, other], capabilities)

    assert [(reply.message.text, count) for reply, count in out] == [
        ("已收到 1 个文件\n\n已保存为证据\n\n时间对吗？", 3),
        ("孙丽你好", 1),
    ]
    assert out[0][0].message.buttons == question.message.buttons
