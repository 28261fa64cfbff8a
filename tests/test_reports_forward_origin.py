"""The form's words for where a forwarded evidence file came from (Art. 3): a forward whose
original sender the chat service did not show is said in one whole phrase, never as an
empty or bracketed sender slot."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from reports.facts import EvidenceLine
from reports.form import origin_words
from reports.text import tr
from storage.vocabulary import Language

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@given(
    sender=st.one_of(st.none(), st.just(""), st.sampled_from(["王建国", "Wang Jianguo"])),
    chat=st.one_of(st.none(), st.sampled_from(["住建局工作群", "Staff group"])),
    sent=st.booleans(),
    caption=st.one_of(st.none(), st.just("请关照")),
    language=st.sampled_from(list(Language)),
)
def test_a_forward_names_its_sender_or_says_in_one_phrase_that_none_was_shown(
    sender: str | None, chat: str | None, sent: bool, caption: str | None, language: Language
) -> None:
    item = EvidenceLine(
        name="shot.png",
        kind="image",
        mime="image/png",
        size=10,
        sha256="0" * 64,
        received_at=AT,
        damaged=False,
        unavailable=None,
        caption=caption,
        forward_sender=sender,
        forward_chat=chat,
        forward_sent_at=AT if sent else None,
    )
    words = origin_words(item, language, TZ)
    forwarded = bool(sender or chat or sent)
    unknown = tr(language, "form.forwarded_unknown")
    if not forwarded:
        assert unknown not in words
        return
    if sender:
        assert tr(language, "form.forwarded_from", sender=sender) in words
        assert unknown not in words
    else:
        assert words.startswith(unknown)
        assert tr(language, "form.forwarded_from", sender="") not in words
