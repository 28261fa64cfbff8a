"""A file whose very bytes a record already holds is never registered again unasked.

Forwarded again (the same SHA-256), by any way in (a photo, a voice, a document, an album, a
forwarded text), the judge is told which record holds it (its number or draft title, and its
status) and asked: add it to that record anyway, start a new record (another inquiry), or
dismiss it (sent by mistake). Whatever the answer, the arrival stays audited (``evidence_held``,
and ``evidence_refused`` when dismissed), and nothing is dropped.
"""

from __future__ import annotations

import json

import fake_wecom as fw
import pytest
from dialogue import DISMISS, KEPT, START_NEW, Court, Person, Press, events_of, evidence_of, says
from fake_botapi import png_bytes as fake_png
from fake_wecom import FakeWeCom
from sqlalchemy import select
from test_intake_screenshot import ARRIVALS, _number, _submit, court
from test_wecom_flow import ZHANG, bot, fake
from wecom_kit import WeComHarness, add_wecom_person

from reminders.clock import FakeClock
from storage.audit import AuditKind
from storage.db import Database
from storage.models import AuditEvent, EvidenceItem
from storage.vocabulary import Role

__all__ = ["bot", "court", "fake"]  # the fixtures, shared


async def _held(db: Database, reason: str) -> list[str]:
    async with db.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.kind == AuditKind.EVIDENCE_HELD)
        events = (await session.scalars(query)).all()
    return [
        json.loads(e.payload)["sha256"] for e in events if json.loads(e.payload)["reason"] == reason
    ]


async def _forward(judge: Person, court: Court, how: str) -> list[str]:
    """Forward ``how``'s material; the texts of every reply."""
    texts: list[str] = []
    for forward in ARRIVALS[how](court.bot):
        texts += [m.text for m in await judge.act(forward)]
    return texts


def _duplicate_of(texts: list[str], title: str, status: str) -> bool:
    head = says("intake.duplicate_of", name="X", title=title, status=status, kept=KEPT).split("X")
    return any(t.startswith(head[0]) and title in t and status in t for t in texts)


@pytest.mark.parametrize("how", sorted(ARRIVALS))
@pytest.mark.parametrize("answer", ["add", "new", "dismiss"])
async def test_a_file_a_submitted_record_holds_is_asked_about(
    court: Court, db: Database, how: str, answer: str
) -> None:
    judge = court.chat("张伟")
    await _submit(judge, 1)
    await _forward(judge, court, how)
    await judge.act(Press(judge.offered()[0]))  # added to the submitted record
    items = len(await evidence_of(db, 1))
    sent = len(ARRIVALS[how](court.bot))
    assert items == sent
    texts = await _forward(judge, court, how)  # the very same bytes again
    assert _duplicate_of(texts, _number(1), "已提交"), texts
    assert judge.offered()[-2:] == [START_NEW, DISMISS]
    assert len(await evidence_of(db, 1)) == items  # nothing registered unasked
    assert len(await _held(db, "duplicate")) >= 1
    if answer == "add":
        await judge.act(Press(judge.offered()[0]))
        assert len(await evidence_of(db, 1)) == items + sent
    elif answer == "new":
        await judge.act(Press(START_NEW))
        assert len(await evidence_of(db, 2)) == sent
        assert len(await evidence_of(db, 1)) == items
    else:
        replies = [m.text for m in await judge.act(Press(DISMISS))]
        assert any("不登记到任何记录" in t for t in replies), replies
        assert len(await evidence_of(db, 1)) == items
        assert await evidence_of(db, 2) == []


@pytest.mark.parametrize("how", ["photo", "voice", "document", "text"])
async def test_a_file_the_open_draft_holds_is_asked_about_and_the_draft_goes_on(
    court: Court, db: Database, how: str
) -> None:
    judge = court.chat("张伟")
    await _forward(judge, court, how)  # opens 草稿 #1
    question = judge.inbox()[-1].text
    texts = await _forward(judge, court, how)
    assert _duplicate_of(texts, "草稿 #1", "草稿"), texts
    assert len(await evidence_of(db, 1)) == 1
    replies = [m.text for m in await judge.act(Press(DISMISS))]
    assert len(await evidence_of(db, 1)) == 1
    assert replies[-1] == question  # the draft's question again, where it stopped
    creations = [e for e in await events_of(db, 2)]
    assert creations == []  # no second record


@pytest.mark.parametrize("how", sorted(ARRIVALS))
async def test_another_handlers_record_is_neither_named_nor_offered(
    court: Court, db: Database, how: str
) -> None:
    await _submit(court.chat("张伟"), 1)
    first = court.chat("张伟")
    await _forward(first, court, how)
    await first.act(Press(first.offered()[0]))
    other = court.chat("周强")
    texts = await _forward(other, court, how)
    assert any(
        t.startswith(says("intake.duplicate_elsewhere", name="X", kept=KEPT)[:4]) for t in texts
    )
    assert not any(_number(1) in t for t in texts), texts
    assert not any("forwarded-message" in t for t in texts), texts  # a message, not a file
    assert other.offered() == [START_NEW, DISMISS]
    # /new at the question is its 新建一条记录, as at every add-or-new question
    started = [m.text for m in await other.act("/new")]
    assert any("草稿 #2" in t for t in started), started
    assert len(await evidence_of(db, 2)) == len(ARRIVALS[how](court.bot))


WECOM_KINDS = {
    "image": (fake_png(3), "IMG_0003.png", "image/png", {"PicUrl": "http://x/3"}),
    "file": (b"%PDF-1.4\n%%EOF\n", "来函.pdf", "application/pdf", {"FileName": "来函.pdf"}),
    "voice": (
        b"#!AMR\n" + bytes([0x3C]) + bytes(31) * 1,
        "voice.amr",
        "audio/amr",
        {"Format": "amr"},
    ),
}


@pytest.mark.parametrize("kind", sorted(WECOM_KINDS))
async def test_wecom_image_file_or_voice_sent_again_is_asked_about(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock, kind: str
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    data, name, mime, more = WECOM_KINDS[kind]
    for _ in (1, 2):  # two uploads of the very same bytes: two media ids
        media_id = fake.add_media(data, name, mime)
        replies = await bot.post(fw.message_xml(ZHANG, kind, MediaId=media_id, **more))
    head = says("intake.duplicate_of", name="X", title="草稿 #1", status="草稿", kept=KEPT).split(
        "X"
    )[0]
    assert any(r.startswith(head) for r in replies), replies
    async with db.transaction() as session:
        items = (await session.scalars(select(EvidenceItem))).all()
    assert len(items) == 1  # the second is held, not registered unasked
